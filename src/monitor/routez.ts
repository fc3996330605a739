/** /routez: nats-server 2.9.10's Routez document over the core's routes (src/nats/cluster/). */
import type { RouteConnection } from '../nats/cluster/route.js';
import type { NatsServer } from '../nats/server.js';
import type { GoJsonValue } from './go-json.js';
import { formatGoTime, goDurationNs, goUptime, msToNs } from './go-time.js';
import { Query, decodeBool } from './query.js';

/** `subs=1` lists the subjects each route announced, `subs=detail` one object per subscription. No `server_name` in 2.9.10. */
export function buildRoutez(core: NatsServer, q: Query, now: number): GoJsonValue {
  const detail = q.get('subs').toLowerCase() === 'detail';
  const list = detail || decodeBool(q, 'subs');
  const routes = core.cluster ? [...core.cluster.routes.values()] : [];
  return {
    server_id: core.serverId,
    now: formatGoTime(now),
    num_routes: routes.length,
    routes: routes.map((r) => routeInfo(r, list, detail, now)),
  };
}

function routeInfo(r: RouteConnection, list: boolean, detail: boolean, now: number): GoJsonValue {
  const subs = [...r.subs.values()];
  const doc: Record<string, GoJsonValue> = {
    rid: r.rid,
    remote_id: r.remoteId,
    did_solicit: r.didSolicit,
    is_configured: r.isConfigured,
    ip: r.remoteAddress,
    port: r.remotePort,
    start: formatGoTime(r.start.getTime()),
    last_activity: formatGoTime(r.lastActivity),
  };
  if (r.rtt > 0) doc.rtt = goDurationNs(msToNs(r.rtt));
  doc.uptime = goUptime(now - r.start.getTime());
  doc.idle = goUptime(now - r.lastActivity);
  doc.pending_size = r.pendingBytes;
  doc.in_msgs = r.inMsgs;
  doc.out_msgs = r.outMsgs;
  doc.in_bytes = r.inBytes;
  doc.out_bytes = r.outBytes;
  doc.subscriptions = subs.length;
  if (detail && subs.length > 0) {
    doc.subscriptions_list_detail = subs.map((s) => {
      const d: Record<string, GoJsonValue> = { subject: s.subject };
      if (s.queue !== '') d.qgroup = s.queue;
      d.sid = s.sid;
      d.msgs = s.delivered;
      d.cid = r.rid;
      return d;
    });
  } else if (list && subs.length > 0) {
    doc.subscriptions_list = subs.map((s) => s.subject);
  }
  return doc;
}
