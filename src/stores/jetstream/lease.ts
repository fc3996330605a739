/**
 * Who is the active natstream of a cluster ID (`--clustered` with the JETSTREAM
 * store): a lease in its own KV bucket (`STAN_<enc(clusterID)>_lease`, key
 * `active`), whose bucket TTL makes a dead holder's lease expire by itself.
 *
 * - Acquire: `create` — succeeds only when no live lease exists.
 * - Renew: every ttl/4, `update` on the revision of the holder's last write; a
 *   renewal refused (someone else holds it) or missing for too long loses it.
 * - Fence: `holds()` is true only while the last successful renewal was *sent*
 *   less than ttl*3/4 ago. The server cannot expire the lease before ttl after it
 *   stored that renewal, so the holder stops answering clients before anyone else
 *   can acquire. The store checks it before every acknowledgement and KV write; a
 *   writer that still slips through (a process paused between the check and the
 *   write) is refused by the stream's expected-sequence and the KV revisions.
 */

import type { KV, NatsConnection } from 'nats';

import { errorText } from './context.js';
import { encodeJson } from './kv-records.js';
import { encodeName } from './names.js';

const KEY = 'active';

export const DEFAULT_LEASE_TTL_MS = 2000;

export class JsLease {
  private rev = 0;
  private okSentAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private lost: ((why: string) => void) | undefined;

  private constructor(private readonly kv: KV, readonly nodeId: string, readonly ttlMs: number) {}

  /** `replicas` applies when the bucket is made (the first node to start makes it). */
  static async open(nc: NatsConnection, clusterId: string, nodeId: string, ttlMs = DEFAULT_LEASE_TTL_MS, replicas = 1, domain?: string): Promise<JsLease> {
    // a request slower than half the TTL is of no use to a lease (a renewal sent
    // that long ago no longer fences): fail it and try again
    const js = nc.jetstream({ timeout: Math.max(500, Math.floor(ttlMs / 2)), ...(domain ? { domain } : {}) });
    const kv = await js.views.kv(`STAN_${encodeName(clusterId)}_lease`, { history: 1, ttl: ttlMs, replicas });
    return new JsLease(kv, nodeId, ttlMs);
  }

  /** True when this node now holds the lease (it was free); false when another node holds it. */
  async tryAcquire(): Promise<boolean> {
    const sentAt = performance.now();
    try {
      this.rev = await this.kv.create(KEY, encodeJson({ nodeId: this.nodeId, since: new Date().toISOString() }));
    } catch {
      return false;
    }
    this.okSentAt = sentAt;
    return true;
  }

  /** The node that holds the lease now, if any (for logs). */
  async holder(): Promise<string | undefined> {
    const e = await this.kv.get(KEY).catch(() => null);
    if (e === null || e.operation !== 'PUT') return undefined;
    try {
      return (JSON.parse(new TextDecoder().decode(e.value)) as { nodeId?: string }).nodeId;
    } catch {
      return '?';
    }
  }

  /** Renews until stopped; `onLost` is called once when the lease is lost. */
  keep(onLost: (why: string) => void): void {
    this.lost = onLost;
    const period = Math.max(50, Math.floor(this.ttlMs / 4));
    this.timer = setInterval(() => { void this.renew(); }, period);
  }

  private async renew(): Promise<void> {
    const sentAt = performance.now();
    try {
      this.rev = await this.kv.update(KEY, encodeJson({ nodeId: this.nodeId, since: new Date().toISOString() }), this.rev);
      this.okSentAt = sentAt;
    } catch (err) {
      this.lose(`lease renewal refused: ${errorText(err)}`);
      return;
    }
    if (!this.holds()) this.lose('lease renewal too late');
  }

  /** The fence: true while no other node can have acquired the lease. */
  holds(): boolean {
    return this.rev !== 0 && performance.now() - this.okSentAt < (this.ttlMs * 3) / 4;
  }

  private lose(why: string): void {
    this.stopRenewing();
    this.rev = 0;
    const cb = this.lost;
    this.lost = undefined;
    cb?.(why);
  }

  private stopRenewing(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Gives the lease up (a clean shutdown lets a standby take over at once). */
  async release(): Promise<void> {
    this.stopRenewing();
    this.lost = undefined;
    if (this.rev === 0) return;
    const rev = this.rev;
    this.rev = 0;
    await this.kv.delete(KEY, { previousSeq: rev }).catch(() => undefined);
  }
}
