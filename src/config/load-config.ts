/**
 * Maps parsed configuration files onto Settings, key by key, as the Go
 * servers do: nats-server's keys for `-c` (host, port, authorization, tls,
 * limits, logging, monitoring) and the streaming keys for `-sc` (taken from a
 * `streaming { }` block when there is one). Keys are case-insensitive;
 * unknown keys are ignored; a value of the wrong type stops the start with
 * `parameter "<key>" value is expected to be <kind>, got <kind>`.
 */
import type { UserEntry, UserPermissions } from '../nats/options.js';
import { ConfFloat, type ConfMap, type ConfValue } from './conf-parser.js';
import { optionErrors } from './errors.js';
import { parseGoDurationMs } from './go-values.js';
import type { ChannelLimitsSetting, Settings } from './settings.js';
import { goPrintValue } from './size.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Kind = 'string' | 'int64' | 'float64' | 'bool' | 'map' | 'slice' | 'struct';

/** The Go reflect kind of a parsed value, for type-mismatch messages. */
function kindOf(v: ConfValue): Kind {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'int64';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof ConfFloat) return 'float64';
  if (v instanceof Date) return 'struct';
  if (Array.isArray(v)) return 'slice';
  return 'map';
}

function expect(key: string, kind: Kind, v: ConfValue): void {
  const got = kindOf(v);
  if (got !== kind) throw new ConfigError(optionErrors.typeMismatch(key, kind, got));
}

const str = (key: string, v: ConfValue): string => { expect(key, 'string', v); return v as string; };
const int = (key: string, v: ConfValue): number => { expect(key, 'int64', v); return v as number; };
const bool = (key: string, v: ConfValue): boolean => { expect(key, 'bool', v); return v as boolean; };

function map(what: string, v: ConfValue): ConfMap {
  if (kindOf(v) !== 'map') throw new ConfigError(optionErrors.expectedMap(what, goPrintValue(v)));
  return v as ConfMap;
}

/** A duration written as a string (`"10s"`), as the streaming server requires. */
function durationString(key: string, v: ConfValue): number {
  const r = parseGoDurationMs(str(key, v));
  if (!r.ok) throw new ConfigError(r.error);
  return r.value;
}

/** nats-server accepts a duration string, or a number of seconds (deprecated form). */
function durationOrSeconds(key: string, v: ConfValue): number {
  if (typeof v === 'number') return v * 1000;
  if (v instanceof ConfFloat) return v.value * 1000;
  return durationString(key, v);
}

function seconds(key: string, v: ConfValue): number {
  if (typeof v === 'number') return v;
  if (v instanceof ConfFloat) return v.value;
  throw new ConfigError(optionErrors.typeMismatch(key, 'float64', kindOf(v)));
}

function entries(m: ConfMap): Array<[string, string, ConfValue]> {
  return Object.keys(m).map((k) => [k, k.toLowerCase(), m[k]]);
}

// ---------------------------------------------------------------------------
// NATS server keys (-c)

