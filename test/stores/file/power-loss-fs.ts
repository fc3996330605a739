/**
 * A power-loss layer for the file store's I/O seam (src/stores/file/io.ts), after
 * the LazyFS method of Jepsen's NATS analysis: every call goes to the real disk
 * (the store runs normally), and every change is also logged. Afterwards any
 * prefix of the log is a crash point: `imageAt` replays the prefix into a model
 * that knows, per file, what was fsynced and what was only written since, and
 * builds the directory as a power loss at that moment could leave it — each
 * file's un-fsynced writes dropped, kept, torn (a prefix of the bytes or a random
 * set of 512-byte sectors), reordered, or zero-filled (size persisted, data not).
 *
 * As in LazyFS, namespace operations (create, rename, remove, mkdir) are durable
 * at once; only file data is lost. Reads need no layer: they go to the real
 * files, which hold what a page cache would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PLAIN_FS_IO, type FileIO } from '../../../src/stores/file/io.js';

type Pending = { k: 'write'; pos: number; data: Buffer } | { k: 'trunc'; len: number };

export type LogOp =
  | { k: 'create'; path: string; inode: number }
  | { k: 'data'; inode: number; op: Pending }
  | { k: 'sync'; inode: number; upto: number }
  | { k: 'rename'; from: string; to: string }
  | { k: 'rm'; path: string }
  | { k: 'mkdir'; path: string };

const SECTOR = 512;

export class RecordingIO {
  readonly log: LogOp[] = [];
  private nextInode = 1;
  private readonly paths = new Map<string, number>();
  private readonly fds = new Map<number, number | null>();
  /** Data ops appended per inode so far (an fsync covers those before its call). */
  private readonly appended = new Map<number, number>();

  constructor(readonly root: string) {}

  private rel(p: string): string | null {
    const r = path.relative(this.root, path.resolve(p));
    return r.startsWith('..') || path.isAbsolute(r) ? null : r;
  }

  private data(inode: number | null | undefined, op: Pending): void {
    if (inode === null || inode === undefined) return;
    this.appended.set(inode, (this.appended.get(inode) ?? 0) + 1);
    this.log.push({ k: 'data', inode, op });
  }

  private syncCb(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): (err: NodeJS.ErrnoException | null) => void {
    const inode = this.fds.get(fd);
    const upto = inode ? this.appended.get(inode) ?? 0 : 0;
    return (err) => {
      if (!err && inode) this.log.push({ k: 'sync', inode, upto });
      cb(err);
    };
  }

  readonly io: FileIO = {
    openSync: (p, flags) => {
      const existed = fs.existsSync(p);
      const fd = PLAIN_FS_IO.openSync(p, flags);
      const rel = this.rel(p);
      if (rel === null || rel === '' || fs.fstatSync(fd).isDirectory()) {
        this.fds.set(fd, null);
        return fd;
      }
      let inode = this.paths.get(rel);
      if (inode === undefined || !existed) {
        inode = this.nextInode++;
        this.paths.set(rel, inode);
        this.log.push({ k: 'create', path: rel, inode });
      } else if (flags.startsWith('w')) {
        this.data(inode, { k: 'trunc', len: 0 });
      }
      this.fds.set(fd, inode);
      return fd;
    },
    closeSync: (fd) => {
      PLAIN_FS_IO.closeSync(fd);
      this.fds.delete(fd);
    },
    writeSync: (fd, buf, off, len, pos) => {
      const n = PLAIN_FS_IO.writeSync(fd, buf, off, len, pos);
      this.data(this.fds.get(fd), { k: 'write', pos, data: Buffer.from(buf.subarray(off, off + n)) });
      return n;
    },
    write: (fd, buf, off, len, pos, cb) => {
      PLAIN_FS_IO.write(fd, buf, off, len, pos, (err, n) => {
        if (!err) this.data(this.fds.get(fd), { k: 'write', pos, data: Buffer.from(buf.subarray(off, off + n)) });
        cb(err, n);
      });
    },
    fsync: (fd, cb) => PLAIN_FS_IO.fsync(fd, this.syncCb(fd, cb)),
    fdatasync: (fd, cb) => PLAIN_FS_IO.fdatasync(fd, this.syncCb(fd, cb)),
    fsyncSync: (fd) => {
      PLAIN_FS_IO.fsyncSync(fd);
      this.syncCb(fd, () => {})(null);
    },
    ftruncateSync: (fd, len) => {
      PLAIN_FS_IO.ftruncateSync(fd, len);
      this.data(this.fds.get(fd), { k: 'trunc', len });
    },
    truncateSync: (p, len) => {
      PLAIN_FS_IO.truncateSync(p, len);
      const rel = this.rel(p);
      if (rel !== null) this.data(this.paths.get(rel), { k: 'trunc', len });
    },
    renameSync: (from, to) => {
      PLAIN_FS_IO.renameSync(from, to);
      const a = this.rel(from);
      const b = this.rel(to);
      if (a === null || b === null) return;
      const inode = this.paths.get(a);
      this.paths.delete(a);
      if (inode !== undefined) this.paths.set(b, inode);
      this.log.push({ k: 'rename', from: a, to: b });
    },
    rmSync: (p, opts) => {
      PLAIN_FS_IO.rmSync(p, opts);
      this.forget(p);
    },
    rm: async (p, opts) => {
      await PLAIN_FS_IO.rm(p, opts);
      this.forget(p);
    },
    mkdirSync: (p, opts) => {
      const r = PLAIN_FS_IO.mkdirSync(p, opts);
      const rel = this.rel(p);
      if (rel) this.log.push({ k: 'mkdir', path: rel });
      return r;
    },
  };

  private forget(p: string): void {
    const rel = this.rel(p);
    if (rel === null) return;
    for (const k of [...this.paths.keys()]) if (k === rel || k.startsWith(rel + path.sep)) this.paths.delete(k);
    this.log.push({ k: 'rm', path: rel });
  }
}

