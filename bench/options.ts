/** Command-line options of `npm run bench` (`node dist/bench/run.js [options]`). */
import type { ClientKind } from './messages.js';
import type { ServerKind } from './servers.js';

export interface BenchOptions {
  runs: number;
  scale: number;
  workloads: string[];
  servers: ServerKind[];
  clients: ClientKind[];
  custom: { pubs: number; subs: number; size: number; count: number } | null;
  natsServerPath: string;
  profileDir: string;
  timeoutMs: number;
  warmup: boolean;
  jsonPath: string;
  help: boolean;
}

export const usage = `Usage: node dist/bench/run.js [options]

Runs the same load against natstream and nats-server (each in its own process,
clients in further processes) and prints msgs/s, MB/s and natstream/nats-server.

  --runs N            repetitions of every measurement (default 3); the table
                      shows the median and the min-max spread
  --scale F           multiply every message count by F (default 1)
  --workloads LIST    comma list of pubsub-16, pubsub-1k, pub-16, fanout5-16, reqrep
  --servers LIST      natstream, nats-server or both (default both)
  --client LIST       nats (the official client), raw (a minimal raw-socket
                      client, cheap enough that the server is the limit) or
                      both (default nats,raw)
  --pubs N --subs N --size BYTES --count N
                      instead of the suite, one custom load: N publishers,
                      N subscribers (0 = publish only), message size, messages
  --nats-server PATH  the reference binary (default /usr/sbin/nats-server)
  --profile DIR       run natstream under node --cpu-prof, profiles into DIR
  --timeout MS        give up on a run after MS milliseconds (default 120000)
  --no-warmup         skip the discarded warm-up run on each server
  --json FILE         also write every sample as JSON to FILE
  --help
`;

export function parseOptions(argv: string[]): BenchOptions {
  const o: BenchOptions = {
    runs: 3,
    scale: 1,
    workloads: [],
    servers: ['natstream', 'nats-server'],
    clients: ['nats', 'raw'],
    custom: null,
    natsServerPath: '/usr/sbin/nats-server',
    profileDir: '',
    timeoutMs: 120_000,
    warmup: true,
    jsonPath: '',
    help: false,
  };
  const custom = { pubs: 1, subs: 1, size: 16, count: 500_000 };
  let anyCustom = false;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const name = arg.replace(/^--?/, '');
    const take = (): string => {
      if (value !== undefined) return value;
      const next = argv[++i];
      if (next === undefined) throw new Error(`option ${arg} needs a value`);
      return next;
    };
    const num = (): number => {
      const s = take();
      const n = Number(s);
      if (!Number.isFinite(n) || n < 0) throw new Error(`option ${arg}: not a number: ${s}`);
      return n;
    };
    switch (name) {
      case 'runs':
        o.runs = Math.max(1, Math.floor(num()));
        break;
      case 'scale':
        o.scale = num();
        break;
      case 'workloads':
        o.workloads = take().split(',').filter(Boolean);
        break;
      case 'servers': {
        const list = take().split(',').filter(Boolean);
        for (const s of list) if (s !== 'natstream' && s !== 'nats-server') throw new Error(`unknown server: ${s}`);
        o.servers = list as ServerKind[];
        break;
      }
      case 'client': {
        const list = take().split(',').filter(Boolean);
        for (const c of list) if (c !== 'nats' && c !== 'raw') throw new Error(`unknown client: ${c}`);
        o.clients = list as ClientKind[];
        break;
      }
      case 'pubs':
      case 'subs':
      case 'size':
      case 'count':
        custom[name] = Math.floor(num());
        anyCustom = true;
        break;
      case 'nats-server':
        o.natsServerPath = take();
        break;
      case 'profile':
        o.profileDir = take();
        break;
      case 'timeout':
        o.timeoutMs = num();
        break;
      case 'no-warmup':
        o.warmup = false;
        break;
      case 'json':
        o.jsonPath = take();
        break;
      case 'help':
      case 'h':
        o.help = true;
        break;
      default:
        throw new Error(`unknown option: ${arg}`);
    }
  }
  if (anyCustom) {
    if (custom.pubs < 1) throw new Error('--pubs must be at least 1');
    o.custom = custom;
  }
  return o;
}
