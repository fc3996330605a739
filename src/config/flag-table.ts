/**
 * Every flag of the Go `nats-streaming-server` (streaming flags and the flags
 * of the embedded NATS server), in one table. It is the single source of the
 * parser (names, value kinds), of `--help` (sections, left column and help
 * text exactly as the Go server prints them, in this order) and of
 * docs/flags.md (`npm run gen:flags`).
 */
import { parseSizeFlag } from './size.js';
import type { Settings } from './settings.js';

export type FlagKind = 'bool' | 'string' | 'int' | 'int64' | 'duration' | 'size';

/** Parsed value handed to `apply`: durations in milliseconds, sizes as typed (resolved by `apply`). */
export type FlagValueOf<K extends FlagKind> =
  K extends 'bool' ? boolean : K extends 'int' | 'int64' ? number : K extends 'duration' ? number : string;

export type SectionId =
  | 'streaming' | 'clustering' | 'file' | 'sql' | 'stanTls' | 'stanLog'
  | 'nats' | 'log' | 'auth' | 'tls' | 'natsCluster' | 'common';

export interface UsageSection {
  id: SectionId;
  title: string;
  /** Column where the help text starts (0-based), as in the Go usage text. */
  column: number;
  /** A line printed after the section's flags. */
  trailer?: string;
}

export const usageSections: readonly UsageSection[] = [
  { id: 'streaming', title: 'Streaming Server Options:', column: 41 },
  { id: 'clustering', title: 'Streaming Server Clustering Options:', column: 43 },
  { id: 'file', title: 'Streaming Server File Store Options:', column: 41 },
  { id: 'sql', title: 'Streaming Server SQL Store Options:', column: 37 },
  { id: 'stanTls', title: 'Streaming Server TLS Options:', column: 37 },
  { id: 'stanLog', title: 'Streaming Server Logging Options:', column: 37,
    trailer: '    (See additional NATS logging options below)' },
  { id: 'nats', title: 'Embedded NATS Server Options:', column: 37 },
  { id: 'log', title: 'Logging Options:', column: 37 },
  { id: 'auth', title: 'Authorization Options:', column: 37 },
  { id: 'tls', title: 'TLS Options:', column: 37 },
  { id: 'natsCluster', title: 'NATS Clustering Options:', column: 37 },
  { id: 'common', title: 'Common Options:', column: 37 },
];

/**
 * What natstream does with a flag: `yes` implemented; `ignored` accepted and
 * without effect (as for a Go feature natstream has no use for); `unsupported`
 * accepted by the parser, refused at start-up.
 */
export type Support = 'yes' | 'ignored' | 'unsupported';

export interface FlagSpec<K extends FlagKind = FlagKind> {
  /** Names without dashes; `-x` and `--x` are the same flag. The first is the short form. */
  names: readonly string[];
  kind: K;
  /** The effective default, as the Go server documents it ('' = none). */
  default: string;
  /** How the Go server's `--help` lists it; flags without `usage` are accepted but not listed. */
  usage?: { section: SectionId; left: string; help: readonly string[] };
  /** One line for docs/flags.md when the flag is not in `--help`. */
  doc?: string;
  support: Support;
  /** natstream note for docs/flags.md. */
  note?: string;
  /**
   * Applied after every other flag, in name order: Go resolves these in a
   * `fs.Visit` pass after parsing (debug/trace combos, sizes, TLS).
   */
  late?: boolean;
  /** Stores the value; returns an error text (printed alone, exit status 1) for a bad size. */
  apply(s: Settings, v: FlagValueOf<K>, name: string): string | void;
}

function flag<K extends FlagKind>(spec: FlagSpec<K>): FlagSpec {
  return spec as unknown as FlagSpec;
}

function size(set: (s: Settings, bytes: number) => void) {
  return (s: Settings, raw: string, name: string): string | void => {
    const r = parseSizeFlag(name, raw);
    if (!r.ok) return r.error;
    set(s, r.value);
  };
}

const u = (section: SectionId, left: string, ...help: string[]) => ({ section, left, help });