export function applyNatsConfig(m: ConfMap, s: Settings): void {
  for (const [key, name, v] of entries(m)) {
    switch (name) {
      case 'listen': {
        const hp = parseListen(v);
        if (hp.host !== undefined) s.nats.host = hp.host;
        s.nats.port = hp.port;
        break;
      }
      case 'port': s.nats.port = int(key, v); break;
      case 'host': case 'net': s.nats.host = str(key, v); break;
      case 'server_name': s.nats.serverName = str(key, v); break;
      case 'client_advertise': s.nats.clientAdvertise = str(key, v); break;
      case 'debug': s.log.debug = bool(key, v); break;
      case 'trace': s.log.trace = bool(key, v); break;
      case 'trace_verbose': s.log.traceVerbose = bool(key, v); if (s.log.traceVerbose) s.log.trace = true; break;
      case 'logtime': s.log.logtime = bool(key, v); break;
      case 'logtime_utc': s.log.logtimeUTC = bool(key, v); break;
      case 'logfile': case 'log_file': s.log.logFile = str(key, v); break;
      case 'log_size_limit': s.log.logSizeLimit = int(key, v); break;
      case 'syslog': s.log.syslog = bool(key, v); break;
      case 'remote_syslog': s.log.remoteSyslog = str(key, v); break;
      case 'max_traced_msg_len': s.log.maxTracedMsgLen = int(key, v); break;
      case 'pidfile': case 'pid_file': s.nats.pidFile = str(key, v); break;
      case 'ports_file_dir': s.nats.portsFileDir = str(key, v); break;
      case 'authorization': applyAuthorization(map('authorization', v), s); break;
      case 'http': {
        const hp = parseListen(v);
        if (hp.host !== undefined) s.monitor.host = hp.host;
        s.monitor.port = hp.port;
        break;
      }
      case 'https': {
        const hp = parseListen(v);
        if (hp.host !== undefined) s.monitor.host = hp.host;
        s.monitor.httpsPort = hp.port;
        break;
      }
      case 'http_port': case 'monitor_port': s.monitor.port = int(key, v); break;
      case 'https_port': s.monitor.httpsPort = int(key, v); break;
      case 'http_base_path': s.monitor.basePath = str(key, v); break;
      case 'cluster': applyNatsCluster(map('cluster', v), s); break;
      case 'max_control_line': s.nats.maxControlLine = int(key, v); break;
      case 'max_payload': s.nats.maxPayload = int(key, v); break;
      case 'max_pending': case 'max_pending_size': s.nats.maxPending = int(key, v); break;
      case 'max_connections': case 'max_conn': s.nats.maxConnections = int(key, v); break;
      case 'max_subscriptions': case 'max_subs': s.nats.maxSubscriptions = int(key, v); break;
      case 'ping_interval': s.nats.pingIntervalMs = durationOrSeconds(key, v); break;
      case 'ping_max': s.nats.pingMax = int(key, v); break;
      case 'write_deadline': s.nats.writeDeadlineMs = durationOrSeconds(key, v); break;
      case 'no_header_support': s.nats.noHeaderSupport = bool(key, v); break;
      case 'tls': applyServerTls(map('TLS', v), s); break;
      default: break; // unknown keys are ignored (streaming keys live in the same file)
    }
  }
}

interface HostPort { host?: string; port: number }

function parseListen(v: ConfValue): HostPort {
  if (typeof v === 'number') return { port: v };
  if (typeof v !== 'string') throw new ConfigError(optionErrors.listenAddress(goPrintValue(v)));
  const m = /^(?:\[([^\]]*)\]|([^:]*)):([^:]*)$/.exec(v);
  if (!m) throw new ConfigError(optionErrors.listenAddress(v));
  const port = Number(m[3]);
  if (!/^-?\d+$/.test(m[3])) throw new ConfigError(optionErrors.listenPort(m[3]));
  return { host: m[1] ?? m[2], port };
}

function applyNatsCluster(m: ConfMap, s: Settings): void {
  for (const [, name, v] of entries(m)) {
    if (name === 'listen' || name === 'port' || name === 'host' || name === 'net') {
      s.nats.clusterConfigured = true;
      if (name === 'listen' && typeof v === 'string') s.nats.clusterListen = v;
    }
  }
}

function applyAuthorization(m: ConfMap, s: Settings): void {
  let defaultPermissions: UserPermissions | undefined;
  let users: UserEntry[] | undefined;
  for (const [key, name, v] of entries(m)) {
    switch (name) {
      case 'user': case 'username': s.nats.user = str(key, v); break;
      case 'pass': case 'password': s.nats.pass = str(key, v); break;
      case 'token': s.nats.token = str(key, v); break;
      case 'timeout': s.nats.authTimeoutSec = seconds(key, v); break;
      case 'users': users = parseUsers(v); break;
      case 'default_permission': case 'default_permissions':
        defaultPermissions = parsePermissions(v, optionErrors.permissionsMap);
        break;
      default: break;
    }
  }
  if (users) {
    if (s.nats.user) throw new ConfigError(optionErrors.singleAndUsers);
    if (defaultPermissions) for (const u of users) u.permissions ??= defaultPermissions;
    s.nats.users = users;
  }
}

