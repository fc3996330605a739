/**
 * The default streaming suite: 1 publisher -> 1 subscriber, 128 B, on every
 * store, async and sync publish, with the Go nats-streaming-server figures the
 * issues quote for the same shape (measured elsewhere, with the Go bench client).
 */
import type { StoreKind } from './stores.js';

export interface Reference {
  /** Publishes per second of the Go server. */
  pubPerSec: number;
  source: string;
}

export interface Scenario {
  name: string;
  label: string;
  store: StoreKind;
  /** For the file store: -file_sync (fsync before the PubAck). */
  fileSync: boolean;
  /** Sync publish: one PubAck awaited before the next publish. */
  sync: boolean;
  count: number;
  reference: Reference | null;
}

const ISSUE_3 = 'issue 3 (Go stan bench, memory store)';
const ISSUE_4 = 'issue 4 (Go stan bench, file store, sync on)';
const ISSUE_5 = 'issue 5 (Go stan bench, PostgreSQL)';

/**
 * Counts are sized for a default run (3 runs, warm-up included) of about
 * three minutes on 2 shared cores; `scale` multiplies them.
 */
export function defaultScenarios(scale: number): Scenario[] {
  const n = (base: number): number => Math.max(10, Math.round(base * scale));
  const s = (name: string, label: string, store: StoreKind, fileSync: boolean, sync: boolean, count: number, reference: Reference | null): Scenario => ({
    name, label, store, fileSync, sync, count: n(count), reference,
  });
  return [
    s('memory-async', 'memory, async publish', 'memory', false, false, 100_000, { pubPerSec: 172_000, source: ISSUE_3 }),
    s('memory-sync', 'memory, sync publish', 'memory', false, true, 4_000, { pubPerSec: 8_800, source: ISSUE_3 }),
    s('file-async', 'file -file_sync=true, async', 'file', true, false, 80_000, { pubPerSec: 105_000, source: ISSUE_4 }),
    s('file-async-nosync', 'file -file_sync=false, async', 'file', false, false, 80_000, null),
    s('file-sync', 'file -file_sync=true, sync publish', 'file', true, true, 1_000, { pubPerSec: 1_200, source: ISSUE_4 }),
    s('postgres-async', 'PostgreSQL, async publish', 'postgres', false, false, 30_000, { pubPerSec: 12_300, source: ISSUE_5 }),
    s('postgres-sync', 'PostgreSQL, sync publish', 'postgres', false, true, 1_000, { pubPerSec: 634, source: ISSUE_5 }),
    s('mysql-async', 'MariaDB, async publish', 'mysql', false, false, 30_000, null),
    s('mysql-sync', 'MariaDB, sync publish', 'mysql', false, true, 1_000, null),
  ];
}
