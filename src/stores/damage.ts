/**
 * Stored messages found unreadable after start-up: in the file store a flipped
 * byte, a zeroed range or a file cut short under a valid index; with encryption a
 * message that does not authenticate. The Go server fails the lookup and the
 * subscription stops there; natstream reports the message once — channel,
 * sequence, and file and offset where there is one — in the log and in
 * /streaming/storez, and the store skips it from then on, so every intact
 * message around it is still delivered.
 */
import type { Logger } from '../util/logger.js';
import { FILE_STORE_LOGS as L } from './file/errors.js';
import type { DamagedRecord } from './store.js';

/** Records kept for monitoring; further ones are only counted. */
const MAX_KEPT = 100;
/** Damaged records logged per file (or channel, without a file); the rest are counted in one line. */
const MAX_LOGGED_PER_FILE = 10;

export class DamageLog {
  private readonly kept: DamagedRecord[] = [];
  private readonly seen = new Set<string>();
  private readonly perFile = new Map<string, number>();
  private total = 0;

  constructor(private readonly logger: Logger) {}

  /** Reports `rec` unless it was already; returns false for a repeat. */
  report(rec: DamagedRecord): boolean {
    const key = rec.file !== undefined ? `${rec.file}\u0000${rec.offset}` : `${rec.channel}\u0000${rec.sequence}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.total++;
    if (this.kept.length < MAX_KEPT) this.kept.push(rec);
    const where = rec.file ?? rec.channel;
    const n = (this.perFile.get(where) ?? 0) + 1;
    this.perFile.set(where, n);
    if (n <= MAX_LOGGED_PER_FILE) {
      if (rec.file !== undefined) {
        this.logger.error(L.corruptedRecord(rec.file, rec.error));
        this.logger.error(L.recordOffset(rec.file, rec.offset ?? 0));
      } else {
        this.logger.error(L.unreadableMessage(rec.channel, rec.sequence, rec.error));
      }
      this.logger.error(L.damagedSkipped(rec.channel, rec.sequence));
      if (n === MAX_LOGGED_PER_FILE) this.logger.error(L.damageLogCapped(where));
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
