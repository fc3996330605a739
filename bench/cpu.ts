/** CPU accounting shared by the core and streaming benches. */

export function now(): bigint {
  return process.hrtime.bigint();
}

/** CPU and wall time of a worker's phase, from construction to stop(). */
export class Meter {
  private readonly cpu0 = process.cpuUsage();
  private readonly wall0 = now();
  stop(): { cpuMicros: number; wallMicros: number } {
    const cpu = process.cpuUsage(this.cpu0);
    return { cpuMicros: cpu.user + cpu.system, wallMicros: Number(now() - this.wall0) / 1000 };
  }
}

/** CPU time as a percentage of one core over `wallMicros`. */
export function pct(cpuMicros: number, wallMicros: number): number {
  return wallMicros > 0 ? (100 * cpuMicros) / wallMicros : 0;
}

interface WorkerCpu {
  cpuMicros: number;
  wallMicros: number;
}

/** CPU shares of one run with publisher and subscriber processes: server, busiest pub/sub, all subs, everything else. */
export function pubSubCpuShares(serverCpu: number, machine: number, wall: number, pubs: WorkerCpu[], subs: WorkerCpu[]) {
  const clientsCpu = [...pubs, ...subs].reduce((sum, r) => sum + r.cpuMicros, 0);
  return {
    server: pct(serverCpu, wall),
    pub: Math.max(...pubs.map((r) => pct(r.cpuMicros, r.wallMicros))),
    sub: subs.length > 0 ? Math.max(...subs.map((r) => pct(r.cpuMicros, r.wallMicros))) : 0,
    subsTotal: subs.reduce((sum, r) => sum + pct(r.cpuMicros, r.wallMicros), 0),
    others: Math.max(0, pct(machine - serverCpu - clientsCpu, wall)),
  };
}
