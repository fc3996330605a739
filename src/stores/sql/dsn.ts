/**
 * Data source names as the Go server's drivers read them, turned into the
 * options of the Node drivers:
 * - MySQL (go-sql-driver/mysql): `[user[:password]@][net[(addr)]]/dbname[?param=value&...]`
 * - PostgreSQL (lib/pq): `key=value key='quoted \' value'` or `postgres[ql]://user:pass@host:port/db?key=value`
 *
 * `redactSource` gives the same text with the password hidden, for logs.
 */
import { readFileSync } from 'node:fs';
import { SqlErrors, SqlStoreError } from './errors.js';
import type { SqlDriver } from './options.js';

export interface MysqlTarget {
  user: string;
  password: string;
  /** `tcp` or `unix` */
  net: string;
  host?: string;
  port?: number;
  socketPath?: string;
  database: string;
  connectTimeoutMs?: number;
  charset?: string;
  /** undefined = no TLS */
  ssl?: { rejectUnauthorized: boolean };
  /** DSN parameters with no Node equivalent (the Go driver sets them as session variables). */
  ignored: string[];
}

export interface PgTarget {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** false = plain TCP; otherwise TLS options for `pg` */
  ssl: false | { rejectUnauthorized: boolean; ca?: string; cert?: string; key?: string; checkServerIdentity?: () => undefined };
  connectTimeoutMs?: number;
  applicationName?: string;
  /** Runtime parameters sent at start-up (`-c key=value ...`), as lib/pq does for unknown keys. */
  options?: string;
}

function dsnError(why: string): SqlStoreError {
  return new SqlStoreError(SqlErrors.dsn(why));
}

// ---------------------------------------------------------------- MySQL

export function parseMysqlDsn(dsn: string): MysqlTarget {
  const t: MysqlTarget = { user: '', password: '', net: 'tcp', database: '', ignored: [] };
  const slash = dsn.lastIndexOf('/');
  if (slash < 0) {
    if (dsn.length > 0) throw dsnError('missing the slash separating the database name');
    return withMysqlDefaults(t, '');
  }
  let addr = '';
  if (slash > 0) {
    const left = dsn.slice(0, slash);
    // The last '@' ends the credentials (a password may contain '@'); the first ':' splits them.
    const at = left.lastIndexOf('@');
    if (at >= 0) {
      const cred = left.slice(0, at);
      const colon = cred.indexOf(':');
      t.user = colon >= 0 ? cred.slice(0, colon) : cred;
      t.password = colon >= 0 ? cred.slice(colon + 1) : '';
    }
    const netPart = left.slice(at + 1);
    const paren = netPart.indexOf('(');
    if (paren >= 0) {
      if (!netPart.endsWith(')')) throw dsnError('network address not terminated (missing closing brace)');
      addr = netPart.slice(paren + 1, -1);
      t.net = netPart.slice(0, paren) || 'tcp';
    } else if (netPart !== '') {
      t.net = netPart;
    }
  }
  const rest = dsn.slice(slash + 1);
  const q = rest.indexOf('?');
  t.database = decodeURIComponent(q >= 0 ? rest.slice(0, q) : rest);
  if (q >= 0) applyMysqlParams(t, rest.slice(q + 1));
  return withMysqlDefaults(t, addr);
}

function withMysqlDefaults(t: MysqlTarget, addr: string): MysqlTarget {
  if (t.net === 'unix') {
    t.socketPath = addr || '/tmp/mysql.sock';
  } else if (t.net === 'tcp' || t.net === 'tcp4' || t.net === 'tcp6') {
    const { host, port } = splitHostPort(addr || '127.0.0.1:3306', 3306);
    t.host = host;
    t.port = port;
  } else {
    throw dsnError(`unknown network ${JSON.stringify(t.net)}`);
  }
  return t;
}

