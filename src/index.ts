/**
 * natstream's public API: start a NATS Streaming server (embedded core NATS
 * plus the streaming layer) inside a Node process, e.g. in a test suite.
 *
 * ```ts
 * import { startServer } from 'natstream';
 * const server = await startServer({ port: 0, clusterId: 'test-cluster' });
 * // connect node-nats-streaming to server.natsUrl ...
 * await server.close();
 * ```
 */
import { NatsServer, hostPort } from './nats/server.js';
import { removePortsFile } from './nats/ports-file.js';
import { connectableHost, monitorUrl, startMonitorFor, writeServerPorts, type Monitor } from './core-server.js';
import type { CoreOptions } from './nats/options.js';
import { createStore, type StoreFactoryOptions } from './stores/factory.js';
import type { Store } from './stores/store.js';
import { StreamingServer, logStreamingBanner, newStreamingServerId } from './streaming/server.js';
import { DEFAULT_STREAMING_OPTIONS } from './streaming/options.js';
import type { StreamingOptions } from './streaming/options.js';
import type { Transport } from './transport/transport.js';
import type { ExternalTransport } from './transport/external.js';
import { FtMember, type FtMemberOptions } from './streaming/ft-member.js';
import { silentLogger, type Logger } from './util/logger.js';

/** Which store keeps the streaming data, and its settings. */
export interface StoreSelection {
  /** MEMORY (default), FILE or SQL; case-insensitive. */
  type?: string;
  /** FILE: the root directory. */
  dir?: string;
  file?: StoreFactoryOptions['file'];
  sql?: StoreFactoryOptions['sql'];
  /** Encryption at rest of message data (`--encrypt`); see docs/encryption.md. */
  encryption?: StoreFactoryOptions['encryption'];
  /** JETSTREAM: `prefix`, `domain`, `replicas` (the servers are `-ns`, see docs/jetstream.md). */
  jetstream?: { prefix?: string; domain?: string; replicas?: number };
}

export interface MonitorSelection {
  host?: string;
  /** HTTP port (`-m`); 0 picks a free one. */
  port?: number;
  /** HTTPS port (`-ms`), with the core's TLS certificate. */
  httpsPort?: number;
  /** The dashboard at /dashboard (on by default) and its publish form (off by default). */
  dashboard?: { enabled?: boolean; allowPublish?: boolean; allowClose?: boolean };
}

/** The streaming layer's own connection to NATS. */
export interface ConnectionSelection {
  /** `-ns`: run on this external NATS server (comma-separated URLs) instead of the embedded one. */
  natsServerUrl?: string;
  user?: string;
  pass?: string;
  token?: string;
}

export interface StartOptions {
  /** Client port; 0 picks a free one. Default 4222. */
  port?: number;
  /** Listen address. Default 0.0.0.0. */
  host?: string;
  /** Streaming cluster ID (`-cid`). Default `test-cluster`. */
  clusterId?: string;
  /** Every option of the core NATS server (port/host above win). */
  core?: Partial<CoreOptions>;
  /** Streaming options; `false` runs core NATS only. */
  streaming?: Partial<StreamingOptions> | false;
  store?: StoreSelection;
  connection?: ConnectionSelection;
  /**
   * `--clustered` with the JETSTREAM store (and `-ns`): this instance is one of N,
   * exactly one active, elected by a JetStream KV lease (docs/jetstream.md §HA).
   */
  clustered?: { nodeId?: string; leaseTtlMs?: number };
  /**
   * `--ft_group`: a member of this fault-tolerance group (FILE or SQL store shared
   * with the other members, docs/ha.md): standby until it gets the store lock.
   */
  ftGroup?: string;
  /** FT heartbeat timings (the Go server's 1 s / 1.25 s by default) and what an abort does. */
  ft?: Omit<FtMemberOptions, 'group'>;
  /** Starts the monitoring HTTP server when given. */
  monitor?: MonitorSelection;
  /** `--ports_file_dir`: once listening, write `<exe>_<pid>.ports` (the nats and monitoring URLs) there. */
  portsFileDir?: string;
  /** Where log lines go; silent by default. */
  logger?: Logger;
  /** Where the streaming layer's lines go (default: `logger`). */
  streamingLogger?: Logger;
}

