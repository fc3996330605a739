/**
 * natstream in a child process for the streaming bench: the `natstream`
 * command with the store flags of a scenario, ready when it logs
 * "Streaming Server is ready". CPU use is read from /proc by the caller.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { freePort, processCpuMicros, repoRoot } from '../servers.js';

export const CLUSTER_ID = 'bench';

export interface StreamingServerUnderTest {
  readonly url: string;
  readonly pid: number;
  /** How it was started, for the report (the SQL password masked). */
  readonly command: string;
  cpuMicros(): number;
  stop(): Promise<void>;
}

const READY = 'Streaming Server is ready';

/** Servers not stopped yet: killed if the bench itself exits early. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startNatstream(storeArgs: string[], opts: { profileDir: string; mask: string[] }): Promise<StreamingServerUnderTest> {
  const port = await freePort();
  const nodeFlags = opts.profileDir !== '' ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const cli = path.join(repoRoot, 'bin', 'natstream.js');
  // -mc 0: every run uses a channel of its own; the default 100 channels would cap --runs.
  const args = [...nodeFlags, cli, '-a', '127.0.0.1', '-p', String(port), '-cid', CLUSTER_ID, '-mc', '0', ...storeArgs];
  let shown = ['node', ...args].map((a) => (path.isAbsolute(a) && a.startsWith(repoRoot) ? path.relative(repoRoot, a) : a)).join(' ');
  for (const secret of opts.mask) if (secret !== '') shown = shown.split(secret).join('xxxxx');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  let onReady: (() => void) | null = null;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding('utf8');
    stream.on('data', (s: string) => {
      // Keep the start-up log and the last lines (an error after the start).
      output = output.length < 16_384 ? output + s : output.slice(0, 8192) + output.slice(-8192) + s;
      if (onReady !== null && output.includes(READY)) {
        onReady();
        onReady = null;
      }
    });
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      exited.then(() => {
        throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no "${READY}" within 30 s`)), 30_000);
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    const tail = output.trim().split('\n').slice(-30).join('\n');
    throw new Error(`natstream did not start (${shown}): ${(err as Error).message}\n${tail}`);
  } finally {
    clearTimeout(timer);
  }
  const pid = child.pid!;
  return {
    url: `nats://127.0.0.1:${port}`,
    pid,
    command: shown,
    cpuMicros: () => processCpuMicros(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGTERM: a clean exit, which also lets --cpu-prof write its profile.
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(kill);
    },
  };
}