function applyMysqlParams(t: MysqlTarget, query: string): void {
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) throw dsnError(`invalid DSN parameter ${JSON.stringify(pair)}`);
    const key = pair.slice(0, eq);
    const value = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    switch (key) {
      case 'timeout':
        t.connectTimeoutMs = parseGoDuration(value);
        break;
      case 'charset':
        t.charset = value.split(',')[0];
        break;
      case 'collation':
        t.charset = value.toUpperCase();
        break;
      case 'tls':
        if (value === 'true') t.ssl = { rejectUnauthorized: true };
        else if (value === 'skip-verify' || value === 'preferred') t.ssl = { rejectUnauthorized: false };
        else if (value !== 'false') throw dsnError(`tls config ${JSON.stringify(value)} is not registered`);
        break;
      // Go-only behaviour with nothing to map: time parsing, auth plugins, buffer sizes.
      case 'parseTime': case 'loc': case 'allowNativePasswords': case 'allowOldPasswords':
      case 'allowCleartextPasswords': case 'readTimeout': case 'writeTimeout': case 'clientFoundRows':
      case 'columnsWithAlias': case 'interpolateParams': case 'maxAllowedPacket': case 'multiStatements':
      case 'rejectReadOnly': case 'strict': case 'checkConnLiveness': case 'serverPubKey':
        break;
      default:
        t.ignored.push(key);
    }
  }
}

function splitHostPort(addr: string, defPort: number): { host: string; port: number } {
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close < 0) throw dsnError(`bad address ${JSON.stringify(addr)}`);
    const host = addr.slice(1, close);
    const port = addr.slice(close + 1).startsWith(':') ? parsePort(addr.slice(close + 2)) : defPort;
    return { host, port };
  }
  const colon = addr.lastIndexOf(':');
  if (colon < 0 || addr.indexOf(':') !== colon) return { host: addr, port: defPort };
  return { host: addr.slice(0, colon) || '127.0.0.1', port: parsePort(addr.slice(colon + 1)) };
}

function parsePort(s: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 65535) throw dsnError(`invalid port ${JSON.stringify(s)}`);
  return n;
}

/** Go's time.ParseDuration for the units a DSN uses (`5s`, `1m30s`, `500ms`, `1.5s`), in ms. */
export function parseGoDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== s.length) throw dsnError(`invalid duration ${JSON.stringify(s)}`);
  return Math.round(total);
}

// ---------------------------------------------------------------- PostgreSQL

/** The key/value pairs of a lib/pq connection string, from either form. */
export function pgKeyValues(source: string): Map<string, string> {
  const s = source.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return pgUrlKeyValues(s);
  return pgConninfoKeyValues(s);
}

function pgUrlKeyValues(s: string): Map<string, string> {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw dsnError('malformed URL');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw dsnError(`invalid connection protocol: ${u.protocol.slice(0, -1)}`);
  }
  const kv = new Map<string, string>();
  if (u.username) kv.set('user', decodeURIComponent(u.username));
  if (u.password) kv.set('password', decodeURIComponent(u.password));
  if (u.hostname) kv.set('host', u.hostname.replace(/^\[(.*)\]$/, '$1'));
  if (u.port) kv.set('port', u.port);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (db) kv.set('dbname', db);
  for (const [k, v] of u.searchParams) kv.set(k, v);
  return kv;
}

/** lib/pq's conninfo grammar: `key = value` pairs, values bare or single-quoted, `\` escapes. */
function pgConninfoKeyValues(s: string): Map<string, string> {
  const kv = new Map<string, string>();
  let i = 0;
  const n = s.length;
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  while (i < n) {
    while (i < n && isSpace(s[i])) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && s[i] !== '=' && !isSpace(s[i])) i++;
    const key = s.slice(keyStart, i);
    while (i < n && isSpace(s[i])) i++;
    if (s[i] !== '=') throw dsnError(`missing "=" after ${JSON.stringify(key)} in connection info string`);
    i++;
    while (i < n && isSpace(s[i])) i++;
    let value = '';
    if (s[i] === "'") {
      i++;
      let closed = false;
      while (i < n) {
        const c = s[i++]!;
        if (c === '\\' && i < n) value += s[i++];
        else if (c === "'") { closed = true; break; }
        else value += c;
      }
      if (!closed) throw dsnError('unterminated quoted string in connection info string');
    } else {
      while (i < n && !isSpace(s[i])) {
        const c = s[i++]!;
        if (c === '\\' && i < n) value += s[i++];
        else value += c;
      }
    }
    kv.set(key, value);
  }
  return kv;
}

