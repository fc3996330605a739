/**
 * `--clustered` with the JETSTREAM store: N natstream instances on the same
 * cluster ID, exactly one active (docs/jetstream.md §HA). Each instance loops:
 * standby while another holds the lease (lease.ts), active once it acquires it —
 * it then opens the store (recovering from JetStream), connects and starts the
 * streaming server; if the lease is lost it stops serving at once and goes back
 * to standby. A standby never answers a client: it has no streaming server.
 */

import { connect, type NatsConnection } from 'nats';

import { createStore, type StoreFactoryOptions } from '../stores/factory.js';
import { JsLease, DEFAULT_LEASE_TTL_MS } from '../stores/jetstream/lease.js';
import { defaultReplicas } from '../stores/jetstream/jetstream-store.js';
import type { Store } from '../stores/store.js';
import { DEFAULT_STREAMING_OPTIONS, type StreamingOptions } from '../streaming/options.js';
import { StreamingServer, newStreamingServerId } from '../streaming/server.js';
import { ExternalTransport } from '../transport/external.js';
import type { Logger } from '../util/logger.js';

export interface ActiveStandbyOptions {
  url: string;
  user?: string;
  pass?: string;
  token?: string;
  streaming: Partial<StreamingOptions>;
  /** The store's options; the JetStream servers, credentials and cluster ID are filled in here. */
  store: StoreFactoryOptions;
  nodeId?: string;
  leaseTtlMs?: number;
  logger: Logger;
}

export interface ActiveStandby {
  readonly clusterId: string;
  readonly nodeId: string;
  /** The streaming server while active. */
  readonly streaming: StreamingServer | undefined;
  isActive(): boolean;
  /** Resolves when this instance is (next) active. */
  whenActive(): Promise<void>;
  close(): Promise<void>;
}

interface Active {
  store: Store;
  transport: ExternalTransport;
  streaming: StreamingServer;
}

export async function startActiveStandby(o: ActiveStandbyOptions): Promise<ActiveStandby> {
  const clusterId = o.streaming.clusterId ?? DEFAULT_STREAMING_OPTIONS.clusterId;
  const nodeId = o.nodeId || newStreamingServerId();
  const log = o.logger;
  const servers = o.url.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const nc: NatsConnection = await connect({
    servers, user: o.user, pass: o.pass, token: o.token, name: `_NSS-${clusterId}-lease`,
    maxReconnectAttempts: -1, reconnectTimeWait: 250,
  });
  const js = o.store.jetstream as { replicas?: number; domain?: string } | undefined;
  const ttl = o.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  const lease = await JsLease.open(nc, clusterId, nodeId, ttl, js?.replicas ?? defaultReplicas(nc), js?.domain);

  let active: Active | undefined;
  let closed = false;
  let wake: (() => void) | undefined;
  let activeWaiters: Array<() => void> = [];
  let closing: (why: string) => void = () => undefined;
  const closedP = new Promise<string>((r) => { closing = r; });
  const pause = (ms: number) => new Promise<void>((r) => { const t = setTimeout(r, ms); wake = () => { clearTimeout(t); r(); }; });
  const fence = () => {
    if (!lease.holds()) throw new Error(`natstream node ${nodeId} is not the active server of ${clusterId} (lease lost)`);
  };

  /**
   * Attempt `attempt` (0, 1, ...) reads with timeouts of 1, 1, 2, 2, 3, 3, 4, 4,
   * then 5 s (JetStreamStoreOptions.readTimeoutMs): right after a nats-server dies,
   * requests sent while its streams elect leaders go unanswered, and later ones
   * are answered at once, so short timeouts and quick retries win; the slow growth
   * keeps a loaded cluster, whose answers take longer, from failing every attempt.
   */
  async function activate(attempt: number): Promise<Active> {
    const serverId = newStreamingServerId();
    const readTimeoutMs = Math.min(5000, 1000 * (1 + Math.floor(attempt / 2)));
    const store = await createStore('JETSTREAM', {
      ...o.store,
      jetstream: { ...o.store.jetstream, servers: o.url, user: o.user, pass: o.pass, token: o.token, clusterId, fence, readTimeoutMs },
    }, log);
    let transport: ExternalTransport | undefined;
    try {
      transport = await ExternalTransport.connect({ servers: o.url, user: o.user, pass: o.pass, token: o.token, name: `_NSS-${clusterId}` });
      const streaming = new StreamingServer({ transport, store, options: o.streaming, logger: log, serverId });
      try {
        await streaming.start();
      } catch (err) {
        await streaming.shutdown().catch(() => undefined);
        throw err;
      }
      return { store, transport, streaming };
    } catch (err) {
      await store.close().catch(() => undefined);
      await transport?.close();
      throw err;
    }
  }

  async function deactivate(): Promise<void> {
    const a = active;
    active = undefined;
    if (a === undefined) return;
    await a.streaming.shutdown().catch(() => undefined);
    await a.store.close().catch(() => undefined);
    await a.transport.close().catch(() => undefined);
  }

  async function loop(): Promise<void> {
    let reported = '';
    while (!closed) {
      if (!(await lease.tryAcquire().catch(() => false))) {
        const holder = (await lease.holder().catch(() => undefined)) ?? '';
        if (holder !== reported) {
          reported = holder;
          log.notice(`STREAM: Standby: node ${holder || '?'} is the active server of ${clusterId}`);
        }
        await pause(Math.floor(ttl / 4));
        continue;
      }
      reported = '';
      let lost: (why: string) => void = () => undefined;
      const lostP = new Promise<string>((r) => { lost = r; });
      lease.keep((why) => lost(why));
      log.notice(`STREAM: Node ${nodeId} acquired the lease of ${clusterId}: becoming active`);
      // JetStream may be electing stream leaders (a server just died): try again while the lease is ours
      for (let attempt = 0; !closed && lease.holds(); attempt++) {
        try {
          active = await activate(attempt);
          fence();
          break;
        } catch (err) {
          log.error(`STREAM: Node ${nodeId} could not become active yet: ${(err as Error).message}`);
          await deactivate();
          await pause(250);
        }
      }
      if (active === undefined) {
        await lease.release();
        continue;
      }
      for (const w of activeWaiters) w();
      activeWaiters = [];
      const why = await Promise.race([lostP, closedP]);
      if (why !== 'closing') log.fatal(`STREAM: Node ${nodeId} is no longer the active server: ${why}; back to standby`);
      await deactivate();
    }
  }
  const running = loop().catch((err: Error) => log.error(`STREAM: active/standby loop stopped: ${err.message}`));

  return {
    clusterId,
    nodeId,
    get streaming() { return active?.streaming; },
    isActive: () => active !== undefined,
    whenActive: () => (active !== undefined ? Promise.resolve() : new Promise<void>((r) => activeWaiters.push(r))),
    async close() {
      if (closed) return;
      closed = true;
      wake?.();
      closing('closing');
      await running;
      await deactivate();
      await lease.release();
      await nc.close();
    },
  };
}
