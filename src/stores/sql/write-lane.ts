/**
 * The one ordered path by which the SQL store writes: group commit of everything
 * the hot path recorded, plus the occasional single write (a subscription, a
 * client, a channel), one after the other.
 *
 * Group commit: `store()`, `addSeqPending()` and `ackSeqPending()` only record in
 * memory and mark their store dirty. `flush()` queues one commit; every flush()
 * called before that commit starts shares it, so a burst of concurrent
 * publishes costs one transaction, and each caller's promise resolves after the
 * COMMIT that holds its writes ("acked means stored").
 *
 * Outages: when a commit fails (database down, connection lost, COMMIT reply
 * lost), the messages in it are dropped: their publishers get the error, and
 * the message store forgets them (see SqlMsgStore.flush). Subscription parts
 * (pending/acks) are kept and run again, first, in the next commit; those parts
 * are idempotent (INSERT ... ON CONFLICT DO NOTHING / INSERT IGNORE, deletes by
 * key), so a retry after a COMMIT that did land changes nothing. Messages are
 * never retried, so their INSERT is a plain one, as in the Go server: a row
 * already holding that sequence (another writer) fails the commit loudly
 * instead of being skipped and acknowledged. Until a commit
 * succeeds the lane reports `unavailable` (the message store then refuses new
 * messages at once) and retries in the background every second, so the server
 * carries on without a restart when the database is back.
 */
import type { Logger } from '../../util/logger.js';
import type { Db } from './db.js';
import type { BuiltStatement } from './statements.js';
import { SqlErrors, SqlStoreError } from './errors.js';

/** Writes one store recorded since its last batch; run inside the commit's transaction. */
export interface BatchPart {
  /** Its statements, run in order in the commit's transaction. */
  statements(): BuiltStatement[];
  /** Called once the transaction holding this part committed. */
  committed(): void;
  /**
   * The transaction holding this part failed. Return true to drop the part (its
   * writers are told it failed), false to keep it for the next commit.
   */
  failed(err: Error): boolean;
}

/** A message or subscription store with recorded, unwritten changes. */
export interface BatchSource {
  /** Moves everything recorded so far into `parts` (or nothing). */
  takeBatch(parts: BatchPart[]): void;
}

const BACKGROUND_FLUSH_MS = 1000;

export class WriteLane {
  private tail: Promise<unknown> = Promise.resolve();
  private queuedFlush: Promise<void> | null = null;
  private retained: BatchPart[] = [];
  private readonly dirty = new Set<BatchSource>();
  private timer: NodeJS.Timeout | undefined;
  private down: Error | null = null;
  private closed = false;

  constructor(private readonly db: Db, private readonly log: Logger) {}

  /** Why the last commit failed, while the database has not answered since; else null. */
  get unavailable(): Error | null {
    return this.down;
  }

  markDirty(src: BatchSource): void {
    this.dirty.add(src);
    this.armTimer();
  }

  /** Resolves after a COMMIT holding everything recorded before this call. */
  flush(): Promise<void> {
    if (this.queuedFlush !== null) return this.queuedFlush;
    const p = this.enqueue(() => {
      this.queuedFlush = null;
      return this.commit();
    });
    this.queuedFlush = p;
    return p;
  }

  /**
   * Runs `fn` in order with every other write, after everything recorded before
   * it is committed (so a delete never precedes the inserts it should remove).
   */
  write<T>(fn: () => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      await this.commit();
      try {
        return await fn();
      } catch (err) {
        throw this.failure(err, false);
      }
    });
  }

  /** Waits for every queued write and stops the background timer. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      await this.tail;
    }
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const p = this.tail.then(op);
    this.tail = p.catch(() => undefined);
    return p;
  }

  private async commit(): Promise<void> {
    const parts = this.retained;
    this.retained = [];
    for (const src of this.dirty) src.takeBatch(parts);
    this.dirty.clear();
    if (parts.length === 0) {
      if (this.down !== null) {
        try {
          await this.db.ping();
        } catch (err) {
          throw this.failure(err, true);
        }
        this.up();
      }
      return;
    }
    const stmts: BuiltStatement[] = [];
    for (const part of parts) for (const st of part.statements()) stmts.push(st);
    try {
      if (stmts.length === 1) {
        // One statement is atomic on its own: one round trip instead of three.
        await this.db.exec(stmts[0]!.sql, stmts[0]!.params);
      } else {
        await this.db.transaction(async (tx) => {
          for (const st of stmts) await tx.exec(st.sql, st.params);
        });
      }
    } catch (err) {
      const e = this.failure(err, true);
      // No later commit can have started: keeping the order is keeping the list.
      this.retained = parts.filter((p) => !p.failed(e));
      throw e;
    }
    for (const part of parts) part.committed();
    this.up();
  }

  private failure(err: unknown, connectionLevel: boolean): Error {
    const e = err instanceof Error ? err : new Error(String(err));
    if (e instanceof SqlStoreError) return e;
    if (connectionLevel || isConnectionError(e)) {
      if (this.down === null) this.log.error(SqlErrors.unavailable(e.message));
      this.down = e;
      this.armTimer();
      return new SqlStoreError(SqlErrors.unavailable(e.message));
    }
    return e;
  }

  private up(): void {
    if (this.down !== null) {
      this.down = null;
      this.log.notice('sql: store available again');
    }
  }

  private armTimer(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      this.flush().then(
        () => { if (this.dirty.size > 0 || this.retained.length > 0) this.armTimer(); },
        () => this.armTimer(),
      );
    }, BACKGROUND_FLUSH_MS);
    this.timer.unref();
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR', 'PROTOCOL_SEQUENCE_TIMEOUT',
  // PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
  '57P01', '57P02', '57P03', '53300',
]);

/** Whether `err` says the database could not be reached (rather than refused a statement). */
export function isConnectionError(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Pool is closed|closed state/i
    .test(err.message);
}
