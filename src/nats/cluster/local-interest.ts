import type { Subscription } from '../subscription.js';
import type { RouteConnection } from './route.js';

/**
 * This server's own interest as the routes see it (nats-server's account
 * `rm` map): one count per subject, and per subject and queue group.
 * A plain subject is announced when its count goes 0 -> 1 and withdrawn at
 * 1 -> 0; a queue group is announced again at each change, with the count as
 * its weight, so that the peers pick its members in proportion.
 */
export class LocalInterest {
  /** `subject` or `subject queue` -> number of local subscriptions. */
  private readonly counts = new Map<string, number>();

  /** Applies one local insert or removal; tells every route when the announcement changes. */
  update(sub: Subscription, added: boolean, routes: Iterable<RouteConnection>): void {
    const queue = sub.queue;
    const key = queue === '' ? sub.subject : `${sub.subject} ${queue}`;
    const n = (this.counts.get(key) ?? 0) + (added ? 1 : -1);
    if (n <= 0) {
      if (!this.counts.delete(key)) return;
      for (const r of routes) r.sendUnsub(sub.subject, queue);
      return;
    }
    this.counts.set(key, n);
    if (queue === '' && n !== 1) return;
    if (queue === '' && !added) return;
    for (const r of routes) r.sendSub(sub.subject, queue, n);
  }

  /** Everything, to a route that just registered. */
  sendAll(route: RouteConnection): void {
    for (const [key, n] of this.counts) {
      const sp = key.indexOf(' ');
      if (sp < 0) route.sendSub(key, '', 0);
      else route.sendSub(key.slice(0, sp), key.slice(sp + 1), n);
    }
  }

  get size(): number {
    return this.counts.size;
  }
}