export interface RunningServer {
  /** `nats://host:port`, ready for a client's `url`/`servers` option. */
  readonly natsUrl: string;
  readonly port: number;
  /** The streaming cluster ID, or '' when streaming is off. */
  readonly clusterId: string;
  /** `http://host:port` of the monitoring server, when started. */
  readonly monitorUrl?: string;
  /** The embedded core NATS server; absent when running on an external one (`-ns`). */
  readonly core?: NatsServer;
  readonly streaming?: StreamingServer;
  /** The FT group membership with `ftGroup`. */
  readonly ft?: FtMember;
  /** `clustered`: the active/standby state of this instance. */
  readonly ha?: import('./ha/jetstream-active.js').ActiveStandby;
  close(): Promise<void>;
}

/** The Go streaming server's four NATS connections (general, send, acks, hb) take connection ids. */
const STREAMING_CONNECTION_IDS = 4;
/** How long a clustered start waits for its configured routes before the streaming layer starts. */
const ROUTES_SETTLE_MS = 1000;

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const external = options.connection?.natsServerUrl;
  if (external && options.streaming !== false && options.clustered) return startClustered(options, external);
  if (external && options.streaming !== false) return startOnExternalNats(options, external);
  const logger = options.logger ?? silentLogger;
  const streamingLogger = options.streamingLogger ?? logger;
  const core = new NatsServer(
    {
      ...options.core,
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
    },
    logger,
  );

  let streaming: StreamingServer | undefined;
  let store: Store | undefined;
  let ft: FtMember | undefined;
  if (options.streaming !== false) {
    // The in-process transport meets another server on the discover subject
    // only through routes: without a cluster the Go server's start-up check is skipped.
    const clustered = core.cluster !== null;
    const so: Partial<StreamingOptions> = { ...(clustered ? {} : { standaloneCheckTimeout: 0 }), ...(options.streaming ?? {}) };
    if (options.clusterId !== undefined) so.clusterId = options.clusterId;
    // The banner comes first, before anything that can fail, as in the Go server's log.
    const serverId = newStreamingServerId();
    logStreamingBanner(streamingLogger, so.clusterId ?? DEFAULT_STREAMING_OPTIONS.clusterId, serverId);
    store = await openStore(options, so, streamingLogger, (why) => ft?.lockLost(why, streamingLogger));
    const transport = core.createInternalTransport('_NSS');
    streaming = new StreamingServer({ transport, store, options: so, logger: streamingLogger, serverId, ftMember: !!options.ftGroup });
    if (options.ftGroup) ft = new FtMember(streaming, transport, store, streamingLogger, { ...options.ft, group: options.ftGroup });
  }

  let monitor: Monitor | undefined;
  const monitorHost = options.monitor?.host ?? core.host;
  try {
    await core.listen(async () => {
      monitor = await startMonitorFor(options.monitor, core, streaming, monitorHost, logger);
    });
    if (streaming) {
      core.reserveClientIds(STREAMING_CONNECTION_IDS);
      // Give the configured routes a moment, so that the check for another server with our cluster ID can see it.
      if (core.cluster) await core.cluster.whenRoutesUp(ROUTES_SETTLE_MS);
      if (ft) ft.start();
      else await streaming.start();
    }
  } catch (err) {
    await monitor?.close();
    await core.close();
    // The store must be closed on every failure path: a file store holds its directory lock.
    if (streaming) await streaming.shutdown().catch(() => undefined);
    await store?.close().catch(() => undefined);
    throw err;
  }

  const portsFile = options.portsFileDir ? writeServerPorts(options.portsFileDir, core, monitor, monitorHost) : undefined;
  let closing: Promise<void> | null = null;
  return {
    natsUrl: `nats://${hostPort(connectableHost(core.host), core.port)}`,
    port: core.port,
    clusterId: streaming?.options.clusterId ?? '',
    monitorUrl: monitorUrl(monitor, monitorHost),
    core,
    streaming,
    ft,
    close() {
      closing ??= (async () => {
        ft?.stop();
        // Streaming first: it flushes and closes the store while clients can still be told.
        if (streaming) await streaming.shutdown();
        await monitor?.close();
        await core.close();
        if (portsFile) removePortsFile(portsFile, logger);
      })();
      return closing;
    },
  };
}

function openStore(options: StartOptions, so: Partial<StreamingOptions>, logger: Logger, onLockLost: (why: string) => void): Promise<Store> {
  const s = options.store ?? {};
  const c = options.connection ?? {};
  if ((s.type ?? '').toUpperCase() === 'JETSTREAM' && !c.natsServerUrl) {
    return Promise.reject(new Error('the JETSTREAM store needs -ns naming the NATS server (cluster) that runs JetStream'));
  }
  const jetstream = {
    ...s.jetstream, servers: c.natsServerUrl ?? '', user: c.user, pass: c.pass, token: c.token,
    clusterId: so.clusterId ?? DEFAULT_STREAMING_OPTIONS.clusterId,
  };
  const ft = options.ftGroup ? { ftMode: true, onLockLost } : {};
  return createStore(s.type ?? 'MEMORY', { limits: so.limits, dir: s.dir, file: s.file, sql: s.sql, encryption: s.encryption, jetstream, ...ft }, logger);
}

