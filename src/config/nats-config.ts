/**
 * nats-server's configuration keys (`-c`, or `-sc` alone) mapped onto Settings:
 * listen address, authorization (users, permissions, bcrypt), TLS, limits,
 * timing, logging and monitoring, operator (JWT) mode with a MEMORY resolver.
 * Unknown keys are ignored: the streaming keys live in the same file.
 */
import { readFileSync } from 'node:fs';
import type { NkeyUserEntry, UserEntry, UserPermissions } from '../nats/options.js';
import type { ConfMap, ConfValue } from './conf-parser.js';
import {
  ConfigError, bool, durationOrSeconds, entries, int, kindOf, map, seconds, str,
} from './config-values.js';
import { optionErrors } from './errors.js';
import { goOpenError } from './fs-errors.js';
import type { Settings } from './settings.js';
import { goPrintValue } from './size.js';

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
      case 'operator': case 'operators': case 'root': case 'roots':
      case 'root_operator': case 'root_operators': case 'trusted_operators':
        s.nats.operatorJwts = operatorFiles(key, v).map(readOperatorJwt);
        break;
      case 'resolver': case 'account_resolver': case 'accounts_resolver':
        s.nats.resolver = typeof v === 'string' ? v : goPrintValue(v);
        break;
      case 'resolver_preload': s.nats.resolverPreload = preload(map('resolver preload', v)); break;
      default: break; // unknown keys are ignored (streaming keys live in the same file)
    }
  }
  checkOperatorMode(s);
}

/** nats-server's validateTrustedOperators, for what natstream runs (a MEMORY resolver). */
function checkOperatorMode(s: Settings): void {
  const n = s.nats;
  if (!n.operatorJwts || n.operatorJwts.length === 0) return;
  if (n.resolver === undefined) throw new ConfigError(optionErrors.operatorNeedsResolver);
  if (n.resolver.toUpperCase() !== 'MEMORY') throw new ConfigError(optionErrors.resolverUnsupported(n.resolver));
  if ((n.users && n.users.length > 0) || (n.nkeys && n.nkeys.length > 0)) {
    throw new ConfigError(optionErrors.operatorWithUsers);
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

/** nats-server's `cluster {}` block: listen/host/port, name, routes, advertise, authorization, tls. */
function applyNatsCluster(m: ConfMap, s: Settings): void {
  const n = s.nats;
  for (const [key, name, v] of entries(m)) {
    switch (name) {
      case 'listen': {
        const hp = parseListen(v);
        if (hp.host !== undefined) n.clusterHost = hp.host;
        n.clusterPort = hp.port;
        n.clusterConfigured = true;
        break;
      }
      case 'port': n.clusterPort = int(key, v); n.clusterConfigured = true; break;
      case 'host': case 'net': n.clusterHost = str(key, v); n.clusterConfigured = true; break;
      case 'name': n.clusterName = str(key, v); break;
      case 'routes': {
        const list = typeof v === 'string' ? [v] : v;
        if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
          throw new ConfigError(optionErrors.routesArray(goPrintValue(v)));
        }
        n.routes = (list as string[]).join(',');
        break;
      }
      case 'advertise': case 'cluster_advertise': n.clusterAdvertise = str(key, v); break;
      case 'no_advertise': n.noAdvertise = bool(key, v); break;
      case 'connect_retries': n.connectRetries = int(key, v); break;
      case 'authorization': {
        for (const [akey, aname, av] of entries(map('authorization', v))) {
          if (aname === 'user' || aname === 'username') n.clusterUser = str(akey, av);
          else if (aname === 'pass' || aname === 'password') n.clusterPass = str(akey, av);
          else if (aname === 'timeout') n.clusterAuthTimeoutSec = seconds(akey, av);
        }
        break;
      }
      case 'tls': n.clusterTls = parseServerTls(map('TLS', v)); break;
      default: break; // permissions, pool_size ...: accepted, not acted on
    }
  }
}

function operatorFiles(key: string, v: ConfValue): string[] {
  if (Array.isArray(v)) return v.map((x) => str(key, x));
  return [str(key, v)];
}

const JWT_PREFIX = 'eyJ';
/** An nsc "decorated" file: the JWT between `-----BEGIN ... JWT-----` style lines. */
const DECORATED = /-{3,}[^\n]*-{3,}\r?\n([\w\-.=]+)\r?\n-{3,}/;

/** nats-server's readOperatorJWT: a file (plain or decorated), or the JWT inline. */
function readOperatorJwt(value: string): string {
  let contents: string;
  try {
    contents = readFileSync(value, 'utf8');
  } catch (err) {
    if (!value.startsWith(JWT_PREFIX)) throw new ConfigError(optionErrors.operatorJwt(goOpenError(err, value)));
    contents = value;
  }
  const m = DECORATED.exec(contents);
  return m ? m[1] : contents.trim();
}

function preload(m: ConfMap): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of Object.keys(m)) {
    const jwt = m[key];
    if (typeof jwt !== 'string') throw new ConfigError(optionErrors.preloadNotJwt(key));
    out.set(key, jwt);
  }
  return out;
}

