/**
 * Message fan-out when the server is part of a cluster (nats-server
 * client.go processMsgResults). Kept apart from NatsServer.route() so that
 * a single server pays nothing for clustering.
 *
 * - From a client (or the in-process transport): every local subscription;
 *   one RMSG per route that announced a matching plain subject; for each
 *   queue group one member chosen among local members and the routes'
 *   weighted members, and when that member is behind a route the group's
 *   name rides in that route's RMSG.
 * - From a route: local plain subscriptions only (one hop: never on to
 *   another route), and the queue groups the RMSG names, local members only.
 */
import type { ClientConnection } from '../connection.js';
import type { NatsServer } from '../server.js';
import type { Subscription } from '../subscription.js';
import type { RouteConnection } from './route.js';

/** Per message, the routes to send to and the queue groups each carries. Reused: fan-out is synchronous. */
const targetRoutes: RouteConnection[] = [];
const targetQueues: (string[] | null)[] = [];

export function routeFromLocal(
  server: NatsServer, from: ClientConnection | null, subject: string, reply: string, headerSize: number, payload: Uint8Array,
): void {
  server.inMsgs++;
  server.inBytes += payload.length;
  const result = server.sublist.match(subject);
  const noEcho = from !== null && !from.opts.echo;
  let delivered = false;
  targetRoutes.length = 0;
  targetQueues.length = 0;
  for (const sub of result.psubs) {
    const route = sub.route;
    if (route !== undefined) {
      if (!route.closed && targetRoutes.indexOf(route) < 0) {
        targetRoutes.push(route);
        targetQueues.push(null);
      }
      continue;
    }
    if (noEcho && sub.conn === from) continue;
    server.deliver(sub, subject, reply, headerSize, payload);
    delivered = true;
  }
  for (const members of result.qsubs) {
    const sub = pickWeighted(members, noEcho ? from : null);
    if (sub === null) continue;
    const route = sub.route;
    if (route === undefined) {
      server.deliver(sub, subject, reply, headerSize, payload);
      delivered = true;
      continue;
    }
    let i = targetRoutes.indexOf(route);
    if (i < 0) {
      i = targetRoutes.length;
      targetRoutes.push(route);
      targetQueues.push(null);
    }
    (targetQueues[i] ??= []).push(sub.queue);
  }
  const n = targetRoutes.length;
  for (let i = 0; i < n; i++) {
    targetRoutes[i].sendMsg(subject, reply, targetQueues[i], headerSize, payload);
    server.outMsgs++;
    server.outBytes += payload.length;
  }
  if (n > 0) delivered = true;
  targetRoutes.length = 0;
  targetQueues.length = 0;
  if (!delivered && reply !== '' && from !== null && from.opts.noResponders && from.headers) {
    from.sendNoResponders(reply);
  }
}

export function routeFromRoute(
  server: NatsServer, subject: string, reply: string, queues: string[] | null, headerSize: number, payload: Uint8Array,
): void {
  server.inMsgs++;
  server.inBytes += payload.length;
  const result = server.sublist.match(subject);
  for (const sub of result.psubs) {
    if (sub.route !== undefined) continue;
    server.deliver(sub, subject, reply, headerSize, payload);
  }
  if (queues === null) return;
  for (const members of result.qsubs) {
    if (members.length === 0 || !queues.includes(members[0].queue)) continue;
    const sub = pickLocal(members);
    if (sub !== null) server.deliver(sub, subject, reply, headerSize, payload);
  }
}

/** One member, local ones counting 1 and a route's member its announced weight; null when none can take it. */
function pickWeighted(members: readonly Subscription[], skipConn: ClientConnection | null): Subscription | null {
  let total = 0;
  for (const m of members) {
    if (m.closed || (skipConn !== null && m.conn === skipConn)) continue;
    total += m.route !== undefined ? (m.weight ?? 1) : 1;
  }
  if (total === 0) return null;
  let r = Math.floor(Math.random() * total);
  for (const m of members) {
    if (m.closed || (skipConn !== null && m.conn === skipConn)) continue;
    const w = m.route !== undefined ? (m.weight ?? 1) : 1;
    if (r < w) return m;
    r -= w;
  }
  return null;
}

function pickLocal(members: readonly Subscription[]): Subscription | null {
  const n = members.length;
  let i = Math.floor(Math.random() * n);
  for (let tries = 0; tries < n; tries++, i = (i + 1) % n) {
    const m = members[i];
    if (!m.closed && m.route === undefined) return m;
  }
  return null;
}