function parseUsers(v: ConfValue): UserEntry[] {
  if (!Array.isArray(v)) throw new ConfigError(optionErrors.usersArray(goPrintValue(v)));
  return v.map((entry) => {
    if (kindOf(entry) !== 'map') throw new ConfigError(optionErrors.userMap(goPrintValue(entry)));
    let user = '';
    let password = '';
    let permissions: UserPermissions | undefined;
    for (const [key, name, val] of entries(entry as ConfMap)) {
      switch (name) {
        case 'user': case 'username': user = str(key, val); break;
        case 'pass': case 'password': password = str(key, val); break;
        case 'permission': case 'permissions': case 'authorization':
          permissions = parsePermissions(val, optionErrors.permissionsMap);
          break;
        default: break;
      }
    }
    if (!user || !password) throw new ConfigError(optionErrors.userEntry);
    const u: UserEntry = { user, password };
    if (permissions) u.permissions = permissions;
    return u;
  });
}

function parsePermissions(v: ConfValue, notMap: (s: string) => string): UserPermissions {
  if (kindOf(v) !== 'map') throw new ConfigError(notMap(goPrintValue(v)));
  const p: UserPermissions = {};
  for (const [key, name] of entries(v as ConfMap)) {
    const val = (v as ConfMap)[key];
    switch (name) {
      case 'pub': case 'publish': p.publish = parseSubjectPermission(val); break;
      case 'sub': case 'subscribe': p.subscribe = parseSubjectPermission(val); break;
      case 'allow_responses': case 'allow_response': break;
      default: throw new ConfigError(optionErrors.unknownPermissionField(key));
    }
  }
  return p;
}

/** `"a.>"`, `["a", "b"]` (both: allow) or `{ allow: [...], deny: [...] }`. */
function parseSubjectPermission(v: ConfValue): { allow?: string[]; deny?: string[] } {
  if (typeof v === 'string' || Array.isArray(v)) return { allow: subjects(v) };
  if (kindOf(v) === 'map') {
    const out: { allow?: string[]; deny?: string[] } = {};
    for (const [key, name] of entries(v as ConfMap)) {
      const val = (v as ConfMap)[key];
      if (name === 'allow') out.allow = subjects(val);
      else if (name === 'deny') out.deny = subjects(val);
      else throw new ConfigError(optionErrors.unknownPermissionField(key));
    }
    return out;
  }
  throw new ConfigError(optionErrors.subjectPermissions(kindOf(v)));
}

function subjects(v: ConfValue): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new ConfigError(optionErrors.subjectPermissions(kindOf(v)));
}

/** Known nats-server tls keys; natstream acts on the first five, accepts the rest. */
const SERVER_TLS_KEYS = new Set([
  'cert_file', 'key_file', 'ca_file', 'verify', 'timeout',
  'verify_and_map', 'verify_cert_and_check_known_urls', 'cipher_suites', 'curve_preferences',
  'insecure', 'pinned_certs', 'cert_store', 'cert_match_by', 'cert_match', 'handshake_first',
]);

function applyServerTls(m: ConfMap, s: Settings): void {
  const tls: NonNullable<Settings['nats']['tls']> = {};
  for (const [key, name, v] of entries(m)) {
    if (!SERVER_TLS_KEYS.has(name)) throw new ConfigError(optionErrors.tlsUnknownField(key));
    switch (name) {
      case 'cert_file': case 'key_file': case 'ca_file': {
        if (typeof v !== 'string') throw new ConfigError(optionErrors.tlsFilename(name));
        if (name === 'cert_file') tls.cert = v;
        else if (name === 'key_file') tls.key = v;
        else tls.ca = v;
        break;
      }
      case 'verify': case 'verify_and_map': case 'verify_cert_and_check_known_urls':
        if (typeof v !== 'boolean') throw new ConfigError(optionErrors.tlsVerifyBool);
        if (v) tls.verify = true;
        else if (name === 'verify') tls.verify = false;
        break;
      case 'timeout': tls.timeoutSec = seconds(key, v); break;
      default: break;
    }
  }
  s.nats.tls = tls;
}

