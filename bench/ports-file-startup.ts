/**
 * Start-up time as a test harness sees it: from spawning `<server> -c FILE`
 * (with `port: -1`, `http: "127.0.0.1:-1"`, `ports_file_dir`) to the ports
 * file being there, with several servers starting at once, as the nats.js
 * suite does (its limit is 1 s): natstream, natstream invoked as
 * `nats-server` (core NATS alone, through a symlink) and nats-server.
 *
 *   node dist/bench/ports-file-startup.js [parallel=4] [rounds=5]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const NATSTREAM = resolve(import.meta.dirname, '../../bin/natstream.js');

interface Started { ms: number; cpuMs: number; child: ChildProcess }

/** CPU time (user + system) the process used so far, from /proc (Linux; NaN elsewhere). 10 ms ticks. */
function cpuMsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after "pid (comm) ".
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function startOne(dir: string, command: string, args: string[], name: string): Promise<Started> {
  const conf = join(dir, `${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(conf, `host: "127.0.0.1"\nport: -1\nhttp: "127.0.0.1:-1"\nports_file_dir: ${dir}\n`);
  const t0 = performance.now();
  const child = spawn(command, [...args, '-c', conf], { stdio: 'ignore' });
  const file = join(dir, `${name}_${child.pid}.ports`);
  return new Promise((done, fail) => {
    const watcher = watch(dir, () => check());
    const check = () => {
      if (!existsSync(file)) return;
      watcher.close();
      done({ ms: performance.now() - t0, cpuMs: cpuMsOf(child.pid), child });
    };
    child.once('exit', (code) => {
      watcher.close();
      fail(new Error(`${name} exited (${code}) before writing its ports file`));
    });
    check();
  });
}

async function round(command: string, args: string[], name: string, parallel: number): Promise<Started[]> {
  const dir = mkdtempSync(join(tmpdir(), 'startup-'));
  try {
    const started = await Promise.all(Array.from({ length: parallel }, () => startOne(dir, command, args, name)));
    for (const s of started) s.child.kill('SIGINT');
    await Promise.all(started.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)))));
    return started;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function summary(label: string, runs: Started[]): string {
  const pick = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(0);
  };
  const wall = pick(runs.map((r) => r.ms));
  const cpu = pick(runs.map((r) => r.cpuMs));
  return `${label.padEnd(15)} n=${runs.length}  wall: min ${wall(0)} median ${wall(0.5)} p90 ${wall(0.9)} max ${wall(1)} ms` +
    `  | CPU used: median ${cpu(0.5)} max ${cpu(1)} ms`;
}

async function main(): Promise<void> {
  const parallel = Number(process.argv[2] ?? 4);
  const rounds = Number(process.argv[3] ?? 5);
  const natsServer = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim();
  const linkDir = mkdtempSync(join(tmpdir(), 'startup-bin-'));
  const standIn = join(linkDir, 'nats-server');
  symlinkSync(NATSTREAM, standIn);
  const natstream: Started[] = [];
  const coreOnly: Started[] = [];
  const reference: Started[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      natstream.push(...(await round(process.execPath, [NATSTREAM], 'natstream', parallel)));
      coreOnly.push(...(await round(process.execPath, [standIn], 'nats-server', parallel)));
      if (natsServer) reference.push(...(await round(natsServer, [], 'nats-server', parallel)));
    }
  } finally {
    rmSync(linkDir, { recursive: true, force: true });
  }
  console.log(`start-up to ports file, ${parallel} servers starting at once, ${rounds} rounds`);
  console.log(summary('natstream', natstream));
  console.log(summary('as nats-server', coreOnly));
  if (natsServer) console.log(summary('nats-server', reference));
}

await main();
