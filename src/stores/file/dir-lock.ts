/**
 * The directory lock: one server per store directory.
 *
 * The Go server locks `<dir>/.rootdir.lck` with fcntl, and only in FT mode. Node
 * has no fcntl lock, so natstream uses the same file as an owner record instead:
 * created exclusively, holding `pid hostname`, its mtime refreshed every second.
 * A lock is stale, and taken over, when its owner is a dead process on this host
 * (or this very process in an earlier life: PID 1 in a restarted container), or,
 * for an owner on another host (shared volume), when its mtime stopped moving for
 * STALE_MS. Two Go FT servers and natstream FT servers must not share a directory:
 * they do not see each other's locks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const LOCK_FILE_NAME = '.rootdir.lck';
const REFRESH_MS = 1000;
const STALE_MS = 5000;

/** Directories locked by this process (a second store on the same directory must fail too). */
const heldHere = new Set<string>();

export interface LockOwner {
  pid: number;
  host: string;
  ageMs: number;
}

export class DirLock {
  private timer: NodeJS.Timeout | null = null;
  private readonly key: string;
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, LOCK_FILE_NAME);
    this.key = path.resolve(dir);
  }

  get held(): boolean {
    return this.timer !== null;
  }

  /** Non-blocking. True when acquired (or already held); otherwise the current owner. */
  tryAcquire(): true | LockOwner {
    if (this.held) return true;
    if (heldHere.has(this.key)) return { pid: process.pid, host: os.hostname(), ageMs: 0 };
    for (let attempt = 0; attempt < 2; attempt++) {
      // Written aside then hard-linked: the lock file appears atomically with its content.
      const tmp = `${this.file}.${process.pid}.${Date.now()}`;
      fs.writeFileSync(tmp, `${process.pid} ${os.hostname()}\n`);
      try {
        fs.linkSync(tmp, this.file);
        this.start();
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        fs.rmSync(tmp, { force: true });
      }
      const owner = readOwner(this.file);
      if (!owner) continue; // removed meanwhile: try again
      if (!isStale(owner)) return owner;
      // Move the stale record aside; only one contender can rename it.
      const aside = `${this.file}.stale.${process.pid}.${Date.now()}`;
      try {
        fs.renameSync(this.file, aside);
        fs.rmSync(aside, { force: true });
      } catch {
        // someone else took it over first
      }
    }
    const owner = readOwner(this.file);
    return owner ?? { pid: 0, host: '', ageMs: 0 };
  }

  release(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    heldHere.delete(this.key);
    const owner = readOwner(this.file);
    if (owner && owner.pid === process.pid && owner.host === os.hostname()) fs.rmSync(this.file, { force: true });
  }

  private start(): void {
    heldHere.add(this.key);
    this.timer = setInterval(() => {
      const now = new Date();
      try { fs.utimesSync(this.file, now, now); } catch { /* directory removed: nothing to refresh */ }
    }, REFRESH_MS);
    this.timer.unref();
  }
}

function readOwner(file: string): LockOwner | null {
  try {
    const st = fs.statSync(file);
    const [pid, host] = fs.readFileSync(file, 'utf8').trim().split(/\s+/);
    return { pid: Number(pid) || 0, host: host ?? '', ageMs: Date.now() - st.mtimeMs };
  } catch {
    return null;
  }
}

function isStale(o: LockOwner): boolean {
  if (o.host === os.hostname()) {
    if (o.pid === process.pid) return true; // not in heldHere: left by an earlier process with our PID
    if (o.pid <= 0) return true;
    try {
      process.kill(o.pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
  return o.ageMs > STALE_MS;
}

/** How long a lock of another host may need to be seen as stale. */
export const LOCK_STALE_MS = STALE_MS;
