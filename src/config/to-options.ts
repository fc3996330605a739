/**
 * Settings (what the flags and files said) mapped onto the option objects of
 * the layers: core NATS, streaming, stores, monitoring, logging. Only what was
 * given is set; each layer fills in its own defaults.
 */
import { parseRouteUrl, type ClusterOptions } from '../nats/cluster/options.js';
import type { CoreOptions, TlsOptions } from '../nats/options.js';
import type { FileStoreOptions } from '../stores/file/options.js';
import { DEFAULT_STORE_LIMITS } from '../stores/limits.js';
import type { SqlDriver, SqlStoreOptions } from '../stores/sql/options.js';
import type { ChannelLimits, StoreLimits } from '../stores/store.js';
import { DEFAULT_DEAD_LETTER_OPTIONS, type DeadLetterOptions } from '../streaming/dead-letter-options.js';
import type { StreamingOptions } from '../streaming/options.js';
import type {
  LogOptions, MonitorOptions, NatstreamOptions, StoreSelection, StreamingConnectionOptions, UnsupportedFeatures,
} from './options.js';
import type { ChannelLimitsSetting, Settings } from './settings.js';
import { dict } from '../util/dict.js';

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function toOptions(s: Settings, argv: readonly string[], files: NatstreamOptions['configFiles']): NatstreamOptions {
  const n = s.nats;
  let tls: TlsOptions | undefined;
  if (n.tls && n.tls.cert && n.tls.key) {
    tls = defined({ cert: n.tls.cert, key: n.tls.key, ca: n.tls.ca, verify: n.tls.verify,
      timeout: n.tls.timeoutSec });
  }
  const core: Partial<CoreOptions> = defined({
    host: n.host,
    // Go: 0 is the default port, -1 a random one.
    port: n.port === 0 ? undefined : n.port,
    serverName: n.serverName,
    user: n.user,
    pass: n.pass,
    authToken: n.token,
    users: n.users,
    nkeys: n.nkeys,
    operatorMode: n.operatorJwts && n.operatorJwts.length > 0
      ? { operatorJwts: n.operatorJwts, accountJwts: n.resolverPreload ?? new Map<string, string>() }
      : undefined,
    authTimeout: n.authTimeoutSec !== undefined ? n.authTimeoutSec * 1000 : undefined,
    maxPayload: n.maxPayload,
    maxControlLine: n.maxControlLine,
    maxConnections: n.maxConnections,
    maxSubscriptions: n.maxSubscriptions,
    maxPending: n.maxPending,
    pingInterval: n.pingIntervalMs,
    pingMaxOut: n.pingMax,
    writeDeadline: n.writeDeadlineMs,
    noHeaderSupport: n.noHeaderSupport,
    tls,
    cluster: clusterOptions(n),
  });
  const st = s.stan;
  const l = s.log;
  const streaming: Partial<StreamingOptions> = defined({
    clusterId: st.clusterId,
    discoverPrefix: st.discoverPrefix,
    hbInterval: st.hbIntervalMs,
    hbTimeout: st.hbTimeoutMs,
    hbFailCount: st.hbFailCount,
    limits: storeLimits(st),
    replaceDurable: st.replaceDurable,
    deadLetters: deadLetters(st),
    debug: l.stanDebug,
    trace: l.stanTrace,
    ioBatchSize: st.ioBatchSize,
    partitioning: st.partitioning,
  });
  const connection: StreamingConnectionOptions = defined({
    natsServerUrl: st.natsServerUrl || undefined,
    secure: st.secure,
    tlsClientCert: st.tlsClientCert,
    tlsClientKey: st.tlsClientKey,
    tlsClientCa: st.tlsClientCa,
    tlsServerName: st.tlsServerName,
    tlsSkipVerify: st.tlsSkipVerify,
    credentials: st.credentials,
    // Go: the NATS --user/--pass/--auth first, then the streaming config's own.
    user: n.user || st.username,
    pass: n.pass || st.password,
    token: n.token || st.token,
    nkeySeedFile: st.nkeySeedFile,
  });
  const f = s.file;
  const file: Partial<Omit<FileStoreOptions, 'dir'>> = defined({
    sync: f.doSync,
    autoSync: f.autoSyncMs,
    sliceMaxMsgs: f.sliceMaxMsgs,
    sliceMaxBytes: f.sliceMaxBytes,
    sliceMaxAge: f.sliceMaxAgeMs,
    sliceArchiveScript: f.sliceArchiveScript,
    compactEnabled: f.compactEnabled,
    compactFragmentation: f.compactFragmentation,
    compactInterval: f.compactIntervalSec,
    compactMinFileSize: f.compactMinFileSize,
    bufferSize: f.bufferSize,
    crc: f.doCRC,
    crcPoly: f.crcPolynomial,
    fdsLimit: f.fileDescriptorsLimit,
    parallelRecovery: f.parallelRecovery,
    truncateBadEof: f.truncateBadEOF,
    readBufferSize: f.readBufferSize,
  });
  const sql: Partial<SqlStoreOptions> = defined({
    driver: s.sql.driver as SqlDriver | undefined,
    source: s.sql.source,
    noCaching: s.sql.noCaching,
    maxOpenConns: s.sql.maxOpenConns,
    bulkInsertLimit: s.sql.bulkInsertLimit,
    createSchema: s.sql.createSchema,
  });
  // As the Go server: `--encrypt` or a key given by flag or config turns encryption on
  // (the environment variable alone does not; when on, it wins over the flag).
  const encryption = st.encrypt || st.encryptionKey ? { cipher: st.encryptionCipher ?? '', key: st.encryptionKey ?? '' } : undefined;
  const jetstream = defined({ prefix: st.jsPrefix, domain: st.jsDomain, replicas: st.jsReplicas });
  const store: StoreSelection = defined({ type: st.storeType, dir: st.dir, file, sql, encryption,
    jetstream: Object.keys(jetstream).length > 0 ? jetstream : undefined });
  const unsupported: UnsupportedFeatures = defined({
    clustering: st.clustering,
    partitioning: st.partitioning,
    encrypt: st.encrypt,
    encryptionCipher: st.encryptionCipher,
    encryptionKey: st.encryptionKey,
  });
  const log: LogOptions = defined({
    debug: l.debug ?? false,
    trace: l.trace ?? false,
    traceVerbose: l.traceVerbose ?? false,
    streamDebug: l.stanDebug ?? false,
    streamTrace: l.stanTrace ?? false,
    logtime: l.logtime ?? true,
    logtimeUTC: l.logtimeUTC ?? false,
    logFile: l.logFile || undefined,
    syslog: l.syslog ?? false,
    remoteSyslog: l.remoteSyslog || undefined,
  });
  const monitor: MonitorOptions = defined({
    host: s.monitor.host,
    port: s.monitor.port,
    httpsPort: s.monitor.httpsPort,
    basePath: s.monitor.basePath,
    dashboard: s.monitor.dashboard === undefined && s.monitor.dashboardPublish === undefined && s.monitor.dashboardClose === undefined
      ? undefined
      : defined({ enabled: s.monitor.dashboard, allowPublish: s.monitor.dashboardPublish, allowClose: s.monitor.dashboardClose }),
  });
  return defined({ core, streaming, store, connection, ftGroup: st.ftGroup || undefined, unsupported, monitor, log,
    pidFile: n.pidFile || undefined, portsFileDir: n.portsFileDir?.trim() || undefined, configFiles: defined({ ...files }), argv: [...argv] });
}

