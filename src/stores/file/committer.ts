/**
 * Group commit for a set of store files (a message slice's .dat and .idx, or one
 * subs.dat / clients.dat).
 *
 * flush() resolves once every byte appended before the call is written — and,
 * with `sync`, fdatasync'ed. A single loop per committer does the I/O: while an
 * fsync is in flight new records pile up in the files' buffers and the next round
 * writes and syncs them all at once, so concurrent publishers share one fsync.
 *
 * Within a round the files are written in order (data before index) and only then
 * synced, in parallel: an index entry is never on disk before its data record
 * (crashes aside from power loss leave at most unindexed data, which recovery
 * re-indexes). A message slice's index is a `lazy` file: flushes write it but sync
 * only the data (a sync publisher waits for one fsync, not two); it is synced when
 * forced and at close, and after a power loss recovery re-indexes the records past
 * what the index holds, as it does for any unindexed tail. Progress is counted in rounds, so a compaction that rewrites a
 * file does not confuse pending waiters.
 */
import * as path from 'node:path';
import type { AppendFile } from './append-file.js';
import { FILE_STORE_ERRORS as E } from './errors.js';
import { io, ioFdatasync, ioFsync, ioWrite } from './io.js';

interface Waiter {
  /** Round number that must be complete. */
  round: number;
  sync: boolean;
  /** The `lazy` files must be synced too. */
  all: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

export interface ReplaceRequest {
  file: AppendFile;
  tmpDir: string;
  tmpPrefix: string;
  /** Runs inside the loop, so it sees every record appended so far. */
  build: () => Buffer;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class Committer {
  /** Rounds: a round takes everything pending. `started` rounds may be in flight. */
  private appendedRound = 1; // appends since the last take belong to this round
  private writtenRound = 0;
  private syncedRound = 0;
  /** Last round whose `lazy` files were synced too. */
  private lazySyncedRound = 0;
  private waiters: Waiter[] = [];
  private running = false;
  private replaceReq: ReplaceRequest | null = null;
  private failed: Error | null = null;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private idleResolve: (() => void) | null = null;

  /**
   * @param files written in this order each round
   * @param sync fdatasync at every flush
   * @param bufferSize start writing in the background once a file holds this many pending bytes
   * @param after the loop waits for this before its first write (a new slice after the old one)
   * @param lazy files among `files` that a flush writes but syncs only when forced (and at
   *   close): a message slice's index, which recovery rebuilds from the data file's records
   */
  constructor(
    readonly files: AppendFile[],
    private readonly sync: boolean,
    private readonly bufferSize: number,
    private after: Promise<unknown> | null = null,
    private readonly lazy: AppendFile[] = [],
  ) {}

  /** Call after appending to one of the files: starts a background write when a buffer is full. */
  appended(file: AppendFile): void {
    if (file.len >= this.bufferSize && !this.running && !this.failed) this.kick();
  }

  get error(): Error | null {
    return this.failed;
  }

  /** True when something was appended and not yet written and synced (the auto-sync task asks). */
  get dirty(): boolean {
    for (const f of this.files) if (f.len > 0 || f.created) return true;
    return this.syncedRound < this.appendedRound - 1;
  }

  /** Resolves once everything appended so far is written, and synced when `sync` (or `forceSync`). */
  flush(forceSync = false): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const sync = forceSync || this.sync;
    const all = forceSync && this.lazy.length > 0;
    const round = this.targetRound();
    const newEntry = sync && this.files.some((f) => f.created);
    const done = sync ? Math.min(this.syncedRound, all ? this.lazySyncedRound : Infinity) : this.writtenRound;
    if (done >= round && !newEntry) return Promise.resolve();
    return this.wait(round, sync, all);
  }

  /** Resolves once `file` bytes [0, end) are written (readable from disk); no fsync. */
  readable(file: AppendFile, end: number): Promise<void> {
    if (end <= file.writtenSize) return Promise.resolve();
    if (this.failed) return Promise.reject(this.failed);
    return this.wait(this.targetRound(), false, false);
  }

  /** The round holding the last appended byte: the open one if anything is pending, else the last taken. */
  private targetRound(): number {
    for (const f of this.files) if (f.len > 0) return this.appendedRound;
    return this.appendedRound - 1;
  }

