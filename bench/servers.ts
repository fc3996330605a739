/**
 * The servers under test, each in a child process: natstream (through its
 * `natstream` command when built, else ./natstream-child.js) and the reference
 * nats-server binary. CPU use is read from /proc so the report can tell a busy
 * server from an idle one waiting on the load generator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root: dist/bench/ is two levels below it. */
export const repoRoot = path.resolve(here, '..', '..');

export type ServerKind = 'natstream' | 'nats-server';

export interface ServerUnderTest {
  readonly kind: ServerKind;
  readonly url: string;
  readonly pid: number;
  /** How it was started, for the report. */
  readonly command: string;
  /** CPU time (user + system) the process has used so far, in microseconds. */
  cpuMicros(): number;
  stop(): Promise<void>;
}

export interface ServerStartOptions {
  natsServerPath: string;
  /** Directory for `node --cpu-prof` output of the natstream process; none when empty. */
  profileDir: string;
}

/** Servers not stopped yet: killed if the bench itself exits early (a crash, Ctrl-C). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export async function startServerUnderTest(kind: ServerKind, opts: ServerStartOptions): Promise<ServerUnderTest> {
  const port = await freePort();
  let args: string[];
  let file: string;
  if (kind === 'nats-server') {
    file = opts.natsServerPath;
    args = ['-a', '127.0.0.1', '-p', String(port)];
  } else {
    file = process.execPath;
    const nodeFlags = opts.profileDir !== '' ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
    const cli = path.join(repoRoot, 'dist', 'src', 'cli.js');
    args = existsSync(cli)
      ? [...nodeFlags, path.join(repoRoot, 'bin', 'natstream.js'), '-p', String(port), '-a', '127.0.0.1']
      : [...nodeFlags, path.join(here, 'natstream-child.js'), String(port)];
  }
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    if (stderr.length < 8192) stderr += s;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, child, 15_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${kind} did not start (${file} ${args.join(' ')}): ${(err as Error).message}\n${stderr}`);
  }
  const pid = child.pid!;
  return {
    kind,
    url: `nats://127.0.0.1:${port}`,
    pid,
    command: [file === process.execPath ? 'node' : file, ...args.map(shortPath)].join(' '),
    cpuMicros: () => processCpuMicros(pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** A path inside the repository, relative to its root, for the report. */
function shortPath(arg: string): string {
  const rel = path.relative(repoRoot, arg);
  return path.isAbsolute(arg) && !rel.startsWith('..') ? rel : arg;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    if (await canConnect(port)) return;
    if (Date.now() > deadline) throw new Error(`port ${port} not open after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process from /proc/<pid>/stat (Linux), in microseconds; 0 elsewhere. */
export function processCpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces: count fields after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU time all processes of the machine have used so far (idle and iowait excluded), in microseconds. */
export function machineBusyMicros(): number {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
