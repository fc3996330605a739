/**
 * natstream as a child process (`node bin/natstream.js ...`), for tests that
 * kill -9 or SIGSTOP a server. Its log (stderr) is kept and can be awaited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/natstream.js', import.meta.url));

export class NatstreamProcess {
  readonly process: ChildProcess;
  private log = '';
  private waiters: Array<{ text: string; from: number; resolve: () => void }> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `command`: another server binary taking the same flags (the Go nats-streaming-server). */
  constructor(readonly name: string, args: string[], command?: string) {
    this.process = command
      ? spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.exited = once(this.process, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
    this.process.stderr!.setEncoding('utf8');
    this.process.stderr!.on('data', (d: string) => {
      this.log += d;
      this.waiters = this.waiters.filter((w) => {
        if (this.log.indexOf(w.text, w.from) < 0) return true;
        w.resolve();
        return false;
      });
    });
  }

  get pid(): number {
    return this.process.pid!;
  }

  get output(): string {
    return this.log;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Resolves when `text` appears in the log at or after character `from`. */
  waitFor(text: string, timeoutMs: number, from = 0): Promise<void> {
    if (this.log.indexOf(text, from) >= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no "${text}" within ${timeoutMs} ms; log:\n${this.log}`)), timeoutMs);
      this.waiters.push({ text, from, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.process.kill(sig);
  }

  /** kill -9 by PID and wait for the exit. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.process.kill('SIGCONT');
    this.process.kill('SIGKILL');
    await this.exited;
  }
}
