/** /healthz: health is the core's readiness. /routez is built in routez.ts. */
export { buildRoutez } from './routez.js';
import type { NatsServer } from '../nats/server.js';
import type { GoJsonValue } from './go-json.js';
import { Query, decodeBool } from './query.js';

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