// ---------------------------------------------------------------------------
// Streaming keys (-sc, or -c when no -sc is given)

export function applyStreamingConfig(root: ConfMap, s: Settings): void {
  let m = root;
  for (const [key, name, v] of entries(root)) {
    if (name === 'streaming') {
      if (kindOf(v) !== 'map') throw new ConfigError(optionErrors.expectedMap('streaming section', goPrintValue(v)));
      m = root[key] as ConfMap;
    }
  }
  const st = s.stan;
  for (const [key, name, v] of entries(m)) {
    switch (name) {
      case 'id': case 'cid': case 'cluster_id': st.clusterId = str(key, v); break;
      case 'discover_prefix': st.discoverPrefix = str(key, v); break;
      case 'st': case 'store_type': case 'store': case 'storetype': {
        const t = str(key, v);
        const upper = t.toUpperCase();
        if (upper !== 'FILE' && upper !== 'MEMORY' && upper !== 'SQL') {
          throw new ConfigError(optionErrors.unknownStoreType(t));
        }
        st.storeType = upper;
        break;
      }
      case 'dir': case 'datastore': st.dir = str(key, v); break;
      case 'sd': case 'stan_debug': s.log.stanDebug = bool(key, v); break;
      case 'sv': case 'stan_trace': s.log.stanTrace = bool(key, v); break;
      case 'ns': case 'nats_server': case 'nats_server_url': st.natsServerUrl = str(key, v); break;
      case 'credentials': st.credentials = str(key, v); break;
      case 'username': case 'user': st.username = str(key, v); break;
      case 'password': case 'pass': st.password = str(key, v); break;
      case 'token': st.token = str(key, v); break;
      case 'nkey_seed_file': st.nkeySeedFile = str(key, v); break;
      case 'secure': st.secure = bool(key, v); break;
      case 'tls': applyClientTls(v, s); break;
      case 'limits': case 'store_limits': case 'storelimits': applyStoreLimits(v, s); break;
      case 'file': case 'file_options': applyFileOptions(v, s); break;
      case 'sql': case 'sql_options': applySqlOptions(v, s); break;
      case 'hbi': case 'hb_interval': case 'server_to_client_hb_interval':
        st.hbIntervalMs = durationString(key, v); break;
      case 'hbt': case 'hb_timeout': case 'server_to_client_hb_timeout':
        st.hbTimeoutMs = durationString(key, v); break;
      case 'hbf': case 'hb_fail_count': case 'server_to_client_hb_fail_count':
        st.hbFailCount = int(key, v); break;
      case 'ft_group': case 'ft_group_name': st.ftGroup = str(key, v); break;
      case 'partitioning': st.partitioning = bool(key, v); break;
      case 'cluster': applyClustering(v, s); break;
      case 'syslog_name': st.syslogName = str(key, v); break;
      case 'encrypt': st.encrypt = bool(key, v); break;
      case 'encryption_cipher': st.encryptionCipher = str(key, v); break;
      case 'encryption_key': st.encryptionKey = str(key, v); st.encrypt = true; break;
      case 'replace_durable': case 'replace_durables':
      case 'replace_duplicate_durable': case 'replace_duplicate_durables':
        st.replaceDurable = bool(key, v); break;
      default: break;
    }
  }
}

function applyClientTls(v: ConfValue, s: Settings): void {
  const m = map('TLS', v);
  for (const [key, name, val] of entries(m)) {
    switch (name) {
      case 'client_cert': s.stan.tlsClientCert = str(key, val); break;
      case 'client_key': s.stan.tlsClientKey = str(key, val); break;
      case 'client_ca': case 'client_cacert': s.stan.tlsClientCa = str(key, val); break;
      case 'server_name': case 'server_hostname': s.stan.tlsServerName = str(key, val); break;
      case 'skip_verify': case 'insecure': s.stan.tlsSkipVerify = bool(key, val); break;
      default: break;
    }
  }
}