  private wait(round: number, sync: boolean, all: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ round, sync, all, resolve, reject });
      if (!this.running) this.kick();
    });
  }

  /**
   * Rewrites `file` with the bytes `build()` returns (version header included),
   * through a temporary file in `tmpDir` renamed over it. Records pending in the
   * file's buffer when `build` runs are dropped: the snapshot includes them.
   */
  replace(file: AppendFile, tmpDir: string, tmpPrefix: string, build: () => Buffer): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.replaceReq) return this.flush(true);
    return new Promise<void>((resolve, reject) => {
      this.replaceReq = { file, tmpDir, tmpPrefix, build, resolve, reject };
      if (!this.running) this.kick();
    });
  }

  /** Flushes (per the sync setting) and closes every file. */
  async close(): Promise<void> {
    if (this.closed) return;
    let err: unknown = null;
    if (!this.failed) {
      // With sync on, the lazy files are synced too before they are closed.
      try { await this.flush(this.sync); } catch (e) { err = e; }
    }
    this.closed = true;
    for (const f of this.files) f.closed = true;
    await this.idle;
    for (const f of this.files) closeFile(f);
    if (err) throw err;
  }

  /** Closes without writing what is pending (deleted channel, test crash). */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.files) { f.dropPending(); f.closed = true; }
    const err = new Error(E.storeClosed);
    for (const w of this.waiters.splice(0)) w.reject(err);
    await this.idle;
    for (const f of this.files) closeFile(f);
  }

  private kick(): void {
    if (this.closed && this.waiters.length === 0) return;
    this.running = true;
    this.idle = new Promise((r) => (this.idleResolve = r));
    // Started on a microtask: everything appended and flushed in the current
    // synchronous run (a whole batch of publishes) joins the first round.
    queueMicrotask(this.startLoop);
  }

  private readonly startLoop = (): void => {
    this.loop().catch((err: Error) => {
      this.failed = err;
      for (const w of this.waiters.splice(0)) w.reject(err);
      if (this.replaceReq) { this.replaceReq.reject(err); this.replaceReq = null; }
      this.stop();
    });
  };

  /** Marks the loop stopped; must run in the same tick as the loop's last check. */
  private stop(): void {
    this.running = false;
    const r = this.idleResolve;
    this.idleResolve = null;
    r?.();
  }

  private async loop(): Promise<void> {
    if (this.after) {
      await this.after.catch(() => {});
      this.after = null;
    }
    for (;;) {
      if (this.replaceReq) {
        await this.doReplace(this.replaceReq);
        continue;
      }
      let any = false;
      for (const f of this.files) if (f.len > 0) any = true;
      if (any) {
        this.writeRound();
        continue;
      }
      const newEntry = this.files.some((f) => f.created);
      const needAll = this.waiters.some((w) => w.all && (w.round > this.lazySyncedRound || newEntry));
      const needSync = needAll || this.waiters.some((w) => w.sync && (w.round > this.syncedRound || newEntry));
      if (needSync) {
        const round = this.writtenRound;
        // A lazy file just created is synced at once: its directory entry must be.
        await Promise.all(this.files.map((f) => (needAll || f.created || !this.lazy.includes(f) ? syncFile(f) : null)));
        this.syncedRound = round;
        if (needAll) this.lazySyncedRound = round;
      }
      this.settle();
      if (this.waiters.length === 0 && !this.replaceReq) {
        let more = false;
        for (const f of this.files) if (f.len >= this.bufferSize && f.len > 0) more = true;
        if (!more) {
          // No await between this check and stop(): a flush() arriving later finds running=false.
          this.stop();
          return;
        }
      }
    }
  }

  private writeRound(): void {
    const round = this.appendedRound++;
    for (const f of this.files) {
      const chunk = f.takePending();
      if (chunk) writeChunk(f, chunk);
    }
    this.writtenRound = round;
    this.settle();
  }

  private settle(): void {
    if (this.waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      const done = w.sync ? Math.min(this.syncedRound, w.all ? this.lazySyncedRound : Infinity) : this.writtenRound;
      if (done >= w.round) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }

  private async doReplace(req: ReplaceRequest): Promise<void> {
    const file = req.file;
    // Everything appended so far is in the snapshot; later appends go on top of it.
    const content = req.build();
    file.dropPending();
    const round = this.appendedRound++;
    const tmp = path.join(req.tmpDir, `${req.tmpPrefix}${process.pid}.${Date.now()}.${Math.floor(Math.random() * 1e9)}`);
    try {
      const tfd = io.openSync(tmp, 'w');
      try {
        let done = 0;
        while (done < content.length) done += await ioWrite(tfd, content, done, content.length - done, done);
        await ioFsync(tfd);
      } finally {
        io.closeSync(tfd);
      }
      io.renameSync(tmp, file.path);
    } catch (e) {
      io.rmSync(tmp, { force: true });
      this.replaceReq = null;
      req.reject(e as Error);
      return; // the old file is intact; keep appending to it
    }
    await syncDir(path.dirname(file.path));
    const old = file.fd;
    file.fd = io.openSync(file.path, 'r+');
    io.closeSync(old);
    file.size = content.length + file.len;
    file.writtenSize = content.length;
    file.created = false;
    // Every other file of this committer is unaffected; the round is complete.
    if (this.files.length === 1) this.writtenRound = this.syncedRound = this.lazySyncedRound = round;
    this.replaceReq = null;
    req.resolve();
    this.settle();
  }
}

/**
 * A synchronous pwrite: it only copies into the page cache, which costs a few
 * microseconds, where a thread-pool round trip costs tens (and the Go server's
 * buffered writes are synchronous too). Only the fsyncs go to the thread pool.
 */
function writeChunk(f: AppendFile, chunk: Buffer): void {
  const pos = f.writtenSize;
  let done = 0;
  while (done < chunk.length) done += io.writeSync(f.fd, chunk, done, chunk.length - done, pos + done);
  f.writtenSize = pos + chunk.length;
}

async function syncFile(f: AppendFile): Promise<void> {
  await ioFdatasync(f.fd);
  if (f.created) {
    f.created = false;
    await syncDir(path.dirname(f.path));
  }
}

function closeFile(f: AppendFile): void {
  f.closed = true;
  if (f.fd >= 0) {
    try { io.closeSync(f.fd); } catch { /* already closed */ }
    f.fd = -1;
  }
}

/** fsync of a directory, so that a new or renamed file's entry survives a power loss. */
export async function syncDir(dir: string): Promise<void> {
  let fd = -1;
  try {
    fd = io.openSync(dir, 'r');
    await ioFsync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; nothing more can be done.
  } finally {
    if (fd >= 0) io.closeSync(fd);
  }
}
