/**
 * Timing of one server start in a child process (spawn to its ready log line),
 * with its RSS and CPU time at that moment; used by bench/startup.ts and
 * bench/compare.ts.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

import { processCpuMicros } from './servers.js';

export interface StartSample {
  readyMs: number;
  rssMb: number;
  cpuMs: number;
}

/** CPU time of every thread of `pid` in ms, from /proc/<pid>/task/<tid>/schedstat (nanoseconds, not 10 ms ticks). */
function cpuMs(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
    }
    return ns / 1e6;
  } catch {
    return processCpuMicros(pid) / 1000;
  }
}

export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Spawns, waits for `ready` on stdout/stderr, samples, stops with SIGTERM. */
export async function timeStart(file: string, args: string[], ready: string): Promise<StartSample> {
  const t0 = process.hrtime.bigint();
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready after 60 s: ${out.slice(-2000)}`)), 60_000);
      const onData = (s: string) => {
        out += s;
        if (out.includes(ready)) {
          clearTimeout(timer);
          resolve();
        }
      };
      for (const s of [child.stdout!, child.stderr!]) {
        s.setEncoding('utf8');
        s.on('data', onData);
      }
      child.once('exit', (code) => reject(new Error(`exited (${code}) before ready: ${out.slice(-2000)}`)));
    });
    const readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return { readyMs, rssMb: rssMb(child.pid!), cpuMs: cpuMs(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
}

