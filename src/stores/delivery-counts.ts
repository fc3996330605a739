/**
 * Delivery counts of pending messages: a natstream-only side record that lets
 * dead letters (`--max_deliver`) survive a restart. The Go stores have no place
 * for it, so each persistent store keeps it next to its own data without
 * touching the Go formats (docs/dead-letters.md): the file store in one extra
 * file per channel directory, the SQL store in one extra table. The memory store
 * keeps nothing (the streaming layer's in-memory counts are all it needs).
 *
 * A "unit" is what counts deliveries: `sub:<id>` for a plain or durable
 * subscription, `queue:<group>` for a queue group (members share the count).
 * The stored count is the number of redeliveries (deliveries - 1), as in
 * MsgProto.redeliveryCount; a pending message without a record was delivered once.
 */

export interface DeliveryCountRecord {
  unit: string;
  seq: number;
  count: number;
}

export interface DeliveryCounts {
  /** Every stored record (of a recovered channel). */
  load(): Promise<DeliveryCountRecord[]>;
  /** Forgets every record (a new channel: leftovers of an earlier one by that name or ID). */
  clear(): Promise<void>;
  /** Records (replaces) the count of `seq` for `unit`. Durable after `flush()`. */
  set(unit: string, seq: number, count: number): void;
  /** Forgets the count of `seq` for `unit` (acked, dead-lettered, gone). */
  remove(unit: string, seq: number): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The unit key of a plain or durable subscription. */
export function subUnit(subId: number): string {
  return `sub:${subId}`;
}

/** The unit key of a queue group (`group` or `durable:group`). */
export function queueUnit(group: string): string {
  return `queue:${group}`;
}
