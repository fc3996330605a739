/**
 * Mixed clusters for tests: natstream nodes (startServer with a route
 * listener) and Debian nats-server nodes, all on free loopback ports, and a
 * probe that waits until interest registered on one node is visible on another.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { startServer, type RunningServer } from '../../src/index.js';
import type { StartOptions } from '../../src/index.js';
import { freePort } from './ports.js';
import { RawClient } from './raw-client.js';

export const NATS_SERVER = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim();
export const skipWithoutNatsServer = NATS_SERVER ? false : 'nats-server is not installed (.ci/run installs it)';

export interface Node {
  readonly kind: 'natstream' | 'nats-server';
  readonly name: string;
  readonly port: number;
  readonly clusterPort: number;
  readonly url: string;
  readonly routeUrl: string;
  /** Stops the node (SIGKILL for nats-server: a crash). */
  stop(): Promise<void>;
}

export interface NodeSpec {
  name: string;
  clusterName?: string;
  /** Route URLs to solicit. */
  routes?: string[];
  port?: number;
  clusterPort?: number;
  /** Clients are not told about the other servers (`--no_advertise`). */
  noAdvertise?: boolean;
  /** Credentials incoming routes must present. */
  routeAuth?: { user: string; pass: string };
  /** Mutual TLS on routes (file paths). */
  routeTls?: { cert: string; key: string; ca: string };
}

export interface NatstreamNode extends Node {
  readonly running: RunningServer;
}

export async function startNatstreamNode(spec: NodeSpec, extra: Partial<StartOptions> = {}): Promise<NatstreamNode> {
  const running = await startServer({
    host: '127.0.0.1',
    port: spec.port ?? 0,
    streaming: false,
    ...extra,
    core: {
      serverName: spec.name,
      ...extra.core,
      cluster: {
        host: '127.0.0.1', port: spec.clusterPort ?? 0, name: spec.clusterName, routes: spec.routes ?? [],
        noAdvertise: spec.noAdvertise,
        user: spec.routeAuth?.user,
        pass: spec.routeAuth?.pass,
        tls: spec.routeTls,
      },
    },
  });
  const clusterPort = running.core!.cluster!.port;
  return {
    kind: 'natstream',
    name: spec.name,
    port: running.port,
    clusterPort,
    url: running.natsUrl,
    routeUrl: `nats://127.0.0.1:${clusterPort}`,
    running,
    stop: () => running.close(),
  };
}

export interface GoNode extends Node {
  readonly process: ChildProcess;
  /** stderr so far (start it with `-DV` through `args` to get traces). */
  readonly log: () => string;
}

export async function startGoNode(spec: NodeSpec, args: string[] = []): Promise<GoNode> {
  const port = spec.port ?? (await freePort());
  const clusterPort = spec.clusterPort ?? (await freePort());
  const auth = spec.routeAuth ? `${spec.routeAuth.user}:${spec.routeAuth.pass}@` : '';
  const argv = ['-a', '127.0.0.1', '-p', String(port), '-n', spec.name, '--cluster', `nats://${auth}127.0.0.1:${clusterPort}`];
  if (spec.clusterName) argv.push('--cluster_name', spec.clusterName);
  if (spec.routes && spec.routes.length > 0) argv.push('--routes', spec.routes.join(','));
  if (spec.noAdvertise) argv.push('--no_advertise');
  if (spec.routeTls) {
    // Route TLS has no flag: a configuration file with the cluster's tls block, the flags over it.
    const t = spec.routeTls;
    const file = join(mkdtempSync(join(tmpdir(), 'natstream-go-tls-')), 'routes.conf');
    writeFileSync(file, `cluster {\n  tls {\n    cert_file: "${t.cert}"\n    key_file: "${t.key}"\n    ca_file: "${t.ca}"\n    timeout: 2\n  }\n}\n`);
    argv.push('-c', file);
  }
  const child = spawn(NATS_SERVER, [...argv, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const accepting = untilAccepting(port);
  accepting.catch(() => undefined); // when the exit wins the race
  await Promise.race([
    accepting,
    exited.then(() => { throw new Error(`nats-server ${spec.name} exited during start:\n${log}`); }),
  ]);
  return {
    kind: 'nats-server',
    name: spec.name,
    port,
    clusterPort,
    url: `nats://127.0.0.1:${port}`,
    routeUrl: `nats://127.0.0.1:${clusterPort}`,
    process: child,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves once a server on `port` answers with INFO. */
export async function untilAccepting(port: number): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      const c = await RawClient.connect(port);
      await c.untilIncludes('\r\n');
      c.close();
      return;
    } catch (err) {
      if (i > 400) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

export function client(node: Node, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  return connect({ servers: node.url, name: `test-${node.name}`, ...opts });
}

let probeSeq = 0;

/**
 * Resolves once what `sub` subscribed so far is visible through `pub`'s
 * server: `sub` answers a fresh probe subject, `pub` asks until answered.
 * Interest travels in order over a route, so the probe arriving means the
 * earlier subscriptions did too.
 */
export async function untilRouted(sub: NatsConnection, pub: NatsConnection, timeoutMs = 10_000): Promise<void> {
  const subject = `_probe.${process.pid}.${++probeSeq}`;
  const s = sub.subscribe(subject, { callback: (_err, m) => m.respond() });
  await sub.flush();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await pub.request(subject, undefined, { timeout: 200, noMux: true });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`interest from ${sub.getServer()} never reached ${pub.getServer()}: ${String(err)}`);
      }
    }
  } finally {
    s.unsubscribe();
  }
}

/** Collects the payloads of a subscription (as strings). */
export function collect(nc: NatsConnection, subject: string, queue?: string): { got: string[]; stop(): void } {
  const got: string[] = [];
  const sub = nc.subscribe(subject, { queue, callback: (_err, m) => got.push(new TextDecoder().decode(m.data)) });
  return { got, stop: () => sub.unsubscribe() };
}

/**
 * Resolves once `count` messages came on `subject` (a plain subscription made now): one per publisher.
 * A publisher sends it after its data: messages from one connection reach a
 * subscriber in order, through routes too, so once it arrives nothing of the
 * data is still on its way — duplicates included.
 */
export async function endMarker(nc: NatsConnection, subject: string, count = 1, timeoutMs = 10_000): Promise<() => Promise<void>> {
  let resolve!: () => void;
  const seen = new Promise<void>((r) => { resolve = r; });
  let n = 0;
  const sub = nc.subscribe(subject, { max: count, callback: () => { if (++n === count) resolve(); } });
  await nc.flush();
  return () => {
    let timer: NodeJS.Timeout;
    const timeout = new Promise<void>((_, reject) => {
      timer = setTimeout(() => { sub.unsubscribe(); reject(new Error(`no ${subject} on ${nc.getServer()}`)); }, timeoutMs);
    });
    return Promise.race([seen.finally(() => clearTimeout(timer)), timeout]);
  };
}

/**
 * What a test file started, stopped in reverse order after its tests:
 * `track(node)` for nodes, `defer(fn)` for anything else (clients, processes).
 */
export function teardown(): { track<T extends Node>(n: T): T; defer(...fns: Array<() => Promise<unknown>>): void } {
  const fns: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const f of fns.reverse()) await f().catch(() => undefined);
  });
  return {
    track(n) {
      fns.push(() => n.stop());
      return n;
    },
    defer(...more) {
      fns.push(...more);
    },
  };
}