function applyAuthorization(m: ConfMap, s: Settings): void {
  let defaultPermissions: UserPermissions | undefined;
  let users: { users: UserEntry[]; nkeys: NkeyUserEntry[] } | undefined;
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
    if (s.nats.user && users.users.length > 0) throw new ConfigError(optionErrors.singleAndUsers);
    if (defaultPermissions) {
      for (const u of [...users.users, ...users.nkeys]) u.permissions ??= defaultPermissions;
    }
    if (users.users.length > 0) s.nats.users = users.users;
    if (users.nkeys.length > 0) s.nats.nkeys = users.nkeys;
  }
}

/** A user's public nkey: `U` and 55 more base32 characters. */
const USER_NKEY = /^U[A-Z2-7]{55}$/;

/** The users array: user/password entries and nkey entries (nats-server keeps them apart). */
function parseUsers(v: ConfValue): { users: UserEntry[]; nkeys: NkeyUserEntry[] } {
  if (!Array.isArray(v)) throw new ConfigError(optionErrors.usersArray(goPrintValue(v)));
  const users: UserEntry[] = [];
  const nkeys: NkeyUserEntry[] = [];
  for (const entry of v) {
    if (kindOf(entry) !== 'map') throw new ConfigError(optionErrors.userMap(goPrintValue(entry)));
    let user = '';
    let password = '';
    let nkey = '';
    let permissions: UserPermissions | undefined;
    for (const [key, name, val] of entries(entry as ConfMap)) {
      switch (name) {
        case 'nkey': nkey = str(key, val); break;
        case 'user': case 'username': user = str(key, val); break;
        case 'pass': case 'password': password = str(key, val); break;
        case 'permission': case 'permissions': case 'authorization':
          permissions = parsePermissions(val, optionErrors.permissionsMap);
          break;
        default: break;
      }
    }
    if (nkey) {
      if (!USER_NKEY.test(nkey)) throw new ConfigError(optionErrors.nkeyUserInvalid);
      if (user || password) throw new ConfigError(optionErrors.nkeyUserWithPassword);
      nkeys.push(permissions ? { nkey, permissions } : { nkey });
      continue;
    }
    if (!user || !password) throw new ConfigError(optionErrors.userEntry);
    const u: UserEntry = { user, password };
    if (permissions) u.permissions = permissions;
    users.push(u);
  }
  return { users, nkeys };
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

/** A `tls {}` block (the server's, or the cluster's for routes). */
function parseServerTls(m: ConfMap): NonNullable<Settings['nats']['tls']> {
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
  return tls;
}

function applyServerTls(m: ConfMap, s: Settings): void {
  s.nats.tls = parseServerTls(m);
}

