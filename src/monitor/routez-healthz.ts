/** /routez and /healthz: natstream has no cluster routes; health is the core's readiness. */
import type { NatsServer } from '../nats/server.js';
import type { GoJsonValue } from './go-json.js';
import { formatGoTime } from './go-time.js';
import { Query, decodeBool } from './query.js';

/** nats-server 2.9.10 shape: no `server_name`. `subs` is decoded only to reject bad values. */
export function buildRoutez(core: NatsServer, q: Query, now: number): GoJsonValue {
  if (q.get('subs').toLowerCase() !== 'detail') decodeBool(q, 'subs');
  return { server_id: core.serverId, now: formatGoTime(now), num_routes: 0, routes: [] };
}

export interface Health {
  ok: boolean;
  doc: GoJsonValue;
}

/** The JetStream options are decoded (bad values are a 400) and otherwise have no effect. */
export function buildHealthz(core: NatsServer, q: Query): Health {
  decodeBool(q, 'js-enabled');
  decodeBool(q, 'js-enabled-only');
  decodeBool(q, 'js-server-only');
  if (core.port === 0) return { ok: false, doc: { status: 'unavailable', error: 'server not listening for client connections' } };
  return { ok: true, doc: { status: 'ok' } };
}