function applyStoreLimits(v: ConfValue, s: Settings): void {
  const m = map('store limits', v);
  for (const [key, name, val] of entries(m)) {
    switch (name) {
      case 'mc': case 'max_channels': case 'maxchannels': s.stan.maxChannels = int(key, val); break;
      case 'channels': case 'channels_limits': case 'channelslimits':
      case 'per_channel': case 'per_channel_limits':
        applyPerChannelLimits(val, s);
        break;
      default: {
        const cl: ChannelLimitsSetting = {};
        applyChannelLimit(cl, key, name, val, false);
        if (cl.maxSubscriptions !== undefined) s.stan.maxSubscriptions = cl.maxSubscriptions;
        if (cl.maxMsgs !== undefined) s.stan.maxMsgs = cl.maxMsgs;
        if (cl.maxBytes !== undefined) s.stan.maxBytes = cl.maxBytes;
        if (cl.maxAgeMs !== undefined) s.stan.maxAgeMs = cl.maxAgeMs;
        if (cl.maxInactivityMs !== undefined) s.stan.maxInactivityMs = cl.maxInactivityMs;
      }
    }
  }
}

/** One limit key; in a per-channel entry 0 means "unlimited for this channel" (-1). */
function applyChannelLimit(cl: ChannelLimitsSetting, key: string, name: string, v: ConfValue, perChannel: boolean): void {
  const unlimited = (n: number) => (perChannel && n === 0 ? -1 : n);
  switch (name) {
    case 'msu': case 'max_subs': case 'max_subscriptions': case 'maxsubscriptions':
      cl.maxSubscriptions = unlimited(int(key, v)); break;
    case 'mm': case 'max_msgs': case 'maxmsgs': case 'max_count': case 'maxcount':
      cl.maxMsgs = unlimited(int(key, v)); break;
    case 'mb': case 'max_bytes': case 'maxbytes':
      cl.maxBytes = unlimited(int(key, v)); break;
    case 'ma': case 'max_age': case 'maxage':
      cl.maxAgeMs = unlimited(durationString(key, v)); break;
    case 'mi': case 'max_inactivity': case 'maxinactivity':
      cl.maxInactivityMs = unlimited(durationString(key, v)); break;
    default: break;
  }
}

function applyPerChannelLimits(v: ConfValue, s: Settings): void {
  const m = map('per channel limits', v);
  const per = (s.stan.perChannel ??= {});
  for (const channel of Object.keys(m)) {
    const limits = m[channel];
    if (kindOf(limits) !== 'map') {
      throw new ConfigError(optionErrors.expectedMap('channel limits', goPrintValue(limits)));
    }
    if (!isChannelNameValid(channel)) throw new ConfigError(optionErrors.invalidChannelName(channel));
    const cl: ChannelLimitsSetting = {};
    for (const [key, name, val] of entries(limits as ConfMap)) applyChannelLimit(cl, key, name, val, true);
    per[channel] = cl;
  }
}

/** Go util.IsChannelNameValid with wildcards allowed: tokens non-empty, `*` a whole token, `>` the last. */
export function isChannelNameValid(name: string): boolean {
  if (name === '' || name[0] === '.') return false;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '.' && (i === name.length - 1 || name[i + 1] === '.')) return false;
    if (c === '*' || c === '>') {
      if (i > 0 && name[i - 1] !== '.') return false;
      if (c === '>' && i !== name.length - 1) return false;
      if (i < name.length - 1 && name[i + 1] !== '.') return false;
    }
  }
  return true;
}