/** Keys lib/pq handles itself; any other key is a server run-time parameter. */
const PG_CLIENT_KEYS = new Set([
  'host', 'port', 'user', 'password', 'dbname', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey',
  'sslinline', 'sslsni', 'connect_timeout', 'application_name', 'fallback_application_name',
  'disable_prepared_binary_result', 'binary_parameters', 'krbsrvname', 'krbspn',
]);

export function parsePgSource(source: string): PgTarget {
  const kv = pgKeyValues(source);
  const t: PgTarget = { ssl: false };
  const host = kv.get('host');
  if (host) t.host = host;
  const port = kv.get('port');
  if (port) t.port = parsePort(port);
  const user = kv.get('user');
  if (user !== undefined) t.user = user;
  const password = kv.get('password');
  if (password !== undefined) t.password = password;
  const db = kv.get('dbname');
  if (db) t.database = db;
  const timeout = kv.get('connect_timeout');
  if (timeout !== undefined && timeout !== '' && timeout !== '0') {
    const secs = Number(timeout);
    if (!Number.isFinite(secs) || secs < 0) throw dsnError(`invalid connect_timeout ${JSON.stringify(timeout)}`);
    t.connectTimeoutMs = secs * 1000;
  }
  const app = kv.get('application_name') ?? kv.get('fallback_application_name');
  if (app) t.applicationName = app;
  t.ssl = pgSsl(kv);
  const runtime: string[] = [];
  for (const [k, v] of kv) {
    if (!PG_CLIENT_KEYS.has(k)) runtime.push(`-c ${k}=${v.replace(/([\\ ])/g, '\\$1')}`);
  }
  if (runtime.length > 0) t.options = runtime.join(' ');
  return t;
}

/** lib/pq's sslmode: unset means `require` (unlike libpq's `prefer`). */
function pgSsl(kv: Map<string, string>): PgTarget['ssl'] {
  const mode = kv.get('sslmode') ?? 'require';
  if (mode === 'disable') return false;
  const file = (k: string): string | undefined => {
    const p = kv.get(k);
    return p ? readFileSync(p, 'utf8') : undefined;
  };
  const ssl: Exclude<PgTarget['ssl'], false> = { rejectUnauthorized: false };
  const ca = file('sslrootcert');
  const cert = file('sslcert');
  const key = file('sslkey');
  if (ca !== undefined) ssl.ca = ca;
  if (cert !== undefined) ssl.cert = cert;
  if (key !== undefined) ssl.key = key;
  switch (mode) {
    case 'require':
      return ssl;
    case 'verify-ca':
      ssl.rejectUnauthorized = true;
      ssl.checkServerIdentity = () => undefined;
      return ssl;
    case 'verify-full':
      ssl.rejectUnauthorized = true;
      return ssl;
    default:
      throw new SqlStoreError(SqlErrors.unsupportedSslMode(mode));
  }
}

// ---------------------------------------------------------------- redaction

const REDACTED = 'xxxxx';

/** The source with its password replaced, for logs and monitoring. Never throws. */
export function redactSource(driver: SqlDriver | string, source: string): string {
  if (driver === 'mysql') {
    const slash = source.lastIndexOf('/');
    const at = slash > 0 ? source.lastIndexOf('@', slash) : -1;
    if (at < 0) return source;
    const colon = source.indexOf(':');
    if (colon < 0 || colon > at) return source;
    return source.slice(0, colon + 1) + REDACTED + source.slice(at);
  }
  const s = source.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    // scheme://user:password@host — the last '@' before the path ends the password.
    const schemeEnd = s.indexOf('://') + 3;
    const pathStart = s.indexOf('/', schemeEnd);
    const auth = pathStart < 0 ? s.slice(schemeEnd) : s.slice(schemeEnd, pathStart);
    const at = auth.lastIndexOf('@');
    const colon = auth.indexOf(':');
    let out = s;
    if (at >= 0 && colon >= 0 && colon < at) {
      out = s.slice(0, schemeEnd + colon + 1) + REDACTED + s.slice(schemeEnd + at);
    }
    return out.replace(/([?&]password=)[^&]*/gi, `$1${REDACTED}`);
  }
  // key=value form: a password value may be quoted and contain escaped quotes and spaces.
  return s.replace(/(^|\s)(password\s*=\s*)('(?:\\.|[^'\\])*'?|(?:\\.|\S)*)/g, `$1$2${REDACTED}`);
}
