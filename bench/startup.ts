/**
 * Start-up and recovery time: spawns `node bin/natstream.js` and the reference
 * `nats-server` alternately on free ports and measures, per start, the wall time
 * from spawn to the ready log line, the RSS and the CPU time at that moment.
 * Prints medians (min-max) and natstream/nats-server ratios. A tool, not a test.
 *
 *   node dist/bench/startup.js                        # empty start, 7 runs of each
 *   node dist/bench/startup.js --messages 1000000     # file store recovering 1M messages (filled once)
 *   node dist/bench/startup.js --in-process           # startServer() inside this process
 *
 * There is no Go streaming server here: nats-server (core only) is the reference
 * for the empty start; for recovery the Go figures are printed as reference.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { median } from './report.js';
import { fillFileStore } from './startup-fill.js';
import { timeStart, type StartSample } from './startup-lib.js';
import { freePort, repoRoot } from './servers.js';

interface Args {
  runs: number;
  messages: number;
  channels: number;
  inProcess: boolean;
  natsServer: string;
  nodeFlags: string[];
  keepDir: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { runs: 7, messages: 0, channels: 1, inProcess: false, natsServer: '/usr/sbin/nats-server', nodeFlags: [], keepDir: '' };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--runs': a.runs = Number(v); i++; break;
      case '--messages': a.messages = Number(v); i++; break;
      case '--channels': a.channels = Number(v); i++; break;
      case '--in-process': a.inProcess = true; break;
      case '--nats-server': a.natsServer = v; i++; break;
      case '--node-flag': a.nodeFlags.push(v); i++; break;
      case '--dir': a.keepDir = v; i++; break;
      case '--help':
        process.stdout.write('node dist/bench/startup.js [--runs N] [--messages N [--channels N] [--dir D]] [--in-process] [--node-flag F] [--nats-server PATH]\n');
        process.exit(0);
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return a;
}

function fmt(xs: number[], digits = 0): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${median(s).toFixed(digits)} (${s[0].toFixed(digits)}-${s[s.length - 1].toFixed(digits)})`;
}

function report(name: string, samples: StartSample[]): void {
  console.log(`${name.padEnd(14)} ready ms ${fmt(samples.map((s) => s.readyMs))}   RSS MB ${fmt(samples.map((s) => s.rssMb), 1)}   CPU ms ${fmt(samples.map((s) => s.cpuMs))}`);
}

async function subprocessStarts(a: Args): Promise<void> {
  const cli = path.join(repoRoot, 'bin', 'natstream.js');
  let dir = '';
  let storeArgs: string[] = [];
  if (a.messages > 0) {
    dir = a.keepDir || mkdtempSync(path.join(tmpdir(), 'natstream-startup-'));
    const filled = await fillFileStore(dir, a.messages, a.channels);
    console.log(`file store ${dir}: ${filled}`);
    storeArgs = ['-st', 'FILE', '-dir', dir, '-mc', '0', '-mm', '0', '-mb', '0'];
  }
  const ns: StartSample[] = [];
  const ref: StartSample[] = [];
  const bare: StartSample[] = [];
  try {
    for (let i = 0; i < a.runs; i++) {
      // Alternate which goes first: the machine's other load shifts over time.
      const order = i % 2 === 0 ? ['natstream', 'ref', 'node'] : ['node', 'ref', 'natstream'];
      for (const which of order) {
        const port = String(await freePort());
        if (which === 'natstream') {
          ns.push(await timeStart(process.execPath, [...a.nodeFlags, cli, '-a', '127.0.0.1', '-p', port, ...storeArgs], 'Streaming Server is ready'));
        } else if (which === 'node') {
          bare.push(await timeStart(process.execPath, ['-e', "process.stderr.write('ready'); setInterval(() => {}, 1000)"], 'ready'));
        } else if (a.messages === 0) {
          ref.push(await timeStart(a.natsServer, ['-a', '127.0.0.1', '-p', port], 'Server is ready'));
        }
      }
    }
  } finally {
    if (dir !== '' && a.keepDir === '') rmSync(dir, { recursive: true, force: true });
  }
  report('natstream', ns);
  report("node -e ''", bare);
  if (ref.length > 0) {
    report('nats-server', ref);
    const r = (f: (s: StartSample) => number) => (median(ns.map(f)) / median(ref.map(f))).toFixed(1);
    console.log(`natstream/nats-server: ready ${r((s) => s.readyMs)}x, RSS ${r((s) => s.rssMb)}x, CPU ${r((s) => s.cpuMs)}x`);
  } else {
    console.log('reference (issue 14, Go nats-streaming-server 0.25.3, measured elsewhere): 1M messages ready in 236 ms');
  }
}

/** startServer() in this process: the import once, then each start and close. */
async function inProcessStarts(a: Args): Promise<void> {
  const t0 = process.hrtime.bigint();
  // By name, as users import it: the package entry (the dist/lib bundle once built).
  const pkg = 'natstream';
  const { startServer } = (await import(pkg)) as typeof import('../src/index.js');
  console.log(`import natstream (${import.meta.resolve(pkg)}): ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`);
  const starts: number[] = [];
  const closes: number[] = [];
  for (let i = 0; i < a.runs; i++) {
    const s = process.hrtime.bigint();
    const server = await startServer({ port: 0, host: '127.0.0.1' });
    const c = process.hrtime.bigint();
    await server.close();
    starts.push(Number(c - s) / 1e6);
    closes.push(Number(process.hrtime.bigint() - c) / 1e6);
  }
  console.log(`startServer(): first ${starts[0].toFixed(1)} ms, median ${fmt(starts, 1)} ms; close() median ${fmt(closes, 1)} ms`);
}

const args = parseArgs(process.argv.slice(2));
await (args.inProcess ? inProcessStarts(args) : subprocessStarts(args));
