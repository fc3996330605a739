/**
 * The directory lock: one server per store directory, held by the kernel.
 *
 * The Go server locks `<dir>/.rootdir.lck` with a non-blocking fcntl(F_SETLK)
 * write lock over the whole file (util/lockfile_unix.go). natstream takes the
 * same lock on the same file through `fs-native-extensions`, which on Linux
 * uses fcntl(F_OFD_SETLK): open-file-description locks conflict with the Go
 * server's classic record locks, so a Go server and natstream on one directory
 * exclude each other; unlike classic locks they also conflict between two
 * descriptors of one process (two stores in one process), and closing some
 * other descriptor of the file does not drop them. The kernel releases the lock
 * when the descriptor closes, so a process killed with -9 leaves nothing stale.
 *
 * Outside FT mode the holder removes the file when it releases the lock (the
 * directory is left as the Go server leaves it). Removing a lock file is safe
 * only with a check on the other side: a contender that locked a descriptor whose
 * file was meanwhile removed holds a lock on nothing, so after locking it checks
 * that the path still names the inode it locked, and otherwise tries again. A Go
 * server does not check that, so in FT mode (`keepFile`), where Go servers may
 * be members of the group, the file stays, as the Go server leaves it.
 * The file's content, `pid hostname`, only names the holder in error messages.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';

export const LOCK_FILE_NAME = '.rootdir.lck';

interface NativeLocks {
  tryLock(fd: number, offset?: number, length?: number, opts?: { shared?: boolean }): boolean;
}
const native = createRequire(import.meta.url)('fs-native-extensions') as NativeLocks;

/** fcntl's "someone else holds it" answers (the Go server treats these as "not now"). */
const BUSY = new Set(['EAGAIN', 'EACCES', 'EWOULDBLOCK', 'EINTR', 'ENOLCK']);

export interface LockOwner {
  /** What the holder wrote in the file (`pid hostname`), '' when unknown. */
  holder: string;
}

export class DirLock {
  private fd: number | null = null;
  readonly file: string;

  constructor(readonly dir: string, private readonly keepFile = false) {
    this.file = path.join(dir, LOCK_FILE_NAME);
  }

  get held(): boolean {
    return this.fd !== null;
  }

  /**
   * Non-blocking. True when acquired (or already held); otherwise who holds it.
   * Errors other than "held by someone" (missing directory, permissions) throw.
   */
  tryAcquire(): true | LockOwner {
    if (this.fd !== null) return true;
    for (;;) {
      const fd = fs.openSync(this.file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o666);
      if (!lockFd(fd)) {
        fs.closeSync(fd);
        return { holder: readHolder(this.file) };
      }
      if (!sameInode(fd, this.file)) {
        fs.closeSync(fd); // locked a file its holder removed on release: try the current one
        continue;
      }
      this.fd = fd;
      try {
        fs.ftruncateSync(fd, 0);
        fs.writeSync(fd, `${process.pid} ${os.hostname()}\n`, 0);
      } catch {
        // The note is informative only; the lock is what counts.
      }
      return true;
    }
  }

  /** Removes the file (unless kept), then closes the descriptor, which releases the lock. */
  release(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    if (!this.keepFile) {
      try { fs.rmSync(this.file, { force: true }); } catch { /* directory gone */ }
    }
    try { fs.closeSync(fd); } catch { /* already closed */ }
  }
}

/** Non-blocking exclusive lock of the whole file; false when another holds it. */
function lockFd(fd: number): boolean {
  try {
    return native.tryLock(fd, 0, 0);
  } catch (e) {
    if (BUSY.has((e as NodeJS.ErrnoException).code ?? '')) return false;
    fs.closeSync(fd);
    throw e;
  }
}

function sameInode(fd: number, file: string): boolean {
  try {
    const a = fs.fstatSync(fd);
    const b = fs.statSync(file);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

function readHolder(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