function applyFileOptions(v: ConfValue, s: Settings): void {
  const m = map('file options', v);
  const f = s.file;
  for (const [key, name, val] of entries(m)) {
    switch (name) {
      case 'compact': case 'compact_enabled': f.compactEnabled = bool(key, val); break;
      case 'compact_frag': case 'compact_fragmentation': f.compactFragmentation = int(key, val); break;
      case 'compact_interval': f.compactIntervalSec = int(key, val); break;
      case 'compact_min_size': f.compactMinFileSize = int(key, val); break;
      case 'buffer_size': f.bufferSize = int(key, val); break;
      case 'crc': case 'do_crc': f.doCRC = bool(key, val); break;
      case 'crc_poly': f.crcPolynomial = int(key, val); break;
      case 'sync': case 'do_sync': case 'sync_on_flush': f.doSync = bool(key, val); break;
      case 'slice_max_msgs': case 'slice_max_count': case 'slice_msgs': case 'slice_count':
        f.sliceMaxMsgs = int(key, val); break;
      case 'slice_max_bytes': case 'slice_max_size': case 'slice_bytes': case 'slice_size':
        f.sliceMaxBytes = int(key, val); break;
      case 'slice_max_age': case 'slice_age': case 'slice_max_time': case 'slice_time_limit':
        f.sliceMaxAgeMs = durationString(key, val); break;
      case 'slice_archive_script': case 'slice_archive': case 'slice_script':
        f.sliceArchiveScript = str(key, val); break;
      case 'file_descriptors_limit': case 'fds_limit': f.fileDescriptorsLimit = int(key, val); break;
      case 'parallel_recovery': f.parallelRecovery = int(key, val); break;
      case 'file_read_buffer_size': case 'read_buffer_size': f.readBufferSize = int(key, val); break;
      case 'file_auto_sync': case 'auto_sync': f.autoSyncMs = durationString(key, val); break;
      default: break;
    }
  }
}

function applySqlOptions(v: ConfValue, s: Settings): void {
  const m = map('SQL options', v);
  for (const [, name, val] of entries(m)) {
    // The Go server reports SQL keys by their lower-cased name.
    switch (name) {
      case 'driver': s.sql.driver = str(name, val); break;
      case 'source': s.sql.source = str(name, val); break;
      case 'no_caching': s.sql.noCaching = bool(name, val); break;
      case 'max_open_conns': case 'max_conns': s.sql.maxOpenConns = int(name, val); break;
      case 'bulk_insert_limit': s.sql.bulkInsertLimit = int(name, val); break;
      case 'create_schema': s.sql.createSchema = bool(name, val); break; // natstream extension
      default: break;
    }
  }
}

function applyClustering(v: ConfValue, s: Settings): void {
  const m = map('cluster', v);
  const c = s.stan.clustering;
  c.clustered = true;
  for (const [key, name, val] of entries(m)) {
    switch (name) {
      case 'node_id': c.nodeId = str(key, val); break;
      case 'bootstrap': c.bootstrap = bool(key, val); break;
      case 'peers':
        expect(key, 'slice', val);
        c.peers = (val as ConfValue[]).map((p) => str(key, p));
        break;
      case 'log_path': c.logPath = str(key, val); break;
      case 'log_cache_size': c.logCacheSize = int(key, val); break;
      case 'log_snapshots': c.logSnapshots = int(key, val); break;
      case 'trailing_logs': c.trailingLogs = int(key, val); break;
      case 'sync': c.sync = bool(key, val); break;
      case 'raft_logging': c.raftLogging = bool(key, val); break;
      case 'proceed_on_restore_failure': c.proceedOnRestoreFailure = bool(key, val); break;
      case 'allow_add_remove_node': c.allowAddRemoveNode = bool(key, val); break;
      case 'raft_heartbeat_timeout': c.raftHeartbeatTimeoutMs = durationString(key, val); break;
      case 'raft_election_timeout': c.raftElectionTimeoutMs = durationString(key, val); break;
      case 'raft_lease_timeout': c.raftLeaseTimeoutMs = durationString(key, val); break;
      case 'raft_commit_timeout': c.raftCommitTimeoutMs = durationString(key, val); break;
      default: break;
    }
  }
}