interface Inode {
  durable: Buffer;
  pending: Pending[];
  /** Data ops ever appended (pending[0] is number `synced`). */
  count: number;
  synced: number;
}

function apply(buf: Buffer, op: Pending): Buffer {
  if (op.k === 'trunc') {
    if (op.len <= buf.length) return buf.subarray(0, op.len);
    return Buffer.concat([buf, Buffer.alloc(op.len - buf.length)]);
  }
  const end = op.pos + op.data.length;
  const out = end > buf.length ? Buffer.concat([buf, Buffer.alloc(end - buf.length)]) : Buffer.from(buf);
  op.data.copy(out, op.pos);
  return out;
}

/**
 * How a power loss treats one file's un-fsynced writes. The first three keep the
 * writes in order (what reaches the disk is a prefix, possibly torn mid-write, or
 * the new size without the data); the last two reorder them at sector grain.
 */
export type Fate = 'drop' | 'torn-prefix' | 'zero-fill' | 'torn-sectors' | 'subset';
export const IN_ORDER_FATES: readonly Fate[] = ['drop', 'torn-prefix', 'zero-fill'];
export const REORDERING_FATES: readonly Fate[] = ['torn-sectors', 'subset'];

/** The on-disk state after the first `upto` logged ops, as a power loss then would leave it. */
export class CrashModel {
  private readonly inodes = new Map<number, Inode>();
  private readonly paths = new Map<string, number>();
  private readonly dirs = new Set<string>();
  private at = 0;

  constructor(private readonly log: readonly LogOp[], private readonly fates: readonly Fate[]) {}

  /** Replays the log up to (excluding) op `upto`; crash points must come in increasing order. */
  advance(upto: number): void {
    for (; this.at < upto && this.at < this.log.length; this.at++) {
      const op = this.log[this.at];
      switch (op.k) {
        case 'create':
          this.inodes.set(op.inode, { durable: Buffer.alloc(0), pending: [], count: 0, synced: 0 });
          this.paths.set(op.path, op.inode);
          break;
        case 'data': {
          const ino = this.inodes.get(op.inode)!;
          ino.pending.push(op.op);
          ino.count++;
          break;
        }
        case 'sync': {
          const ino = this.inodes.get(op.inode)!;
          while (ino.synced < op.upto && ino.pending.length > 0) {
            ino.durable = apply(ino.durable, ino.pending.shift()!);
            ino.synced++;
          }
          break;
        }
        case 'rename': {
          const inode = this.paths.get(op.from);
          this.paths.delete(op.from);
          if (inode !== undefined) this.paths.set(op.to, inode);
          break;
        }
        case 'rm':
          for (const k of [...this.paths.keys()]) if (k === op.path || k.startsWith(op.path + path.sep)) this.paths.delete(k);
          for (const d of [...this.dirs]) if (d === op.path || d.startsWith(op.path + path.sep)) this.dirs.delete(d);
          break;
        case 'mkdir':
          this.dirs.add(op.path);
          break;
      }
    }
  }

  /** Writes the crash image into `dir` (empty); each file's fate drawn from `rand`. Returns the fates used. */
  materialize(dir: string, rand: () => number): Map<string, Fate> {
    const fates = new Map<string, Fate>();
    for (const d of this.dirs) fs.mkdirSync(path.join(dir, d), { recursive: true });
    for (const [p, inode] of this.paths) {
      const ino = this.inodes.get(inode)!;
      let content = ino.durable;
      if (ino.pending.length > 0) {
        const fate = this.fates[Math.floor(rand() * this.fates.length)];
        fates.set(p, fate);
        content = crash(ino.durable, ino.pending, fate, rand);
      }
      fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      fs.writeFileSync(path.join(dir, p), content);
    }
    return fates;
  }
}

function crash(durable: Buffer, pending: Pending[], fate: Fate, rand: () => number): Buffer {
  let buf = durable;
  switch (fate) {
    case 'drop':
      return buf;
    case 'torn-prefix':
    case 'torn-sectors': {
      const keep = Math.floor(rand() * (pending.length + 1));
      for (let i = 0; i < keep; i++) buf = apply(buf, pending[i]);
      const torn = pending[keep];
      if (torn?.k !== 'write' || torn.data.length < 2) return buf;
      if (fate === 'torn-prefix') {
        return apply(buf, { k: 'write', pos: torn.pos, data: torn.data.subarray(0, 1 + Math.floor(rand() * (torn.data.length - 1))) });
      }
      // each sector of the write may or may not have reached the disk; the file has the write's full size
      buf = apply(buf, { k: 'write', pos: torn.pos, data: Buffer.alloc(torn.data.length) });
      for (let s = 0; s < torn.data.length; s += SECTOR) {
        if (rand() < 0.5) buf = apply(buf, { k: 'write', pos: torn.pos + s, data: torn.data.subarray(s, s + SECTOR) });
      }
      return buf;
    }
    case 'subset':
      for (const op of pending) if (rand() < 0.5) buf = apply(buf, op);
      return buf;
    case 'zero-fill':
      // The file's new size reached the disk, the data blocks did not.
      for (const op of pending) {
        buf = apply(buf, op.k === 'write' ? { k: 'write', pos: op.pos, data: Buffer.alloc(op.data.length) } : op);
      }
      return buf;
  }
}
