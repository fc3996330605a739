/**
 * One slice of a channel's message log: `msgs.N.dat` (records) and `msgs.N.idx`
 * (32-byte entries). In memory a slice keeps, per message, the offset of its
 * record header and its payload size (12 bytes a message), which is all that
 * limits, lookups and read-ahead need; timestamps stay on disk.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { Logger } from '../../util/logger.js';
import type { AppendFile } from './append-file.js';
import type { Committer } from './committer.js';
import { FILE_STORE_LOGS as L } from './errors.js';
import { MSG_RECORD_OVERHEAD } from './framing.js';
import { io } from './io.js';

export const SLICE_PREFIX = 'msgs.';
export const DAT_SUFFIX = '.dat';
export const IDX_SUFFIX = '.idx';
export const BAK_SUFFIX = '.bak';

export function sliceFileNames(dir: string, no: number): { dat: string; idx: string } {
  return {
    dat: path.join(dir, `${SLICE_PREFIX}${no}${DAT_SUFFIX}`),
    idx: path.join(dir, `${SLICE_PREFIX}${no}${IDX_SUFFIX}`),
  };
}

/** Offset value marking a sequence the slice does not hold (a gap in an old index). */
export const HOLE = -1;

export class Slice {
  /** Sequence of entry 0 (the first message ever written to this slice). */
  baseSeq = 0;
  /** Entries, removed ones and holes included. */
  entries = 0;
  /** Entries removed from the head (limits, age). */
  rmCount = 0;
  /** Entries that are holes (sequences an old index skipped). */
  holes = 0;
  /** Payload + 40 bytes of every message written (removed ones too): the slice size limit uses it. */
  bytes = 0;
  /** Timestamp of the first message written, ns (the slice age limit uses it). */
  firstWrite = 0n;
  offsets = new Float64Array(64);
  sizes = new Uint32Array(64);

  /** Set while this slice is written to (the write slice) or being closed. */
  committer: Committer | null = null;
  dat: AppendFile | null = null;
  idx: AppendFile | null = null;

  /** Read-only descriptor for lookups, opened on demand. */
  readFd = -1;
  reads = 0;
  lastRead = 0;
  removed = false;

  readonly datPath: string;
  readonly idxPath: string;

  constructor(readonly no: number, dir: string) {
    const names = sliceFileNames(dir, no);
    this.datPath = names.dat;
    this.idxPath = names.idx;
  }

  get firstSeq(): number {
    return this.baseSeq + this.rmCount;
  }

  get lastSeq(): number {
    return this.baseSeq + this.entries - 1;
  }

  /** Messages written to the slice (Go: msgsCount), removed ones included. */
  get msgsCount(): number {
    return this.entries;
  }

  /** Messages present (not removed, not holes): only exact before any removal. */
  get written(): number {
    return this.entries - this.holes;
  }

  /** True when every entry was removed. */
  get isEmpty(): boolean {
    return this.rmCount >= this.entries;
  }

  holds(seq: number): boolean {
    return seq >= this.firstSeq && seq <= this.lastSeq;
  }

  /** Appends the entry of `seq` (holes are added for skipped sequences). */
  push(seq: number, offset: number, size: number): void {
    const next = this.entries;
    if (next > 0 && seq === this.baseSeq + next && next < this.offsets.length) {
      // the common case, kept small enough to be inlined: the next sequence, room left
      this.offsets[next] = offset;
      this.sizes[next] = size;
      this.entries = next + 1;
      this.bytes += size + MSG_RECORD_OVERHEAD;
      return;
    }
    if (this.entries === 0) this.baseSeq = seq;
    let i = seq - this.baseSeq;
    while (this.entries < i) {
      this.set(this.entries++, HOLE, 0);
      this.holes++;
    }
    this.set(i, offset, size);
    this.entries = i + 1;
    this.bytes += size + MSG_RECORD_OVERHEAD;
  }

  /** Forgets entries from `seq` on (a later record superseded them). */
  truncateFrom(seq: number): void {
    const keep = Math.max(0, seq - this.baseSeq);
    for (let i = keep; i < this.entries; i++) {
      if (this.offsets[i] !== HOLE) this.bytes -= this.sizes[i] + MSG_RECORD_OVERHEAD;
      else this.holes--;
    }
    this.entries = keep;
  }

  offsetOf(seq: number): number {
    return this.offsets[seq - this.baseSeq];
  }

  sizeOf(seq: number): number {
    return this.sizes[seq - this.baseSeq];
  }

  /** Room for `n` entries in all (recovery knows the count from the index size). */
  reserve(n: number): void {
    if (n <= this.offsets.length) return;
    const o = new Float64Array(n);
    o.set(this.offsets.subarray(0, this.entries));
    const s = new Uint32Array(n);
    s.set(this.sizes.subarray(0, this.entries));
    this.offsets = o;
    this.sizes = s;
  }

  private set(i: number, offset: number, size: number): void {
    if (i >= this.offsets.length) {
      let cap = this.offsets.length * 2;
      while (cap <= i) cap *= 2;
      this.reserve(cap);
    }
    this.offsets[i] = offset;
    this.sizes[i] = size;
  }

  /** The read descriptor (opened on first use). */
  fdForRead(): number {
    if (this.readFd < 0) this.readFd = io.openSync(this.datPath, 'r');
    this.lastRead = Date.now();
    return this.readFd;
  }

  closeReadFd(): void {
    if (this.readFd >= 0 && this.reads === 0) {
      try { io.closeSync(this.readFd); } catch { /* already closed */ }
      this.readFd = -1;
    }
  }
}

/**
 * Removes the files of a slice whose messages were all removed, or, with an
 * archive script, renames them to `.bak` and runs the script on them (Go:
 * removeFirstSlice). Unlinking or renaming files still being written is fine:
 * their descriptors stay valid. Returns the script's run, if any.
 */
export function discardSliceFiles(sl: Slice, channel: string, script: string, logger: Logger): Promise<void> | null {
  if (script) {
    const datBak = sl.datPath + BAK_SUFFIX;
    const idxBak = sl.idxPath + BAK_SUFFIX;
    try {
      io.renameSync(sl.datPath, datBak);
      try {
        io.renameSync(sl.idxPath, idxBak);
        return new Promise<void>((resolve) => {
          execFile(script, [channel, datBak, idxBak], (err, stdout, stderr) => {
            const out = `${stdout}${stderr}`;
            if (err) logger.notice(L.archiveScriptError(script, err.message, out));
            else logger.notice(L.archiveScriptOutput(channel, datBak, idxBak, out));
            resolve();
          });
        });
      } catch {
        io.rmSync(datBak, { force: true });
      }
    } catch {
      // could not archive: remove instead
    }
  }
  io.rmSync(sl.datPath, { force: true });
  io.rmSync(sl.idxPath, { force: true });
  return null;
}
