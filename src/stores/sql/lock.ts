/**
 * The fault-tolerance store lock in the StoreLock table (spec stores.md §5.3):
 * one row (owner id, tick), the same rows and statements as the Go server's, so
 * Go servers and natstream can share one FT group. The owner bumps the tick
 * every interval; a candidate takes the lock over once it has seen the row
 * stand still for three check intervals (3 x 1.5 s). A clean close writes
 * id='' so a standby can take over at once.
 *
 * A standby may `watch()` the row while it waits: the stillness it observed
 * before the active server's heartbeats stopped then counts, so a takeover
 * needs the same 4.5 s of a motionless row as the Go server, but from the
 * owner's last update rather than from the missed heartbeat.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../util/logger.js';
import { num, str, type Db } from './db.js';
import type { Statements } from './statements.js';

const LOST_COUNT = 3;
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function nuidLike(): string {
  let id = '';
  for (const b of randomBytes(22)) id += DIGITS[b % DIGITS.length];
  return id;
}

export class SqlStoreLock {
  /** The Go server's owner id is a NUID: 22 characters of [0-9A-Za-z], in VARCHAR(30). */
  readonly id = nuidLike();
  private owner = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  private watchTimer: NodeJS.Timeout | undefined;
  /** The row as last observed, and since when it has looked like that. */
  private seen: { holder: string; tick: number; since: number } | null = null;

  constructor(
    private readonly db: Db,
    private readonly stmts: Statements,
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly onLost: (why: string) => void,
  ) {}

  get isOwner(): boolean {
    return this.owner;
  }

  async tryAcquire(): Promise<boolean> {
    if (this.owner) return true;
    if (this.closed) return false;
    const stealAfter = this.intervalMs * 1.5 * LOST_COUNT;
    let r = await this.acquire(false);
    while (!r.has) {
      const seen = this.observe(r.holder, r.tick);
      const stillFor = Date.now() - seen.since;
      if (stillFor >= stealAfter) {
        r = await this.acquire(true);
        if (r.has && this.log.debugEnabled) {
          this.log.debug(`ft: store lock taken over from ${seen.holder} (tick ${seen.tick} did not move for ${stillFor} ms)`);
        }
        break;
      }
      await new Promise((res) => setTimeout(res, Math.min(this.intervalMs * 1.5, stealAfter - stillFor)));
      if (this.closed) return false;
      r = await this.acquire(false);
      // The owner is alive when the row moved: not acquired, back to standby.
      if (!r.has && (r.holder !== seen.holder || r.tick !== seen.tick)) {
        this.observe(r.holder, r.tick);
        return false;
      }
    }
    this.stopWatching();
    this.startUpdating();
    return true;
  }

  /** Samples the row every `periodMs` while this server waits as a standby. */
  watch(periodMs = 500): void {
    if (this.watchTimer !== undefined || this.owner || this.closed) return;
    const peek = this.stmts.lockSelect.replace(/\s+FOR UPDATE$/i, '');
    this.watchTimer = setInterval(() => {
      this.db.query(peek).then((rows) => {
        if (rows.length > 0 && !this.owner) this.observe(str(rows[0]![0]), num(rows[0]![1]));
      }, () => { /* a standby's sampling error: the next try of the lock reports */ });
    }, periodMs);
    this.watchTimer.unref();
  }

  private stopWatching(): void {
    if (this.watchTimer !== undefined) clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }

  private observe(holder: string, tick: number): { holder: string; tick: number; since: number } {
    if (this.seen === null || this.seen.holder !== holder || this.seen.tick !== tick) {
      this.seen = { holder, tick, since: Date.now() };
    }
    return this.seen;
  }

  /** Stops updating and, when owning it, releases the lock for the next server. */
  async release(): Promise<void> {
    this.closed = true;
    this.stopWatching();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.owner) return;
    this.owner = false;
    try {
      await this.db.exec(this.stmts.lockUpdate, ['', 0]);
    } catch (err) {
      this.log.error(`Unable to release store lock: ${(err as Error).message}`);
    }
  }

  private startUpdating(): void {
    this.owner = true;
    this.timer = setInterval(() => {
      this.acquire(false).then((r) => {
        this.failures = 0;
        if (!r.has && this.owner) this.lose('lost store lock, aborting');
      }, (err: Error) => {
        this.failures++;
        this.log.error(`Unable to update store lock (failed=${this.failures} err=${err.message})`);
        if (this.failures >= LOST_COUNT && this.owner) this.lose('lost store lock, aborting');
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private lose(why: string): void {
    this.owner = false;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.onLost(why);
  }

  /** One locked read-and-write of the row: takes it when free, ours, or when stealing. */
  private async acquire(steal: boolean): Promise<{ has: boolean; holder: string; tick: number }> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(this.stmts.lockSelect);
      const holder = rows.length > 0 ? str(rows[0]![0]) : '';
      const tick = rows.length > 0 ? num(rows[0]![1]) : 0;
      if (rows.length === 0 || steal || holder === '' || holder === this.id) {
        const next = steal ? 1 : tick + 1;
        if (rows.length === 0) await tx.exec(this.stmts.lockInsert, [this.id, next]);
        else await tx.exec(this.stmts.lockUpdate, [this.id, next]);
        return { has: true, holder, tick };
      }
      return { has: false, holder, tick };
    });
  }
}
