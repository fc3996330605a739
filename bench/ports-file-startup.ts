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
import { existsSync, mkdtempSync, rmSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const NATSTREAM = resolve(import.meta.dirname, '../../bin/natstream.js');

interface Started { ms: number; child: ChildProcess }

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
      done({ ms: performance.now() - t0, child });
    };
    child.once('exit', (code) => {
      watcher.close();
      fail(new Error(`${name} exited (${code}) before writing its ports file`));
    });
    check();
  });
}

async function round(command: string, args: string[], name: string, parallel: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'startup-'));
  try {
    const started = await Promise.all(Array.from({ length: parallel }, () => startOne(dir, command, args, name)));
    for (const s of started) s.child.kill('SIGINT');
    await Promise.all(started.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)))));
    return started.map((s) => s.ms);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function summary(label: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(0);
  return `${label.padEnd(15)} n=${sorted.length}  min ${at(0)} ms  median ${at(0.5)} ms  p90 ${at(0.9)} ms  max ${at(1)} ms`;
}

async function main(): Promise<void> {
  const parallel = Number(process.argv[2] ?? 4);
  const rounds = Number(process.argv[3] ?? 5);
  const natsServer = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim();
  const linkDir = mkdtempSync(join(tmpdir(), 'startup-bin-'));
  const standIn = join(linkDir, 'nats-server');
  symlinkSync(NATSTREAM, standIn);
  const natstream: number[] = [];
  const coreOnly: number[] = [];
  const reference: number[] = [];
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
