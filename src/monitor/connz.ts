/**
 * /connz: client connections, open and recently closed (nats-server `Connz`,
 * `ConnzOptions`, `ConnInfo`; sort semantics of monitor_sort_opts.go).
 */
import type { ClientConnection } from '../nats/connection.js';
import type { ClosedConnection, NatsServer } from '../nats/server.js';
import { MonitorText } from './errors.js';
import type { GoJsonValue } from './go-json.js';
import { formatGoTime, goDurationNs, goUptime, msToNs } from './go-time.js';
import { BadQuery, DEFAULT_LIST_LIMIT, Query, decodeBool, decodeInt, decodeUint64, pageBounds } from './query.js';

export type ConnState = 'open' | 'closed' | 'all';

export interface ConnzOptions {
  sort: string;
  /** Include `authorized_user`. */
  auth: boolean;
  subs: boolean;
  subsDetail: boolean;
  offset: number;
  limit: number;
  /** 0 = every connection. */
  cid: number;
  state: ConnState;
  user: string;
  acc: string;
  mqttClient: string;
}

export const defaultConnzOptions: ConnzOptions = {
  sort: '', auth: false, subs: false, subsDetail: false, offset: 0, limit: 0, cid: 0,
  state: 'open', user: '', acc: '', mqttClient: '',
};

/** Decodes the query in nats-server's order; throws BadQuery (400, not counted in http_req_stats). */
export function parseConnzQuery(q: Query): ConnzOptions {
  const sort = q.get('sort');
  const auth = decodeBool(q, 'auth');
  const subsDetail = q.get('subs').toLowerCase() === 'detail';
  const subs = subsDetail ? false : decodeBool(q, 'subs');
  const offset = decodeInt(q, 'offset');
  const limit = decodeInt(q, 'limit');
  const cid = decodeUint64(q, 'cid');
  const state = decodeState(q.get('state'));
  return { sort, auth, subs, subsDetail, offset, limit, cid, state, user: q.get('user'), acc: q.get('acc'), mqttClient: q.get('mqtt_client') };
}

function decodeState(s: string): ConnState {
  if (s === '') return 'open';
  switch (s.toLowerCase()) {
    case 'open': return 'open';
    case 'closed': return 'closed';
    case 'any':
    case 'all': return 'all';
  }
  throw new BadQuery(MonitorText.decodeState(s));
}

const SORTS = new Set(['', 'cid', 'start', 'subs', 'pending', 'msgs_to', 'msgs_from', 'bytes_to', 'bytes_from', 'last', 'idle', 'uptime', 'stop', 'reason', 'rtt']);

interface SubInfo {
  subject: string;
  queue: string;
  sid: string;
  msgs: number;
  max: number;
}

/** One connection, open or closed, with what sorting and the document need. */
interface ConnRow {
  cid: number;
  ip: string;
  port: number;
  start: number;
  last: number;
  /** Closed connections only. */
  stop?: number;
  reason?: string;
  rttMs: number;
  pending: number;
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  numSubs: number;
  name: string;
  lang: string;
  version: string;
  user: string;
  tlsVersion?: string;
  tlsCipher?: string;
  subs: () => SubInfo[];
}

/** Builds the document; throws BadQuery for option combinations Go rejects (400, counted). */
export function buildConnz(core: NatsServer, opts: ConnzOptions, now: number): GoJsonValue {
  if (!SORTS.has(opts.sort)) throw new BadQuery(MonitorText.invalidSort(opts.sort));
  const sort = opts.sort === '' ? 'cid' : opts.sort;
  if (sort === 'stop' && opts.state !== 'closed') throw new BadQuery(MonitorText.sortByStopNotClosed);
  if (sort === 'reason' && opts.state !== 'closed') throw new BadQuery(MonitorText.sortByReasonNotClosed);
  const offset = Math.max(0, opts.offset);
  const limit = opts.cid > 0 ? 1 : opts.limit > 0 ? opts.limit : DEFAULT_LIST_LIMIT;
  const head = { server_id: core.serverId, now: formatGoTime(now) };

  // Connections live in the global account; $SYS has none; any other account does not exist.
  if (opts.acc !== '' && opts.acc !== '$G') {
    const known = opts.acc === '$SYS';
    return { ...head, num_connections: 0, total: 0, offset, limit, connections: known ? [] : null };
  }

  const open = opts.state === 'closed' ? [] : [...core.connections.values()];
  const closed = opts.state === 'open' ? [] : core.closed;
  const total = open.length + closed.length;

  let rows: ConnRow[] = [];
  if (opts.cid > 0) {
    const c = opts.state !== 'closed' ? core.connections.get(opts.cid) : undefined;
    if (c !== undefined) rows.push(openRow(c, core));
    else if (opts.state !== 'open') {
      const cc = closed.find((x) => x.cid === opts.cid);
      if (cc !== undefined) rows.push(closedRow(cc));
    }
  } else {
    for (const c of open) rows.push(openRow(c, core));
    for (const cc of closed) rows.push(closedRow(cc));
  }
  if (opts.user !== '') rows = rows.filter((r) => r.user === opts.user);
  // natstream speaks no MQTT: no connection has an MQTT client id.
  if (opts.mqttClient !== '') rows = [];

  sortRows(rows, sort, now);
  const [min, max] = pageBounds(offset, limit, rows.length);
  const page = rows.slice(min, max);
  return {
    ...head,
    num_connections: page.length,
    total,
    offset,
    limit,
    connections: page.map((r) => connInfo(r, opts, now)),
  };
}

