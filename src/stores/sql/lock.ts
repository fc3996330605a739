/**
 * The fault-tolerance store lock in the StoreLock table (spec stores.md §5.3):
 * one row (owner id, tick). The owner bumps the tick every interval; a
 * candidate that sees the tick stand still for three checks takes the lock
 * over. A clean close writes id='' so a standby can take over at once.
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
    let r = await this.acquire(false);
    if (!r.has) {
      let { holder, tick } = r;
      for (let i = 0; i < LOST_COUNT && !r.has; i++) {
        await new Promise((res) => setTimeout(res, this.intervalMs * 1.5));
        if (this.closed) return false;
        r = await this.acquire(false);
        if (r.has || r.holder !== holder || r.tick !== tick) break;
        holder = r.holder;
        tick = r.tick;
        if (i === LOST_COUNT - 1) r = await this.acquire(true);
      }
    }
    if (r.has) this.startUpdating();
    return r.has;
  }

  /** Stops updating and, when owning it, releases the lock for the next server. */
  async release(): Promise<void> {
    this.closed = true;
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
