/**
 * natstream in a child process (bin/natstream.js, memory store, random ports),
 * so that an input that kills the server ends that process, not the test run:
 * the fuzz tests check `alive` and report the stack from `stderr`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.js';

const CLI = fileURLToPath(new URL('../../../bin/natstream.js', import.meta.url));
export const FUZZ_CLUSTER = 'fuzz-cluster';

export class ChildServer {
  readonly stderr: string[] = [];
  private constructor(readonly proc: ChildProcess, readonly port: number, readonly monitorPort: number) {}

  get url(): string { return `nats://127.0.0.1:${this.port}`; }
  get alive(): boolean { return this.proc.exitCode === null && this.proc.signalCode === null; }

  /** The last lines the server wrote (its crash stack, if it died). */
  tail(n = 30): string { return this.stderr.slice(-n).join('\n'); }

  static async start(extra: string[] = []): Promise<ChildServer> {
    const port = await freePort();
    const monitorPort = await freePort();
    const proc = spawn(process.execPath, [CLI, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-cid', FUZZ_CLUSTER, ...extra],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    const child = new ChildServer(proc, port, monitorPort);
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      proc.stderr!.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) {
          child.stderr.push(l);
          if (child.stderr.length > 2000) child.stderr.splice(0, 1000);
          if (l.includes('Streaming Server is ready')) resolve();
        }
      });
      proc.once('exit', (code, sig) => reject(new Error(`natstream exited (${code ?? sig}) before ready:\n${child.tail()}`)));
    });
    return child;
  }

  /** Resolves once the process exited (true) or after `ms` (false). */
  exited(ms: number): Promise<boolean> {
    if (!this.alive) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      this.proc.once('exit', () => { clearTimeout(t); resolve(true); });
    });
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = once(this.proc, 'exit');
    this.proc.kill('SIGKILL');
    await exited;
  }
}