export const flagTable: readonly FlagSpec[] = [
  // ---- Streaming Server Options ----
  flag({ names: ['cid', 'cluster_id'], kind: 'string', default: 'test-cluster', support: 'yes',
    usage: u('streaming', '    -cid, --cluster_id  <string>', 'Cluster ID (default: test-cluster)'),
    apply: (s, v) => { s.stan.clusterId = v; } }),
  flag({ names: ['st', 'store'], kind: 'string', default: 'MEMORY', support: 'yes',
    usage: u('streaming', '    -st,  --store <string>', 'Store type: MEMORY|FILE|SQL (default: MEMORY)'),
    apply: (s, v) => { s.stan.storeType = v.toUpperCase(); } }),
  flag({ names: ['dir'], kind: 'string', default: '', support: 'yes',
    usage: u('streaming', '          --dir <string>', 'For FILE store type, this is the root directory'),
    apply: (s, v) => { s.stan.dir = v; } }),
  flag({ names: ['mc', 'max_channels'], kind: 'int', default: '100', support: 'yes',
    usage: u('streaming', '    -mc,  --max_channels <int>', 'Max number of channels (0 for unlimited)'),
    apply: (s, v) => { s.stan.maxChannels = v; } }),
  flag({ names: ['msu', 'max_subs'], kind: 'int', default: '1000', support: 'yes',
    usage: u('streaming', '    -msu, --max_subs <int>', 'Max number of subscriptions per channel (0 for unlimited)'),
    apply: (s, v) => { s.stan.maxSubscriptions = v; } }),
  flag({ names: ['mm', 'max_msgs'], kind: 'int', default: '1000000', support: 'yes',
    usage: u('streaming', '    -mm,  --max_msgs <int>', 'Max number of messages per channel (0 for unlimited)'),
    apply: (s, v) => { s.stan.maxMsgs = v; } }),
  flag({ names: ['mb', 'max_bytes'], kind: 'size', default: '1024000000', support: 'yes', late: true,
    usage: u('streaming', '    -mb,  --max_bytes <size>', 'Max messages total size per channel (0 for unlimited)'),
    apply: size((s, b) => { s.stan.maxBytes = b; }) }),
  flag({ names: ['ma', 'max_age'], kind: 'duration', default: '0', support: 'yes',
    usage: u('streaming', '    -ma,  --max_age <duration>', 'Max duration a message can be stored ("0s" for unlimited)'),
    apply: (s, v) => { s.stan.maxAgeMs = v; } }),
  flag({ names: ['mi', 'max_inactivity'], kind: 'duration', default: '0', support: 'yes',
    usage: u('streaming', '    -mi,  --max_inactivity <duration>',
      'Max inactivity (no new message, no subscription) after which a channel can be garbage collected (0 for unlimited)'),
    apply: (s, v) => { s.stan.maxInactivityMs = v; } }),
  flag({ names: ['ns', 'nats_server'], kind: 'string', default: '', support: 'yes',
    usage: u('streaming', '    -ns,  --nats_server <string>', 'Connect to this external NATS Server URL (embedded otherwise)'),
    apply: (s, v) => { s.stan.natsServerUrl = v; } }),
  flag({ names: ['sc', 'stan_config'], kind: 'string', default: '', support: 'yes',
    usage: u('streaming', '    -sc,  --stan_config <string>', 'Streaming server configuration file'),
    apply: (s, v) => { s.cli.stanConfigFile = v; } }),
  flag({ names: ['hbi', 'hb_interval'], kind: 'duration', default: '30s', support: 'yes',
    usage: u('streaming', '    -hbi, --hb_interval <duration>', 'Interval at which server sends heartbeat to a client'),
    apply: (s, v) => { s.stan.hbIntervalMs = v; } }),
  flag({ names: ['hbt', 'hb_timeout'], kind: 'duration', default: '10s', support: 'yes',
    usage: u('streaming', '    -hbt, --hb_timeout <duration>', 'How long server waits for a heartbeat response'),
    apply: (s, v) => { s.stan.hbTimeoutMs = v; } }),
  flag({ names: ['hbf', 'hb_fail_count'], kind: 'int', default: '10', support: 'yes',
    usage: u('streaming', '    -hbf, --hb_fail_count <int>',
      'Number of failed heartbeats before server closes the client connection'),
    apply: (s, v) => { s.stan.hbFailCount = v; } }),
  flag({ names: ['ft_group'], kind: 'string', default: '', support: 'yes',
    usage: u('streaming', '          --ft_group <string>',
      'Name of the FT Group. A group can be 2 or more servers with a single active server and all sharing the same datastore'),
    apply: (s, v) => { s.stan.ftGroup = v; } }),
  flag({ names: ['sl', 'signal'], kind: 'string', default: '', support: 'yes',
    note: 'needs `<signal>=<pid or pid file>`',
    usage: u('streaming', '    -sl,  --signal <signal>[=<pid>]',
      'Send signal to nats-streaming-server process (stop, quit, reopen, reload - only for embedded NATS Server)'),
    apply: (s, v) => { s.cli.signal = v; } }),
  flag({ names: ['encrypt'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('streaming', '          --encrypt <bool>', 'Specify if server should use encryption at rest'),
    apply: (s, v) => { s.stan.encrypt = v; } }),
  flag({ names: ['encryption_cipher'], kind: 'string', default: '', support: 'yes',
    usage: u('streaming', '          --encryption_cipher <string>',
      'Cipher to use for encryption. Currently support AES and CHAHA (ChaChaPoly). Defaults to AES'),
    apply: (s, v) => { s.stan.encryptionCipher = v; } }),
  flag({ names: ['encryption_key'], kind: 'string', default: '', support: 'yes',
    usage: u('streaming', '          --encryption_key <string>',
      'Encryption Key. It is recommended to specify it through the NATS_STREAMING_ENCRYPTION_KEY environment variable instead'),
    apply: (s, v) => { s.stan.encryptionKey = v; } }),
  flag({ names: ['replace_durable'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('streaming', '          --replace_durable <bool>',
      'Replace the existing durable subscription instead of reporting a duplicate durable error'),
    apply: (s, v) => { s.stan.replaceDurable = v; } }),
  flag({ names: ['max_deliver'], kind: 'int', default: '0', support: 'yes', note: 'natstream only (docs/dead-letters.md)',
    doc: 'Deliveries without an ack after which a message becomes a dead letter (0 for unlimited)',
    apply: (s, v) => { s.stan.maxDeliver = v; } }),
  flag({ names: ['dead_letter_prefix'], kind: 'string', default: 'DLQ', support: 'yes', note: 'natstream only (docs/dead-letters.md)',
    doc: 'Dead letters of channel foo go to channel <prefix>.foo (empty: they are dropped)',
    apply: (s, v) => { s.stan.deadLetterPrefix = v; } }),

  // ---- Streaming Server Clustering Options (Raft: not in natstream) ----
  flag({ names: ['clustered'], kind: 'bool', default: 'false', support: 'yes',
    note: 'with -st JETSTREAM only: one active natstream elected by a JetStream KV lease (docs/jetstream.md); Raft clustering is not implemented',
    usage: u('clustering', '    --clustered <bool>', 'Run the server in a clustered configuration (default: false)'),
    apply: (s, v) => { s.stan.clustering.clustered = v; } }),
  flag({ names: ['cluster_node_id'], kind: 'string', default: '', support: 'yes', note: 'with -st JETSTREAM: names the lease holder',
    usage: u('clustering', '    --cluster_node_id <string>',
      'ID of the node within the cluster if there is no stored ID (default: random UUID)'),
    apply: (s, v) => { s.stan.clustering.nodeId = v; } }),
  flag({ names: ['cluster_bootstrap'], kind: 'bool', default: 'false', support: 'unsupported',
    usage: u('clustering', '    --cluster_bootstrap <bool>',
      'Bootstrap the cluster if there is no existing state by electing self as leader (default: false)'),
    apply: (s, v) => { s.stan.clustering.bootstrap = v; } }),
  flag({ names: ['cluster_peers'], kind: 'string', default: '', support: 'yes', note: 'with -st JETSTREAM: accepted, not needed (the lease elects)',
    usage: u('clustering', '    --cluster_peers <string, ...>',
      'Comma separated list of cluster peer node IDs to bootstrap cluster state'),
    apply: (s, v) => { s.cli.clusterPeersRaw = v; } }),
  flag({ names: ['cluster_log_path'], kind: 'string', default: '', support: 'unsupported',
    usage: u('clustering', '    --cluster_log_path <string>', 'Directory to store log replication data'),
    apply: (s, v) => { s.stan.clustering.logPath = v; } }),
  flag({ names: ['cluster_log_cache_size'], kind: 'int', default: '512', support: 'unsupported',
    usage: u('clustering', '    --cluster_log_cache_size <int>',
      'Number of log entries to cache in memory to reduce disk IO (default: 512)'),
    apply: (s, v) => { s.stan.clustering.logCacheSize = v; } }),
  flag({ names: ['cluster_log_snapshots'], kind: 'int', default: '2', support: 'unsupported',
    usage: u('clustering', '    --cluster_log_snapshots <int>', 'Number of log snapshots to retain (default: 2)'),
    apply: (s, v) => { s.stan.clustering.logSnapshots = v; } }),
  flag({ names: ['cluster_trailing_logs'], kind: 'int64', default: '10240', support: 'unsupported',
    usage: u('clustering', '    --cluster_trailing_logs <int>',
      'Number of log entries to leave after a snapshot and compaction'),
    apply: (s, v) => { s.stan.clustering.trailingLogs = v; } }),
  flag({ names: ['cluster_sync'], kind: 'bool', default: 'false', support: 'unsupported',
    usage: u('clustering', '    --cluster_sync <bool>',
      'Do a file sync after every write to the replication log and message store'),
    apply: (s, v) => { s.stan.clustering.sync = v; } }),
  flag({ names: ['cluster_raft_logging'], kind: 'bool', default: 'false', support: 'unsupported',
    usage: u('clustering', '    --cluster_raft_logging <bool>',
      'Enable logging from the Raft library (disabled by default)'),
    apply: (s, v) => { s.stan.clustering.raftLogging = v; } }),
  flag({ names: ['cluster_allow_add_remove_node'], kind: 'bool', default: 'false', support: 'unsupported',
    usage: u('clustering', '    --cluster_allow_add_remove_node <bool>',
      'Enable the ability to send NATS requests to the leader to add/remove cluster nodes'),
    apply: (s, v) => { s.stan.clustering.allowAddRemoveNode = v; } }),
  flag({ names: ['cluster_proceed_on_restore_failure'], kind: 'bool', default: 'false', support: 'unsupported',
    doc: 'Proceed with start-up when a Raft snapshot restore fails',
    apply: (s, v) => { s.stan.clustering.proceedOnRestoreFailure = v; } }),

  // ---- Streaming Server File Store Options ----
  flag({ names: ['file_compact_enabled'], kind: 'bool', default: 'true', support: 'yes',
    usage: u('file', '    --file_compact_enabled <bool>', 'Enable file compaction'),
    apply: (s, v) => { s.file.compactEnabled = v; } }),
  flag({ names: ['file_compact_frag'], kind: 'int', default: '50', support: 'yes',
    usage: u('file', '    --file_compact_frag <int>', 'File fragmentation threshold for compaction'),
    apply: (s, v) => { s.file.compactFragmentation = v; } }),
  flag({ names: ['file_compact_interval'], kind: 'int', default: '300', support: 'yes',
    usage: u('file', '    --file_compact_interval <int>', 'Minimum interval (in seconds) between file compactions'),
    apply: (s, v) => { s.file.compactIntervalSec = v; } }),
  flag({ names: ['file_compact_min_size'], kind: 'size', default: '1048576', support: 'yes', late: true,
    usage: u('file', '    --file_compact_min_size <size>', 'Minimum file size for compaction'),
    apply: size((s, b) => { s.file.compactMinFileSize = b; }) }),
  flag({ names: ['file_buffer_size'], kind: 'size', default: '2097152', support: 'yes', late: true,
    usage: u('file', '    --file_buffer_size <size>', 'File buffer size (in bytes)'),
    apply: size((s, b) => { s.file.bufferSize = b; }) }),
  flag({ names: ['file_crc'], kind: 'bool', default: 'true', support: 'yes',
    usage: u('file', '    --file_crc <bool>', 'Enable file CRC-32 checksum'),
    apply: (s, v) => { s.file.doCRC = v; } }),
  flag({ names: ['file_crc_poly'], kind: 'int64', default: '3988292384', support: 'yes',
    usage: u('file', '    --file_crc_poly <int>', 'Polynomial used to make the table used for CRC-32 checksum'),
    apply: (s, v) => { s.file.crcPolynomial = v; } }),
  flag({ names: ['file_sync'], kind: 'bool', default: 'true', support: 'yes',
    usage: u('file', '    --file_sync <bool>', 'Enable File.Sync on Flush'),
    apply: (s, v) => { s.file.doSync = v; } }),
  flag({ names: ['file_slice_max_msgs'], kind: 'int', default: '0', support: 'yes',
    usage: u('file', '    --file_slice_max_msgs <int>',
      'Maximum number of messages per file slice (subject to channel limits)'),
    apply: (s, v) => { s.file.sliceMaxMsgs = v; } }),
  flag({ names: ['file_slice_max_bytes'], kind: 'size', default: '67108864', support: 'yes', late: true,
    usage: u('file', '    --file_slice_max_bytes <size>',
      'Maximum file slice size - including index file (subject to channel limits)'),
    apply: size((s, b) => { s.file.sliceMaxBytes = b; }) }),
  flag({ names: ['file_slice_max_age'], kind: 'duration', default: '0', support: 'yes',
    usage: u('file', '    --file_slice_max_age <duration>',
      'Maximum file slice duration starting when the first message is stored (subject to channel limits)'),
    apply: (s, v) => { s.file.sliceMaxAgeMs = v; } }),
  flag({ names: ['file_slice_archive_script'], kind: 'string', default: '', support: 'yes',
    usage: u('file', '    --file_slice_archive_script <string>',
      'Path to script to use if you want to archive a file slice being removed'),
    apply: (s, v) => { s.file.sliceArchiveScript = v; } }),
  flag({ names: ['file_fds_limit'], kind: 'int64', default: '0', support: 'yes',
    usage: u('file', '    --file_fds_limit <int>',
      'Store will try to use no more file descriptors than this given limit'),
    apply: (s, v) => { s.file.fileDescriptorsLimit = v; } }),
  flag({ names: ['file_parallel_recovery'], kind: 'int', default: '1', support: 'yes',
    usage: u('file', '    --file_parallel_recovery <int>',
      'On startup, number of channels that can be recovered in parallel'),
    apply: (s, v) => { s.file.parallelRecovery = v; } }),
  flag({ names: ['file_truncate_bad_eof'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('file', '    --file_truncate_bad_eof <bool>',
      'Truncate files for which there is an unexpected EOF on recovery, dataloss may occur'),
    apply: (s, v) => { s.file.truncateBadEOF = v; } }),
  flag({ names: ['file_read_buffer_size'], kind: 'size', default: '2097152', support: 'yes', late: true,
    usage: u('file', '    --file_read_buffer_size <size>', 'Size of messages read ahead buffer (0 to disable)'),
    apply: size((s, b) => { s.file.readBufferSize = b; }) }),
  flag({ names: ['file_auto_sync'], kind: 'duration', default: '1m', support: 'yes',
    usage: u('file', '    --file_auto_sync <duration>',
      'Interval at which the store should be automatically flushed and sync\'ed on disk (<= 0 to disable)'),
    apply: (s, v) => { s.file.autoSyncMs = v; } }),

  // ---- Streaming Server SQL Store Options ----
  flag({ names: ['sql_driver'], kind: 'string', default: '', support: 'yes',
    usage: u('sql', '    --sql_driver <string>', 'Name of the SQL Driver ("mysql" or "postgres")'),
    apply: (s, v) => { s.sql.driver = v; } }),
  flag({ names: ['sql_source'], kind: 'string', default: '', support: 'yes',
    usage: u('sql', '    --sql_source <string>', 'Datasource used when opening an SQL connection to the database'),
    apply: (s, v) => { s.sql.source = v; } }),
  flag({ names: ['sql_no_caching'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('sql', '    --sql_no_caching <bool>', 'Enable/Disable caching for improved performance'),
    apply: (s, v) => { s.sql.noCaching = v; } }),
  flag({ names: ['sql_max_open_conns'], kind: 'int', default: '0', support: 'yes',
    usage: u('sql', '    --sql_max_open_conns <int>', 'Maximum number of opened connections to the database'),
    apply: (s, v) => { s.sql.maxOpenConns = v; } }),
  flag({ names: ['sql_bulk_insert_limit'], kind: 'int', default: '0', support: 'yes',
    usage: u('sql', '    --sql_bulk_insert_limit <int>',
      'Maximum number of messages stored with a single SQL "INSERT" statement'),
    apply: (s, v) => { s.sql.bulkInsertLimit = v; } }),
  flag({ names: ['sql_create_schema'], kind: 'bool', default: 'false', support: 'yes',
    note: 'natstream only (the Go server expects the tables to exist)',
    doc: 'Create the SQL tables when they are missing',
    apply: (s, v) => { s.sql.createSchema = v; } }),

  // ---- Streaming Server TLS Options (the streaming server's own NATS connections) ----
  flag({ names: ['secure'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('stanTls', '    -secure <bool>', 'Use a TLS connection to the NATS server without',
      'verification; weaker than specifying certificates.'),
    apply: (s, v) => { s.stan.secure = v; } }),
  flag({ names: ['tls_client_key'], kind: 'string', default: '', support: 'yes',
    usage: u('stanTls', '    -tls_client_key <string>', 'Client key for the streaming server'),
    apply: (s, v) => { s.stan.tlsClientKey = v; } }),
  flag({ names: ['tls_client_cert'], kind: 'string', default: '', support: 'yes',
    usage: u('stanTls', '    -tls_client_cert <string>', 'Client certificate for the streaming server'),
    apply: (s, v) => { s.stan.tlsClientCert = v; } }),
  flag({ names: ['tls_client_cacert'], kind: 'string', default: '', support: 'yes',
    usage: u('stanTls', '    -tls_client_cacert <string>', 'Client certificate CA for the streaming server'),
    apply: (s, v) => { s.stan.tlsClientCa = v; } }),

  // ---- Streaming Server Logging Options ----
  flag({ names: ['SD', 'stan_debug'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('stanLog', '    -SD, --stan_debug=<bool>', 'Enable STAN debugging output'),
    apply: (s, v) => { s.log.stanDebug = v; } }),
  flag({ names: ['SV', 'stan_trace'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('stanLog', '    -SV, --stan_trace=<bool>', 'Trace the raw STAN protocol'),
    apply: (s, v) => { s.log.stanTrace = v; } }),
  flag({ names: ['SDV'], kind: 'bool', default: 'false', support: 'yes', late: true,
    usage: u('stanLog', '    -SDV', 'Debug and trace STAN'),
    apply: (s, v) => { s.log.stanDebug = v; s.log.stanTrace = v; } }),
  flag({ names: ['syslog_name'], kind: 'string', default: '', support: 'ignored', note: 'Windows only',
    usage: u('stanLog', '         --syslog_name',
      'On Windows, when running several servers as a service, use this name for the event source'),
    apply: (s, v) => { s.stan.syslogName = v; } }),
  flag({ names: ['io_batch_size'], kind: 'int', default: '1024', support: 'yes',
    doc: 'Maximum number of messages per I/O batch',
    apply: (s, v) => { s.stan.ioBatchSize = v; } }),
  flag({ names: ['io_sleep_time'], kind: 'int64', default: '0', support: 'ignored',
    doc: 'Microseconds to wait for more messages before processing an I/O batch',
    apply: (s, v) => { s.stan.ioSleepTimeUs = v; } }),

  // ---- Embedded NATS Server Options ----
  flag({ names: ['a', 'addr', 'net'], kind: 'string', default: '0.0.0.0', support: 'yes',
    usage: u('nats', '    -a, --addr <string>', 'Bind to host address (default: 0.0.0.0)'),
    apply: (s, v) => { s.nats.host = v; } }),
  flag({ names: ['p', 'port'], kind: 'int', default: '4222', support: 'yes', note: '`-1` picks a free port',
    usage: u('nats', '    -p, --port <int>', 'Use port for clients (default: 4222)'),
    apply: (s, v) => { s.nats.port = v; } }),
  flag({ names: ['P', 'pid'], kind: 'string', default: '', support: 'yes',
    usage: u('nats', '    -P, --pid <string>', 'File to store PID'),
    apply: (s, v) => { s.nats.pidFile = v; } }),
  flag({ names: ['m', 'http_port'], kind: 'int', default: '0', support: 'yes', note: '`-1` picks a free port',
    usage: u('nats', '    -m, --http_port <int>', 'Use port for http monitoring'),
    apply: (s, v) => { s.monitor.port = v; } }),
  flag({ names: ['ms', 'https_port'], kind: 'int', default: '0', support: 'yes',
    usage: u('nats', '    -ms,--https_port <int>', 'Use port for https monitoring'),
    apply: (s, v) => { s.monitor.httpsPort = v; } }),
  flag({ names: ['js_prefix'], kind: 'string', default: 'stan.<cluster ID>', support: 'yes', note: 'natstream only',
    doc: 'JETSTREAM store: subject prefix of the channels (channel C is on <prefix>.C)',
    apply: (s, v) => { s.stan.jsPrefix = v; } }),
  flag({ names: ['js_domain'], kind: 'string', default: '', support: 'yes', note: 'natstream only',
    doc: 'JETSTREAM store: JetStream domain',
    apply: (s, v) => { s.stan.jsDomain = v; } }),
  flag({ names: ['js_replicas'], kind: 'int', default: '3 on a 3+ node cluster, else 1', support: 'yes', note: 'natstream only',
    doc: 'JETSTREAM store: replicas of the streams and the KV bucket',
    apply: (s, v) => { s.stan.jsReplicas = v; } }),
  flag({ names: ['dashboard'], kind: 'bool', default: 'true', support: 'yes', note: 'natstream only',
    doc: 'Serve the dashboard at /dashboard of the monitoring port',
    apply: (s, v) => { s.monitor.dashboard = v; } }),
  flag({ names: ['dashboard_publish'], kind: 'bool', default: 'false', support: 'yes', note: 'natstream only',
    doc: "Enable the dashboard's publish form (with auth on, it asks for a user's credentials)",
    apply: (s, v) => { s.monitor.dashboardPublish = v; } }),
  flag({ names: ['dashboard_close'], kind: 'bool', default: 'false', support: 'yes', note: 'natstream only',
    doc: "Enable closing a client from the dashboard's client view (with auth on, it asks for a user's credentials)",
    apply: (s, v) => { s.monitor.dashboardClose = v; } }),
  flag({ names: ['c', 'config'], kind: 'string', default: '', support: 'yes',
    usage: u('nats', '    -c, --config <string>', 'Configuration file'),
    apply: (s, v) => { s.cli.natsConfigFile = v; } }),
  flag({ names: ['n', 'name', 'server_name'], kind: 'string', default: '', support: 'yes',
    doc: 'Server name (default: the server ID)',
    apply: (s, v) => { s.nats.serverName = v; } }),
  flag({ names: ['client_advertise'], kind: 'string', default: '', support: 'yes',
    doc: 'Client URL to advertise to other servers', note: 'the client URL routes announce (connect_urls)',
    apply: (s, v) => { s.nats.clientAdvertise = v; } }),
  flag({ names: ['t'], kind: 'bool', default: 'false', support: 'yes',
    doc: 'Check the configuration file and exit',
    apply: (s, v) => { s.cli.checkConfig = v; } }),
  flag({ names: ['ports_file_dir'], kind: 'string', default: '', support: 'yes',
    doc: 'Directory for a ports file (`<executable>_<pid>.ports`)',
    apply: (s, v) => { s.nats.portsFileDir = v; } }),
  flag({ names: ['profile'], kind: 'int', default: '0', support: 'ignored',
    doc: 'Profiling HTTP port (Go pprof)', apply: () => {} }),

  // ---- Logging Options ----
  flag({ names: ['l', 'log'], kind: 'string', default: '', support: 'yes',
    note: 'reopened on SIGUSR1',
    usage: u('log', '    -l, --log <string>', 'File to redirect log output'),
    apply: (s, v) => { s.log.logFile = v; } }),
  flag({ names: ['T', 'logtime'], kind: 'bool', default: 'true', support: 'yes',
    usage: u('log', '    -T, --logtime=<bool>', 'Timestamp log entries (default: true)'),
    apply: (s, v) => { s.log.logtime = v; } }),
  flag({ names: ['s', 'syslog'], kind: 'bool', default: 'false', support: 'ignored',
    note: 'logs stay on stderr or in the `-l` file',
    usage: u('log', '    -s, --syslog <bool>', 'Enable syslog as log method'),
    apply: (s, v) => { s.log.syslog = v; } }),
  flag({ names: ['r', 'remote_syslog'], kind: 'string', default: '', support: 'ignored',
    usage: u('log', '    -r, --remote_syslog <string>', 'Syslog server addr (udp://localhost:514)'),
    apply: (s, v) => { s.log.remoteSyslog = v; } }),
  flag({ names: ['D', 'debug'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('log', '    -D, --debug=<bool>', 'Enable debugging output'),
    apply: (s, v) => { s.log.debug = v; } }),
  flag({ names: ['V', 'trace'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('log', '    -V, --trace=<bool>', 'Trace the raw protocol'),
    apply: (s, v) => { s.log.trace = v; } }),
  flag({ names: ['DV'], kind: 'bool', default: 'false', support: 'yes', late: true,
    usage: u('log', '    -DV', 'Debug and trace'),
    apply: (s, v) => { s.log.debug = v; s.log.trace = v; } }),
  flag({ names: ['VV'], kind: 'bool', default: 'false', support: 'yes', late: true,
    doc: 'Verbose trace (traces the system account as well)',
    apply: (s, v) => { s.log.trace = v; s.log.traceVerbose = v; } }),
  flag({ names: ['DVV'], kind: 'bool', default: 'false', support: 'yes', late: true,
    doc: 'Debug and verbose trace',
    apply: (s, v) => { s.log.debug = v; s.log.trace = v; s.log.traceVerbose = v; } }),
  flag({ names: ['log_size_limit'], kind: 'int64', default: '0', support: 'ignored',
    doc: 'Rotate the log file at this size',
    apply: (s, v) => { s.log.logSizeLimit = v; } }),
  flag({ names: ['logtime_utc'], kind: 'bool', default: 'false', support: 'yes',
    doc: 'Timestamps in UTC instead of local time',
    apply: (s, v) => { s.log.logtimeUTC = v; } }),
  flag({ names: ['max_traced_msg_len'], kind: 'int', default: '0', support: 'ignored',
    doc: 'Maximum printable length of traced messages (0 = unlimited)',
    apply: (s, v) => { s.log.maxTracedMsgLen = v; } }),

  // ---- Authorization Options ----
  flag({ names: ['user'], kind: 'string', default: '', support: 'yes',
    usage: u('auth', '        --user <string>', 'User required for connections'),
    apply: (s, v) => { s.nats.user = v; } }),
  flag({ names: ['pass'], kind: 'string', default: '', support: 'yes',
    usage: u('auth', '        --pass <string>', 'Password required for connections'),
    apply: (s, v) => { s.nats.pass = v; } }),
  flag({ names: ['auth'], kind: 'string', default: '', support: 'yes',
    usage: u('auth', '        --auth <string>', 'Authorization token required for connections'),
    apply: (s, v) => { s.nats.token = v; } }),

  // ---- TLS Options (client connections to the embedded NATS server) ----
  flag({ names: ['tls'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('tls', '        --tls=<bool>', 'Enable TLS, do not verify clients (default: false)'),
    apply: (s, v) => { s.cli.tlsFlagSeen = true; s.cli.tlsFlag = v; } }),
  flag({ names: ['tlscert'], kind: 'string', default: '', support: 'yes',
    usage: u('tls', '        --tlscert <string>', 'Server certificate file'),
    apply: (s, v) => { s.cli.tlsFlagSeen = true; s.cli.tlsCert = v; } }),
  flag({ names: ['tlskey'], kind: 'string', default: '', support: 'yes',
    usage: u('tls', '        --tlskey <string>', 'Private key for server certificate'),
    apply: (s, v) => { s.cli.tlsFlagSeen = true; s.cli.tlsKey = v; } }),
  flag({ names: ['tlsverify'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('tls', '        --tlsverify=<bool>', 'Enable TLS, verify client certificates'),
    apply: (s, v) => { s.cli.tlsFlagSeen = true; s.cli.tlsVerify = v; } }),
  flag({ names: ['tlscacert'], kind: 'string', default: '', support: 'yes',
    usage: u('tls', '        --tlscacert <string>', 'Client certificate CA for verification'),
    apply: (s, v) => { s.cli.tlsFlagSeen = true; s.cli.tlsCaCert = v; } }),

  // ---- NATS Clustering Options (routes: src/nats/cluster/) ----
  flag({ names: ['routes'], kind: 'string', default: '', support: 'yes',
    usage: u('natsCluster', '        --routes <string, ...>', 'Routes to solicit and connect'),
    apply: (s, v) => { s.nats.routes = v; } }),
  flag({ names: ['cluster', 'cluster_listen'], kind: 'string', default: '', support: 'yes',
    usage: u('natsCluster', '        --cluster <string>', 'Cluster URL for solicited routes'),
    apply: (s, v) => { s.nats.clusterListen = v; } }),
  flag({ names: ['cluster_advertise'], kind: 'string', default: '', support: 'yes',
    doc: 'Cluster URL to advertise to other servers', apply: (s, v) => { s.nats.clusterAdvertise = v; } }),
  flag({ names: ['no_advertise'], kind: 'bool', default: 'false', support: 'yes',
    doc: 'Do not advertise known cluster IPs to clients', apply: (s, v) => { s.nats.noAdvertise = v; } }),
  flag({ names: ['connect_retries'], kind: 'int', default: '0', support: 'yes',
    doc: 'For implicit routes, number of connect retries', apply: (s, v) => { s.nats.connectRetries = v; } }),
  flag({ names: ['cluster_name'], kind: 'string', default: '', support: 'yes',
    doc: 'NATS cluster name', apply: (s, v) => { s.nats.clusterName = v; } }),
  flag({ names: ['js', 'jetstream'], kind: 'bool', default: 'false', support: 'ignored',
    doc: 'Enable JetStream (not part of NATS Streaming)', apply: () => {} }),
  flag({ names: ['sd', 'store_dir'], kind: 'string', default: '', support: 'ignored',
    doc: 'JetStream storage directory', apply: () => {} }),

  // ---- Common Options ----
  flag({ names: ['h', 'help'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('common', '    -h, --help', 'Show this message'),
    apply: (s, v) => { s.cli.help = v; } }),
  flag({ names: ['v', 'version'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('common', '    -v, --version', 'Show version'),
    apply: (s, v) => { s.cli.version = v; } }),
  flag({ names: ['help_tls'], kind: 'bool', default: 'false', support: 'yes',
    usage: u('common', '        --help_tls', 'TLS help.'),
    apply: (s, v) => { s.cli.helpTls = v; } }),
];

const byName = new Map<string, FlagSpec>();
for (const f of flagTable) {
  for (const n of f.names) {
    if (byName.has(n)) throw new Error(`flag table: duplicate name ${n}`);
    byName.set(n, f);
  }
}

/** Flag lookup by any of its names (case-sensitive, as in Go: `-SD` is not `-sd`). */
export function lookupFlag(name: string): FlagSpec | undefined {
  return byName.get(name);
}
