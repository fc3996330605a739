/**
 * The JetStream store's delivery counts (see ../delivery-counts.ts): a KV bucket
 * of their own, `STAN_<cluster>__deliveries` (`__` never occurs inside an
 * encoded name), made on first use, so the bucket of clients and subscriptions
 * keeps only the keys its recovery knows. One record per channel (the encoded
 * channel name), the JSON list of `[unit, seq, count]`: counts exist only for
 * messages redelivered and not yet acked, so the record stays small and is
 * rewritten whole at each flush.
 */
import type { KV } from 'nats';

import type { DeliveryCountRecord, DeliveryCounts } from '../delivery-counts.js';
import { bucketName, encodeName } from './names.js';

export function deliveryCountsBucket(clusterId: string): string {
  return `${bucketName(clusterId)}__deliveries`;
}

export class JetStreamDeliveryCounts implements DeliveryCounts {
  /** `<seq> <unit>` → count. */
  private readonly live = new Map<string, DeliveryCountRecord>();
  private dirty = false;
  private writing: Promise<void> = Promise.resolve();
  private readonly key: string;

  constructor(private readonly kv: KV, channel: string) {
    this.key = encodeName(channel);
  }

  async load(): Promise<DeliveryCountRecord[]> {
    const e = await this.kv.get(this.key);
    this.live.clear();
    if (e === null || e.operation !== 'PUT' || e.value.length === 0) return [];
    for (const [unit, seq, count] of JSON.parse(new TextDecoder().decode(e.value)) as Array<[string, number, number]>) {
      this.live.set(`${seq} ${unit}`, { unit, seq, count });
    }
    return [...this.live.values()];
  }

  async clear(): Promise<void> {
    this.live.clear();
    this.dirty = false;
    await this.writing.catch(() => undefined);
    await this.kv.purge(this.key);
  }

  set(unit: string, seq: number, count: number): void {
    this.live.set(`${seq} ${unit}`, { unit, seq, count });
    this.dirty = true;
  }

  remove(unit: string, seq: number): void {
    if (this.live.delete(`${seq} ${unit}`)) this.dirty = true;
  }

  flush(): Promise<void> {
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const body = JSON.stringify([...this.live.values()].map((r) => [r.unit, r.seq, r.count]));
    this.writing = this.writing.then(async () => { await this.kv.put(this.key, new TextEncoder().encode(body)); });
    return this.writing;
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
  }
}
