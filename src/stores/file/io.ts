/**
 * The file store's I/O seam: every call that changes what is on disk (open,
 * write, fsync, truncate, rename, remove) goes through `io`, so that a test can
 * put a layer underneath that records writes and, on a simulated power loss,
 * drops or tears the ones not yet fsynced (test/stores/file/power-loss.test.ts).
 * Reads stay plain `fs` calls: they see what the page cache holds, with or
 * without such a layer.
 *
 * The default is the `fs` functions themselves, so a production call costs one
 * property load more than calling `fs` directly.
 */
import * as fs from 'node:fs';

type Cb<T> = (err: NodeJS.ErrnoException | null, v: T) => void;

export interface FileIO {
  openSync(path: string, flags: string): number;
  closeSync(fd: number): void;
  writeSync(fd: number, buf: Uint8Array, off: number, len: number, pos: number): number;
  write(fd: number, buf: Uint8Array, off: number, len: number, pos: number, cb: Cb<number>): void;
  fsync(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void;
  fdatasync(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, len: number): void;
  truncateSync(path: string, len: number): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, opts: fs.RmOptions): void;
  rm(path: string, opts: fs.RmOptions): Promise<void>;
  mkdirSync(path: string, opts: fs.MakeDirectoryOptions & { recursive: true }): string | undefined;
}

/** The plain `fs` calls. */
export const PLAIN_FS_IO: FileIO = Object.freeze({
  openSync: fs.openSync,
  closeSync: fs.closeSync,
  writeSync: fs.writeSync as FileIO['writeSync'],
  write: fs.write as unknown as FileIO['write'],
  fsync: fs.fsync,
  fdatasync: fs.fdatasync,
  fsyncSync: fs.fsyncSync,
  ftruncateSync: fs.ftruncateSync,
  truncateSync: fs.truncateSync,
  renameSync: fs.renameSync,
  rmSync: fs.rmSync,
  rm: fs.promises.rm,
  mkdirSync: fs.mkdirSync,
});

/** The I/O in use (an ES module live binding: call sites see a replacement at once). */
export let io: FileIO = PLAIN_FS_IO;

/** Replaces the I/O of every file store in this process (tests only); null restores plain `fs`. */
export function setFileIO(layer: FileIO | null): void {
  io = layer ?? PLAIN_FS_IO;
}

/** Promise forms used by the commit loop. */
export function ioWrite(fd: number, b: Uint8Array, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => io.write(fd, b, off, len, pos, (err, n) => (err ? reject(err) : resolve(n))));
}

export function ioFsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => io.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

export function ioFdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => io.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}
