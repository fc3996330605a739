/**
 * Damaged records met after start-up (a flipped byte, a zeroed range, a file cut
 * short under a valid index). The Go server fails the lookup and the subscription
 * stops there; natstream reports the record once — file, offset, sequence — in
 * the log and in /streaming/storez, and the store skips it from then on, so every
 * intact message around it is still delivered.
 */
import type { Logger } from '../../util/logger.js';
import type { DamagedRecord } from '../store.js';
import { FILE_STORE_LOGS as L } from './errors.js';

/** Records kept for monitoring; further ones are only counted. */
const MAX_KEPT = 100;
/** Damaged records logged per file; the rest are counted in one line. */
const MAX_LOGGED_PER_FILE = 10;

export class DamageLog {
  private readonly kept: DamagedRecord[] = [];
  private readonly seen = new Set<string>();
  private readonly perFile = new Map<string, number>();
  private total = 0;

  constructor(private readonly logger: Logger) {}

  /** Reports `rec` unless it was already; returns false for a repeat. */
  report(rec: DamagedRecord): boolean {
    const key = `${rec.file}\u0000${rec.offset}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.total++;
    if (this.kept.length < MAX_KEPT) this.kept.push(rec);
    const n = (this.perFile.get(rec.file) ?? 0) + 1;
    this.perFile.set(rec.file, n);
    if (n <= MAX_LOGGED_PER_FILE) {
      this.logger.error(L.corruptedRecord(rec.file, rec.error));
      this.logger.error(L.recordOffset(rec.file, rec.offset));
      this.logger.error(L.damagedSkipped(rec.channel, rec.sequence));
      if (n === MAX_LOGGED_PER_FILE) this.logger.error(L.damageLogCapped(rec.file));
    }
    return true;
  }

  /** The first damaged records (for /streaming/storez). */
  records(): DamagedRecord[] {
    return this.kept.slice();
  }

  get count(): number {
    return this.total;
  }
}