/** The global limits given (over the defaults), and the per-channel ones; undefined when none was given. */
function storeLimits(st: Settings['stan']): StoreLimits | undefined {
  const given: Partial<StoreLimits> = defined({
    maxChannels: st.maxChannels,
    maxSubscriptions: st.maxSubscriptions,
    maxMsgs: st.maxMsgs,
    maxBytes: st.maxBytes,
    maxAge: st.maxAgeMs,
    maxInactivity: st.maxInactivityMs,
  });
  if (Object.keys(given).length === 0 && !st.perChannel) return undefined;
  const limits: StoreLimits = { ...DEFAULT_STORE_LIMITS, ...given };
  if (st.perChannel) {
    limits.perChannel = dict();
    for (const [name, cl] of Object.entries(st.perChannel)) limits.perChannel[name] = perChannelLimits(cl);
  }
  return limits;
}

/** natstream's dead-letter options, when any was given. */
function deadLetters(st: Settings['stan']): DeadLetterOptions | undefined {
  const per: Record<string, number> = {};
  for (const [name, cl] of Object.entries(st.perChannel ?? {})) if (cl.maxDeliver !== undefined) per[name] = cl.maxDeliver;
  const hasPer = Object.keys(per).length > 0;
  if (st.maxDeliver === undefined && st.deadLetterPrefix === undefined && !hasPer) return undefined;
  return {
    maxDeliver: st.maxDeliver ?? DEFAULT_DEAD_LETTER_OPTIONS.maxDeliver,
    prefix: st.deadLetterPrefix ?? DEFAULT_DEAD_LETTER_OPTIONS.prefix,
    perChannel: hasPer ? per : undefined,
  };
}

function perChannelLimits(cl: ChannelLimitsSetting): Partial<ChannelLimits> {
  return defined({
    maxSubscriptions: cl.maxSubscriptions,
    maxMsgs: cl.maxMsgs,
    maxBytes: cl.maxBytes,
    maxAge: cl.maxAgeMs,
    maxInactivity: cl.maxInactivityMs,
  });
}

/** `--cluster` / `cluster {}` and `--routes` as the core's cluster options; undefined without a route listener. */
function clusterOptions(n: Settings['nats']): ClusterOptions | undefined {
  if (!n.clusterListen && !n.clusterConfigured) return undefined;
  let host = n.clusterHost ?? '0.0.0.0';
  let port = n.clusterPort ?? 6222;
  let user = n.clusterUser;
  let pass = n.clusterPass;
  const u = n.clusterListen ? parseRouteUrl(n.clusterListen) : null;
  if (u !== null) {
    host = u.host || host;
    port = u.port;
    user = u.user ?? user;
    pass = u.pass ?? pass;
  }
  return defined({
    host,
    port,
    name: n.clusterName || undefined,
    routes: (n.routes ?? '').split(',').map((r) => r.trim()).filter((r) => r !== ''),
    advertise: n.clusterAdvertise || undefined,
    clientAdvertise: n.clientAdvertise || undefined,
    noAdvertise: n.noAdvertise,
    connectRetries: n.connectRetries,
    user,
    pass,
    authTimeout: n.clusterAuthTimeoutSec,
    tls: n.clusterTls?.cert && n.clusterTls.key
      ? defined({ cert: n.clusterTls.cert, key: n.clusterTls.key, ca: n.clusterTls.ca, timeout: n.clusterTls.timeoutSec })
      : undefined,
  });
}
