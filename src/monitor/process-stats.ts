/**
 * Process figures for /varz and /streaming/serverz: resident memory, CPU use,
 * cores, file descriptors. CPU is averaged over the last sampling window of at
 * least one second (as nats-server's pse sampler does) and kept to one decimal.
 */
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

export interface ProcessFigures {
  /** Resident set size, bytes. */
  mem: number;
  /** Percent of one core, one decimal. */
  cpu: number;
  cores: number;
  /** 0 when not sampled or /proc is not available. */
  openFds: number;
  maxFds: number;
}

const WINDOW_MS = 1000;

export class ProcessSampler {
  private lastWall = performance.now();
  private lastCpu = process.cpuUsage();
  private cpu: number;
  readonly cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

  constructor() {
    // Until the first window has passed, report the average since the process started.
    const used = this.lastCpu.user + this.lastCpu.system;
    const wallUs = process.uptime() * 1e6;
    this.cpu = wallUs > 0 ? round1((used / wallUs) * 100) : 0;
  }

  /** `withFds`: also count open file descriptors (a directory read; only /streaming/serverz shows them). */
  sample(withFds = false): ProcessFigures {
    const wall = performance.now();
    if (wall - this.lastWall >= WINDOW_MS) {
      const cpu = process.cpuUsage();
      const used = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
      this.cpu = round1((used / ((wall - this.lastWall) * 1000)) * 100);
      this.lastWall = wall;
      this.lastCpu = cpu;
    }
    const fds = withFds ? fileDescriptors() : { open: 0, max: 0 };
    return { mem: process.memoryUsage.rss(), cpu: this.cpu, cores: this.cores, openFds: fds.open, maxFds: fds.max };
  }
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function fileDescriptors(): { open: number; max: number } {
  try {
    const open = readdirSync('/proc/self/fd').length;
    const limits = readFileSync('/proc/self/limits', 'latin1');
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    const max = m === null || m[1] === 'unlimited' ? 0 : Number(m[1]);
    return { open, max };
  } catch {
    return { open: 0, max: 0 };
  }
}