function openRow(c: ClientConnection, core: NatsServer): ConnRow {
  const row: ConnRow = {
    cid: c.cid, ip: c.remoteAddress, port: c.remotePort, start: c.start.getTime(), last: c.lastActivity,
    rttMs: c.rtt, pending: c.pendingBytes, inMsgs: c.inMsgs, outMsgs: c.outMsgs, inBytes: c.inBytes,
    outBytes: c.outBytes, numSubs: c.subs.size, name: c.opts.name, lang: c.opts.lang, version: c.opts.version,
    user: authorizedUser(c, core),
    subs: () => [...c.subs.values()].map((s) => ({ subject: s.subject, queue: s.queue, sid: s.sid, msgs: s.delivered, max: s.max })),
  };
  const socket = c.socket as { getProtocol?: () => string | null; getCipher?: () => { standardName?: string; name: string } };
  if (typeof socket.getProtocol === 'function') {
    row.tlsVersion = tlsVersion(socket.getProtocol());
    const cipher = socket.getCipher?.();
    if (cipher) row.tlsCipher = cipher.standardName ?? cipher.name;
  }
  return row;
}

/** What a closed-connection snapshot may carry beyond the required fields. */
type ClosedSnapshot = ClosedConnection & {
  lastActivity?: Date | number;
  user?: string;
  subs?: SubInfo[];
};

function closedRow(cc: ClosedSnapshot): ConnRow {
  const stop = cc.stop.getTime();
  const last = cc.lastActivity === undefined ? stop : typeof cc.lastActivity === 'number' ? cc.lastActivity : cc.lastActivity.getTime();
  const subs = cc.subs ?? cc.subjects.map((subject) => ({ subject, queue: '', sid: '', msgs: 0, max: 0 }));
  return {
    cid: cc.cid, ip: cc.ip, port: cc.port, start: cc.start.getTime(), last, stop, reason: cc.reason,
    rttMs: cc.rtt, pending: 0, inMsgs: cc.inMsgs, outMsgs: cc.outMsgs, inBytes: cc.inBytes, outBytes: cc.outBytes,
    numSubs: subs.length, name: cc.name, lang: cc.lang, version: cc.version, user: cc.user ?? '',
    subs: () => subs,
  };
}

/** The user name a connection authenticated as; a token is never shown. */
function authorizedUser(c: ClientConnection, core: NatsServer): string {
  if (c.user !== '') return c.user;
  if (core.options.authToken && c.authorized && core.auth.required) return '[REDACTED]';
  return '';
}

function tlsVersion(protocol: string | null): string | undefined {
  switch (protocol) {
    case 'TLSv1.3': return '1.3';
    case 'TLSv1.2': return '1.2';
    case 'TLSv1.1': return '1.1';
    case 'TLSv1': return '1.0';
    default: return protocol ?? undefined;
  }
}

/** Go sorts an unordered map snapshot; ties here keep ascending cid. */
function sortRows(rows: ConnRow[], sort: string, now: number): void {
  rows.sort((a, b) => a.cid - b.cid);
  const desc = (f: (r: ConnRow) => number) => rows.sort((a, b) => f(b) - f(a));
  switch (sort) {
    case 'subs': return void desc((r) => r.numSubs);
    case 'pending': return void desc((r) => r.pending);
    case 'msgs_to': return void desc((r) => r.outMsgs);
    case 'msgs_from': return void desc((r) => r.inMsgs);
    case 'bytes_to': return void desc((r) => r.outBytes);
    case 'bytes_from': return void desc((r) => r.inBytes);
    case 'last': return void desc((r) => r.last);
    // nats-server 2.9 ranks "idle" by the span between start and last activity.
    case 'idle': return void desc((r) => r.last - r.start);
    case 'uptime': return void rows.sort((a, b) => ((a.stop ?? now) - a.start) - ((b.stop ?? now) - b.start));
    case 'stop': return void desc((r) => r.stop ?? 0);
    case 'reason': return void rows.sort((a, b) => ((a.reason ?? '') < (b.reason ?? '') ? -1 : (a.reason ?? '') > (b.reason ?? '') ? 1 : 0));
    case 'rtt': return void desc((r) => r.rttMs);
  }
}

function connInfo(r: ConnRow, opts: ConnzOptions, now: number): GoJsonValue {
  const until = r.stop ?? now;
  const subs = opts.subs || opts.subsDetail ? r.subs() : [];
  return {
    cid: r.cid,
    kind: 'Client',
    type: 'nats',
    ip: r.ip,
    port: r.port,
    start: formatGoTime(r.start),
    last_activity: formatGoTime(r.last),
    stop: r.stop === undefined ? undefined : formatGoTime(r.stop),
    reason: r.reason || undefined,
    rtt: goDurationNs(msToNs(r.rttMs)),
    uptime: goUptime(until - r.start),
    idle: goUptime(until - r.last),
    pending_bytes: r.pending,
    in_msgs: r.inMsgs,
    out_msgs: r.outMsgs,
    in_bytes: r.inBytes,
    out_bytes: r.outBytes,
    subscriptions: r.numSubs,
    name: r.name || undefined,
    lang: r.lang || undefined,
    version: r.version || undefined,
    tls_version: r.tlsVersion,
    tls_cipher_suite: r.tlsCipher,
    authorized_user: opts.auth && r.user !== '' ? r.user : undefined,
    subscriptions_list: opts.subs && subs.length > 0 ? subs.map((s) => s.subject) : undefined,
    subscriptions_list_detail:
      opts.subsDetail && subs.length > 0
        ? subs.map((s) => ({ subject: s.subject, qgroup: s.queue || undefined, sid: s.sid, msgs: s.msgs, max: s.max > 0 ? s.max : undefined, cid: r.cid }))
        : undefined,
  };
}
