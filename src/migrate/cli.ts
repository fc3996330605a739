/**
 * `natstream migrate --from file:DIR | sql:DRIVER:SOURCE --to jetstream -ns URL
 * [-cid ID] [--js_prefix P] [--js_replicas N] [--js_domain D] [--user U --pass P]`:
 * a thin shell over `migrate()` with a progress bar on stderr and the per-channel
 * verification on stdout. Exit status 0 when every channel verified, 1 otherwise.
 */

import { migrate, type MigrateProgress, type MigrateReport } from './migrate.js';

const USAGE = `Usage: natstream migrate --from file:DIR | sql:DRIVER:SOURCE --to jetstream -ns URL
         [-cid CLUSTER_ID] [--js_prefix PREFIX] [--js_replicas N] [--js_domain DOMAIN]
         [--user USER --pass PASSWORD | --auth TOKEN]
`;

export async function runMigrate(argv: string[]): Promise<number> {
  const a = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([a-z_]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) { process.stderr.write(`unexpected argument ${JSON.stringify(argv[i])}\n${USAGE}`); return 2; }
    if (m[1] === 'h' || m[1] === 'help') { process.stdout.write(USAGE); return 0; }
    const v = m[2] ?? argv[++i];
    if (v === undefined) { process.stderr.write(`flag needs an argument: ${argv[i - 1]}\n${USAGE}`); return 2; }
    a.set(m[1], v);
  }
  const from = a.get('from');
  const servers = a.get('ns') ?? a.get('nats_server');
  if (!from || a.get('to')?.toLowerCase() !== 'jetstream' || !servers) {
    process.stderr.write(USAGE);
    return 2;
  }
  const replicas = a.has('js_replicas') ? Number(a.get('js_replicas')) : undefined;
  const bar = new ProgressBar();
  let report: MigrateReport;
  try {
    report = await migrate({
      from,
      to: {
        servers, clusterId: a.get('cid') ?? a.get('cluster_id'), prefix: a.get('js_prefix'), replicas, domain: a.get('js_domain'),
        user: a.get('user'), pass: a.get('pass'), token: a.get('auth'),
      },
      onProgress: (p) => bar.update(p),
    });
  } catch (err) {
    bar.end();
    process.stderr.write(`migrate: ${(err as Error).message}\n`);
    return 1;
  }
  bar.end();
  process.stdout.write(formatReport(report));
  return report.ok ? 0 : 1;
}

export function formatReport(r: MigrateReport): string {
  const lines = [`cluster ID ${r.clusterId}: ${r.clients} clients, ${r.channels.length} channels, ${r.seconds.toFixed(1)} s`];
  for (const c of r.channels) {
    lines.push(`${c.ok ? 'OK  ' : 'FAIL'} ${c.channel}: seq ${c.first}..${c.last}, ${c.count} msgs (${c.copied} copied now), ` +
      `${c.subscriptions} subs, sha256 ${c.checksum.slice(0, 16)}${c.problem ? ` — ${c.problem}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

/** One line on stderr, redrawn at most 5 times a second (plain lines every 5 s when stderr is not a terminal). */
class ProgressBar {
  private last = 0;
  private readonly t0 = Date.now();
  private drawn = false;
  private readonly tty = process.stderr.isTTY === true;

  update(p: MigrateProgress): void {
    const now = Date.now();
    if (now - this.last < (this.tty ? 200 : 5000) && p.allDone < p.allTotal) return;
    this.last = now;
    const frac = p.allTotal === 0 ? 1 : p.allDone / p.allTotal;
    const width = 30;
    const fill = Math.round(frac * width);
    const rate = p.allDone / Math.max(0.001, (now - this.t0) / 1000);
    const text = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(1)}% ` +
      `${p.allDone}/${p.allTotal} msgs, ${Math.round(rate)} msgs/s, channel ${p.channel} ${p.done}/${p.total}`;
    process.stderr.write(this.tty ? `\r${text}\x1b[K` : `${text}\n`);
    this.drawn = true;
  }

  end(): void {
    if (this.drawn && this.tty) process.stderr.write('\n');
  }
}
