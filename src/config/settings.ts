/**
 * What the command line and the configuration files can say, before it is
 * mapped onto the option objects of the layers. Flags and config files both
 * write here; anything left undefined keeps the layer's own default. Names
 * follow the Go servers' options; units are explicit in the names.
 */
import type { NkeyUserEntry, UserEntry } from '../nats/options.js';

/** Per-channel limits from a config file: undefined = inherit, -1 = unlimited (Go's convention). */
export interface ChannelLimitsSetting {
  maxSubscriptions?: number;
  maxMsgs?: number;
  maxBytes?: number;
  maxAgeMs?: number;
  maxInactivityMs?: number;
  /** natstream only: dead letters after this many deliveries (0 = never for this channel). */
  maxDeliver?: number;
}

export interface NatsSettings {
  host?: string;
  /** As given: 0 means the default port (4222), -1 a random one. */
  port?: number;
  serverName?: string;
  clientAdvertise?: string;
  user?: string;
  pass?: string;
  token?: string;
  authTimeoutSec?: number;
  users?: UserEntry[];
  nkeys?: NkeyUserEntry[];
  /** Operator mode: `operator`/`operators` (JWT text, inline or read from a file). */
  operatorJwts?: string[];
  /** `resolver`: only MEMORY is run; kept as given for the start-up check. */
  resolver?: string;
  /** `resolver_preload`: account public key -> account JWT. */
  resolverPreload?: Map<string, string>;
  tls?: { cert?: string; key?: string; ca?: string; verify?: boolean; timeoutSec?: number };
  maxPayload?: number;
  maxControlLine?: number;
  maxConnections?: number;
  maxSubscriptions?: number;
  maxPending?: number;
  pingIntervalMs?: number;
  pingMax?: number;
  writeDeadlineMs?: number;
  noHeaderSupport?: boolean;
  pidFile?: string;
  portsFileDir?: string;
  /** NATS routing: `--routes` (comma-separated URLs) or the `cluster { routes }` list. */
  routes?: string;
  /** `--cluster` or `cluster { listen }`: the route listen URL or host:port. */
  clusterListen?: string;
  clusterConfigured?: boolean;
  clusterHost?: string;
  clusterPort?: number;
  clusterName?: string;
  clusterAdvertise?: string;
  noAdvertise?: boolean;
  connectRetries?: number;
  clusterUser?: string;
  clusterPass?: string;
  clusterAuthTimeoutSec?: number;
  /** `cluster { tls {} }`: mutual TLS on routes (verify is always on, as in nats-server). */
  clusterTls?: { cert?: string; key?: string; ca?: string; verify?: boolean; timeoutSec?: number; insecure?: boolean };
}

export interface MonitorSettings {
  host?: string;
  port?: number;
  httpsPort?: number;
  basePath?: string;
  /** natstream only: the dashboard at /dashboard, and its publish form. */
  dashboard?: boolean;
  dashboardPublish?: boolean;
  dashboardClose?: boolean;
}

export interface LogSettings {
  debug?: boolean;
  trace?: boolean;
  traceVerbose?: boolean;
  logtime?: boolean;
  logtimeUTC?: boolean;
  logFile?: string;
  logSizeLimit?: number;
  syslog?: boolean;
  remoteSyslog?: string;
  maxTracedMsgLen?: number;
  stanDebug?: boolean;
  stanTrace?: boolean;
}

export interface ClusteringSettings {
  clustered?: boolean;
  nodeId?: string;
  bootstrap?: boolean;
  peers?: string[];
  logPath?: string;
  logCacheSize?: number;
  logSnapshots?: number;
  trailingLogs?: number;
  sync?: boolean;
  raftLogging?: boolean;
  proceedOnRestoreFailure?: boolean;
  allowAddRemoveNode?: boolean;
  raftHeartbeatTimeoutMs?: number;
  raftElectionTimeoutMs?: number;
  raftLeaseTimeoutMs?: number;
  raftCommitTimeoutMs?: number;
}

export interface StanSettings {
  clusterId?: string;
  discoverPrefix?: string;
  /** Upper-cased as given; validity is a start-up check. */
  storeType?: string;
  /** JETSTREAM store (natstream only): subject prefix, domain, replicas. */
  jsPrefix?: string;
  jsDomain?: string;
  jsReplicas?: number;
  dir?: string;
  maxChannels?: number;
  maxSubscriptions?: number;
  maxMsgs?: number;
  maxBytes?: number;
  maxAgeMs?: number;
  maxInactivityMs?: number;
  perChannel?: Record<string, ChannelLimitsSetting>;
  natsServerUrl?: string;
  hbIntervalMs?: number;
  hbTimeoutMs?: number;
  hbFailCount?: number;
  ftGroup?: string;
  partitioning?: boolean;
  secure?: boolean;
  tlsClientCert?: string;
  tlsClientKey?: string;
  tlsClientCa?: string;
  tlsServerName?: string;
  tlsSkipVerify?: boolean;
  credentials?: string;
  username?: string;
  password?: string;
  token?: string;
  nkeySeedFile?: string;
  encrypt?: boolean;
  encryptionCipher?: string;
  encryptionKey?: string;
  replaceDurable?: boolean;
  /** natstream only (dead letters). */
  maxDeliver?: number;
  deadLetterPrefix?: string;
  syslogName?: string;
  ioBatchSize?: number;
  ioSleepTimeUs?: number;
  clustering: ClusteringSettings;
}

export interface FileStoreSettings {
  compactEnabled?: boolean;
  compactFragmentation?: number;
  compactIntervalSec?: number;
  compactMinFileSize?: number;
  bufferSize?: number;
  doCRC?: boolean;
  crcPolynomial?: number;
  doSync?: boolean;
  sliceMaxMsgs?: number;
  sliceMaxBytes?: number;
  sliceMaxAgeMs?: number;
  sliceArchiveScript?: string;
  fileDescriptorsLimit?: number;
  parallelRecovery?: number;
  truncateBadEOF?: boolean;
  readBufferSize?: number;
  autoSyncMs?: number;
}

export interface SqlStoreSettings {
  driver?: string;
  source?: string;
  noCaching?: boolean;
  maxOpenConns?: number;
  bulkInsertLimit?: number;
  /** natstream extension: create the tables when missing. */
  createSchema?: boolean;
}

/** Command-line-only switches: what to do rather than how to run. */
export interface CliSettings {
  help?: boolean;
  helpTls?: boolean;
  version?: boolean;
  checkConfig?: boolean;
  natsConfigFile?: string;
  stanConfigFile?: string;
  signal?: string;
  clusterPeersRaw?: string;
  /** Debug/trace combos (`-SDV`, `-DV`, `-VV`, `-DVV`), resolved after all other flags. */
  sdv?: boolean;
  dv?: boolean;
  vv?: boolean;
  dvv?: boolean;
  /** TLS flags seen (Go re-derives the TLS setup from flags when any `-tls*` is given). */
  tlsFlagSeen?: boolean;
  tlsFlag?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsCaCert?: string;
  tlsVerify?: boolean;
}

export interface Settings {
  nats: NatsSettings;
  monitor: MonitorSettings;
  log: LogSettings;
  stan: StanSettings;
  file: FileStoreSettings;
  sql: SqlStoreSettings;
  cli: CliSettings;
}

export function emptySettings(): Settings {
  return { nats: {}, monitor: {}, log: {}, stan: { clustering: {} }, file: {}, sql: {}, cli: {} };
}
