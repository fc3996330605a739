/**
 * Maps parsed configuration files onto Settings, key by key, as the Go
 * servers do: nats-server's keys for `-c` (src/config/nats-config.ts) and the
 * streaming keys for `-sc` here, taken from a `streaming { }` block when
 * there is one. Keys are case-insensitive; unknown keys are ignored; a value
 * of the wrong type stops the start with
 * `parameter "<key>" value is expected to be <kind>, got <kind>`.
 */
import type { ConfMap, ConfValue } from './conf-parser.js';
import {
  ConfigError, bool, durationString, entries, expect, int, kindOf, map, str,
} from './config-values.js';
import { optionErrors } from './errors.js';
import type { ChannelLimitsSetting, Settings } from './settings.js';
import { goPrintValue } from './size.js';
import { dict } from '../util/dict.js';

export { applyNatsConfig } from './nats-config.js';
export { ConfigError } from './config-values.js';

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
        if (upper !== 'FILE' && upper !== 'MEMORY' && upper !== 'SQL' && upper !== 'JETSTREAM') {
          throw new ConfigError(optionErrors.unknownStoreType(t));
        }
        st.storeType = upper;
        break;
      }
      case 'dir': case 'datastore': st.dir = str(key, v); break;
      case 'js_prefix': st.jsPrefix = str(key, v); break;
      case 'js_domain': st.jsDomain = str(key, v); break;
      case 'js_replicas': st.jsReplicas = Number(v); break;
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
      case 'max_deliver': st.maxDeliver = int(key, v); break;
      case 'dead_letter_prefix': st.deadLetterPrefix = str(key, v); break;
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
        if (cl.maxDeliver !== undefined) s.stan.maxDeliver = cl.maxDeliver;
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
    case 'max_deliver':
      cl.maxDeliver = unlimited(int(key, v)); break;
    default: break;
  }
}

function applyPerChannelLimits(v: ConfValue, s: Settings): void {
  const m = map('per channel limits', v);
  const per = (s.stan.perChannel ??= dict());
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