/** `-ns`: no embedded core; the streaming layer is a client of an existing NATS server. */
async function startOnExternalNats(options: StartOptions, url: string): Promise<RunningServer> {
  const logger = options.streamingLogger ?? options.logger ?? silentLogger;
  const so: Partial<StreamingOptions> = { ...(options.streaming || {}) };
  if (options.clusterId !== undefined) so.clusterId = options.clusterId;
  // A member of an FT group waits for the lock, not for other servers' answers.
  if (options.ftGroup) so.standaloneCheckTimeout = 0;
  const c = options.connection ?? {};
  const serverId = newStreamingServerId();
  logStreamingBanner(logger, so.clusterId ?? DEFAULT_STREAMING_OPTIONS.clusterId, serverId);
  let ft: FtMember | undefined;
  const store = await openStore(options, so, logger, (why) => ft?.lockLost(why, logger));
  let transport: ExternalTransport;
  try {
    // Loaded on demand: the `nats` client is only needed with -ns.
    const { ExternalTransport } = await import('./transport/external.js');
    transport = await ExternalTransport.connect({ servers: url, user: c.user, pass: c.pass, token: c.token, name: `_NSS-${so.clusterId ?? 'test-cluster'}` });
  } catch (err) {
    await store.close();
    throw err;
  }
  const streaming = new StreamingServer({ transport, store, options: so, logger, serverId, ftMember: !!options.ftGroup });
  // As the Go server with -ns: the /streaming/* endpoints only (a standby shows its state there).
  const monitorHost = options.monitor?.host ?? '0.0.0.0';
  let monitor: Monitor | undefined;
  try {
    monitor = await startMonitorFor(options.monitor, undefined, streaming, monitorHost, options.logger ?? silentLogger);
    if (options.ftGroup) {
      ft = new FtMember(streaming, transport, store, logger, { ...options.ft, group: options.ftGroup });
      ft.start();
    } else {
      await streaming.start();
    }
  } catch (err) {
    await monitor?.close();
    await streaming.shutdown().catch(() => undefined);
    await transport.close();
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    natsUrl: url.split(',')[0].trim(),
    port: 0,
    clusterId: streaming.options.clusterId,
    monitorUrl: monitorUrl(monitor, monitorHost),
    streaming,
    ft,
    close() {
      ft?.stop();
      closing ??= streaming.shutdown().then(() => monitor?.close()).then(() => transport.close());
      return closing;
    },
  };
}

/** `--clustered` on the JETSTREAM store: active/standby (src/ha/jetstream-active.ts). */
async function startClustered(options: StartOptions, url: string): Promise<RunningServer> {
  if ((options.store?.type ?? '').toUpperCase() !== 'JETSTREAM') {
    throw new Error('natstream: --clustered needs the JETSTREAM store (-st JETSTREAM)');
  }
  const { startActiveStandby } = await import('./ha/jetstream-active.js');
  const so: Partial<StreamingOptions> = { ...(options.streaming || {}) };
  if (options.clusterId !== undefined) so.clusterId = options.clusterId;
  const c = options.connection ?? {};
  const logger = options.streamingLogger ?? options.logger ?? silentLogger;
  logStreamingBanner(logger, so.clusterId ?? DEFAULT_STREAMING_OPTIONS.clusterId, newStreamingServerId());
  const s = options.store ?? {};
  const ha = await startActiveStandby({
    url, user: c.user, pass: c.pass, token: c.token, streaming: so, logger,
    store: { limits: so.limits, jetstream: s.jetstream }, nodeId: options.clustered?.nodeId, leaseTtlMs: options.clustered?.leaseTtlMs,
  });
  return {
    natsUrl: url.split(',')[0].trim(),
    port: 0,
    clusterId: ha.clusterId,
    get streaming() { return ha.streaming; },
    ha,
    close: () => ha.close(),
  };
}

export type { Logger } from './util/logger.js';
export type { CoreOptions } from './nats/options.js';
export type { StreamingOptions } from './streaming/options.js';
export { NatsServer } from './nats/server.js';
export { StreamingServer } from './streaming/server.js';
