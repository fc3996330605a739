/** Command-line options of `npm run bench:streaming` (`node dist/bench/streaming/run.js [options]`). */
import type { ClientKind, SubKind } from './messages.js';
import type { StoreKind } from './stores.js';

export interface StreamingBenchOptions {
  runs: number;
  scale: number;
  scenarios: string[];
  clients: ClientKind[];
  /** A single custom scenario instead of the suite (any of these flags given). */
  custom: { store: StoreKind; fileSync: boolean; sync: boolean } | null;
  /** Overrides every scenario's message count; 0 keeps them. */
  count: number;
  pubs: number;
  subs: number;
  size: number;
  /** PubAcks a publisher may have outstanding (async publish). */
  window: number;
  subKind: SubKind;
  manualAck: boolean;
  maxInFlight: number;
  serverArgs: string[];
  profileDir: string;
  timeoutMs: number;
  warmup: boolean;
  jsonPath: string;
  help: boolean;
}

export const usage = `Usage: node dist/bench/streaming/run.js [options]

Streaming load with the real node-nats-streaming client against natstream in a
child process (publishers and subscribers in further processes); prints pub
msgs/s, sub msgs/s, publish-to-delivery latency, and the Go server's figures
from the issues as a reference.

  --runs N              measurements per scenario (default 3); the table shows
                        the median and the min-max spread
  --scale F             multiply every scenario's message count by F (default 1)
  --scenarios LIST      comma list of memory-async, memory-sync, file-async,
                        file-async-nosync, file-sync, postgres-async,
                        postgres-sync, mysql-async, mysql-sync (default: all)
  --client LIST         stan (node-nats-streaming, what Node applications
                        use; default), raw (a minimal STAN client cheap
                        enough that the server is the limit) or stan,raw
  --store KIND          instead of the suite, one scenario on memory, file,
                        postgres or mysql; with --publish and --file-sync
  --publish async|sync  for --store (default async)
  --file-sync BOOL      for --store file: -file_sync (default true)
  --count N             messages per run, for every scenario
  --pubs N              publisher processes (default 1); the count is shared
  --subs N              subscriber processes (default 1; 0 = publish only)
  --size BYTES          payload size (default 128; >= 8 for latencies)
  --window N            async publish: PubAcks outstanding per publisher
                        (default 16384, the Go client's MaxPubAcksInflight)
  --sub-kind KIND       plain, queue, durable or durable-queue (default plain;
                        queue members share one group and split the messages)
  --manual-ack          subscribers ack each message themselves (default auto;
                        the raw client always acks each message itself)
  --max-inflight N      subscription MaxInflight (default 1024, as the Go client)
  --server-args "ARGS"  extra natstream flags, space separated
  --profile DIR         run natstream under node --cpu-prof, profiles into DIR
                        (summarise with node dist/bench/profile-summary.js)
  --timeout MS          give up on a run after MS milliseconds (default 120000)
  --no-warmup           skip the discarded warm-up run of each scenario
  --json FILE           also write every sample as JSON to FILE
  --help

SQL scenarios start PostgreSQL (Debian's postgres) and MariaDB (mariadbd) with
test/support/databases.ts, or use NATSTREAM_TEST_PG_URL / NATSTREAM_TEST_MYSQL_URL
(whose natstream tables are emptied).
`;

const STORES: StoreKind[] = ['memory', 'file', 'postgres', 'mysql'];
const SUB_KINDS: SubKind[] = ['plain', 'queue', 'durable', 'durable-queue'];

export function parseOptions(argv: string[]): StreamingBenchOptions {
  const o: StreamingBenchOptions = {
    runs: 3,
    scale: 1,
    scenarios: [],
    clients: ['stan'],
    custom: null,
    count: 0,
    pubs: 1,
    subs: 1,
    size: 128,
    window: 16_384,
    subKind: 'plain',
    manualAck: false,
    maxInFlight: 1024,
    serverArgs: [],
    profileDir: '',
    timeoutMs: 120_000,
    warmup: true,
    jsonPath: '',
    help: false,
  };
  let store: StoreKind | null = null;
  let sync = false;
  let fileSync = true;
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
    const num = (min: number): number => {
      const s = take();
      const n = Number(s);
      if (!Number.isFinite(n) || n < min) throw new Error(`option ${arg}: expected a number >= ${min}, got ${s}`);
      return n;
    };
    const int = (min: number): number => Math.floor(num(min));
    switch (name) {
      case 'runs':
        o.runs = int(1);
        break;
      case 'scale':
        o.scale = num(0);
        break;
      case 'scenarios':
        o.scenarios = take().split(',').filter(Boolean);
        break;
      case 'client': {
        const list = take().split(',').filter(Boolean);
        for (const c of list) if (c !== 'stan' && c !== 'raw') throw new Error(`unknown client: ${c} (stan, raw)`);
        o.clients = list as ClientKind[];
        break;
      }
      case 'store': {
        const s = take() as StoreKind;
        if (!STORES.includes(s)) throw new Error(`unknown store: ${s} (${STORES.join(', ')})`);
        store = s;
        break;
      }
      case 'publish': {
        const p = take();
        if (p !== 'async' && p !== 'sync') throw new Error(`--publish: async or sync, not ${p}`);
        sync = p === 'sync';
        break;
      }
      case 'file-sync': {
        const b = take();
        if (b !== 'true' && b !== 'false') throw new Error(`--file-sync: true or false, not ${b}`);
        fileSync = b === 'true';
        break;
      }
      case 'count':
        o.count = int(1);
        break;
      case 'pubs':
        o.pubs = int(1);
        break;
      case 'subs':
        o.subs = int(0);
        break;
      case 'size':
        o.size = int(0);
        break;
      case 'window':
        o.window = int(1);
        break;
      case 'sub-kind': {
        const k = take() as SubKind;
        if (!SUB_KINDS.includes(k)) throw new Error(`unknown subscription kind: ${k} (${SUB_KINDS.join(', ')})`);
        o.subKind = k;
        break;
      }
      case 'manual-ack':
        o.manualAck = true;
        break;
      case 'max-inflight':
        o.maxInFlight = int(1);
        break;
      case 'server-args':
        o.serverArgs = take().split(/\s+/).filter(Boolean);
        break;
      case 'profile':
        o.profileDir = take();
        break;
      case 'timeout':
        o.timeoutMs = num(1);
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
  if (store !== null) o.custom = { store, fileSync, sync };
  return o;
}
