/**
 * The file store (`-st FILE -dir D`): the Go server's on-disk layout
 * (stores.md §3), so that a directory written by nats-streaming-server can be
 * used by natstream and back.
 *
 *   D/server.dat            ServerInfo                 (server-file.ts)
 *   D/clients.dat           client add/delete records  (client-log.ts)
 *   D/<channel>/msgs.N.dat  message log slices         (msg-store.ts)
 *   D/<channel>/msgs.N.idx  their index
 *   D/<channel>/subs.dat    subscription records       (sub-store.ts)
 *
 * Files are opened lazily: a store that only recovers nothing and is closed
 * leaves the directory as it found it, but for the lock file (dir-lock.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../util/logger.js';
import { DEFAULT_STORE_LIMITS, resolveChannelLimits, validateLimits } from '../limits.js';
import {
  StoreError, type ChannelLimits, type ChannelStore, type ClientInfo, type RecoveredChannel,
  type DamagedRecord, type RecoveredState, type ServerInfo, type Store, type StoreLimits,
} from '../store.js';
import type { DeliveryCounts } from '../delivery-counts.js';
import { ClientLog, CLIENTS_FILE_NAME } from './client-log.js';
import { syncDir } from './committer.js';
import { crc32For, type Crc32 } from './crc32.js';
import { FileDeliveryCounts } from './delivery-counts.js';
import { DirLock } from './dir-lock.js';
import { DamageLog } from '../damage.js';
import { FILE_STORE_ERRORS as E } from './errors.js';
import { FileMsgStore } from './msg-store.js';
import { resolveFileStoreOptions, type FileStoreOptions } from './options.js';
import { SERVER_FILE_NAME, readServerFile, writeServerFile } from './server-file.js';
import { FileSubStore, SUBS_FILE_NAME } from './sub-store.js';
import { io } from './io.js';

export const TRUNCATE_WITNESS_FILE = '.truncate.lck';

interface FileChannel extends ChannelStore {
  msgs: FileMsgStore;
  subs: FileSubStore;
  limits: ChannelLimits;
}

export interface OpenFileStoreOptions {
  /**
   * Fault-tolerance mode: the directory is shared with standby servers, so it is
   * locked by getExclusiveLock() (when this server becomes active), not on open.
   */
  ftMode?: boolean;
  limits?: StoreLimits;
}

export class FileStore implements Store {
  readonly name = 'FILE';
  readonly location: string;
  readonly options: FileStoreOptions;
  private readonly root: string;
  private readonly crc32: Crc32;
  private limits: StoreLimits = { ...DEFAULT_STORE_LIMITS };
  private readonly channels = new Map<string, FileChannel>();
  private readonly clients: ClientLog;
  private readonly lock: DirLock;
  private timer: NodeJS.Timeout | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly damage: DamageLog;

  private constructor(opts: FileStoreOptions, private readonly logger: Logger, extra: OpenFileStoreOptions) {
    this.options = opts;
    this.location = opts.dir;
    this.root = opts.dir;
    this.crc32 = crc32For(opts.crcPoly);
    this.clients = new ClientLog(path.join(this.root, CLIENTS_FILE_NAME), this.root, opts, this.crc32, logger);
    this.lock = new DirLock(this.root, extra.ftMode === true);
    this.damage = new DamageLog(logger);
    if (extra.limits) this.setLimits(extra.limits);
  }

  /**
   * Opens (creating if needed) the store directory and locks it, unless in FT mode.
   * Nothing is read yet: recover() does that.
   */
  static async open(options: Partial<FileStoreOptions> & { dir: string }, logger: Logger, extra: OpenFileStoreOptions = {}): Promise<FileStore> {
    const opts = resolveFileStoreOptions(options);
    try {
      io.mkdirSync(opts.dir, { recursive: true });
    } catch (e) {
      throw new Error(E.unableToCreateRoot(opts.dir, (e as Error).message));
    }
    const store = new FileStore(opts, logger, extra);
    if (!extra.ftMode) await store.lockDir();
    try {
      store.checkTruncateWitness();
    } catch (e) {
      store.lock.release();
      throw e;
    }
    store.startTimers();
    return store;
  }

  damagedRecords(): DamagedRecord[] {
    return this.damage.records();
  }

  async getExclusiveLock(): Promise<boolean> {
    return this.lock.tryAcquire() === true;
  }

  async init(info: ServerInfo): Promise<void> {
    this.checkOpen();
    await writeServerFile(path.join(this.root, SERVER_FILE_NAME), info, this.crc32);
  }

  async recover(): Promise<RecoveredState | null> {
    this.checkOpen();
    const info = readServerFile(path.join(this.root, SERVER_FILE_NAME), this.crc32, this.options.crc, this.logger);
    const dirs = this.channelDirs();
    if (info === null) {
      if (dirs.length > 0) throw new StoreError('noServerStateButChannels');
      return null;
    }
    this.clients.recover();
    const channels = new Map<string, RecoveredChannel>();
    for (const name of dirs) {
      if (this.channels.has(name)) continue;
      const ch = this.openChannel(name, true);
      channels.set(name, { channel: ch, subscriptions: ch.subs.recovered() });
    }
    return { info, clients: [...this.clients.clients.values()].map((c) => ({ ...c })), channels };
  }

  setLimits(limits: StoreLimits): void {
    validateLimits(limits);
    this.limits = { ...limits };
  }

  getChannelLimits(channel: string): ChannelLimits | undefined {
    const ch = this.channels.get(channel);
    return ch ? { ...ch.limits } : undefined;
  }

  async createChannel(channel: string): Promise<ChannelStore> {
    this.checkOpen();
    if (this.channels.has(channel)) throw new StoreError('alreadyExists');
    if (this.limits.maxChannels > 0 && this.channels.size >= this.limits.maxChannels) {
      throw new StoreError('tooManyChannels');
    }
    const dir = this.channelDir(channel);
    // A directory nobody recovered is a leftover (deleted channel, failed create): start afresh.
    io.rmSync(dir, { recursive: true, force: true });
    io.mkdirSync(dir, { recursive: true });
    const ch = this.openChannel(channel, false);
    if (this.options.sync) {
      await ch.subs.flush();
      await syncDir(this.root);
    }
    return ch;
  }

  /** natstream only: the channel's delivery counts (dead letters), in a file of its own beside the Go files. */
  async openDeliveryCounts(channel: string): Promise<DeliveryCounts> {
    return new FileDeliveryCounts(this.channelDir(channel), this.options.sync);
  }

  async deleteChannel(channel: string): Promise<void> {
    const ch = this.channels.get(channel);
    if (!ch) throw new StoreError('notFound');
    this.channels.delete(channel);
    await ch.msgs.abandon();
    await ch.subs.abandon();
    await io.rm(this.channelDir(channel), { recursive: true, force: true });
  }

  async addClient(info: ClientInfo): Promise<void> {
    this.checkOpen();
    await this.clients.add(info);
  }

  async deleteClient(id: string): Promise<void> {
    this.checkOpen();
    await this.clients.delete(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.syncTimer) clearInterval(this.syncTimer);
    let err: unknown = null;
    for (const ch of this.channels.values()) {
      try { await ch.msgs.close(); } catch (e) { err ??= e; }
      try { await ch.subs.close(); } catch (e) { err ??= e; }
    }
    try { await this.clients.close(); } catch (e) { err ??= e; }
    this.lock.release();
    if (err) throw err;
  }

  // ---- internals ----

  private checkOpen(): void {
    if (this.closed) throw new StoreError('closed');
  }

  private openChannel(name: string, recover: boolean): FileChannel {
    const limits = resolveChannelLimits(this.limits, name);
    const dir = path.join(this.root, name);
    const common = { channel: name, rootDir: this.root, limits, opts: this.options, crc32: this.crc32, logger: this.logger };
    const mctx = { ...common, dir, damage: this.damage };
    const msgs = recover ? FileMsgStore.recover(mctx) : FileMsgStore.create(mctx);
    let subs: FileSubStore;
    try {
      const sctx = { ...common, file: path.join(dir, SUBS_FILE_NAME) };
      subs = recover ? FileSubStore.recover(sctx) : FileSubStore.create(sctx);
    } catch (e) {
      void msgs.abandon();
      throw e;
    }
    const ch: FileChannel = { msgs, subs, limits };
    this.channels.set(name, ch);
    return ch;
  }

  /** The channel's directory; refuses names that would not be one directory right under the root. */
  private channelDir(channel: string): string {
    const dir = path.join(this.root, channel);
    if (channel === '' || channel === '.' || channel === '..' || path.dirname(path.resolve(dir)) !== path.resolve(this.root)) {
      throw new Error(`invalid channel name for the file store: ${JSON.stringify(channel)}`);
    }
    return dir;
  }

  /** Every sub-directory of the root is a channel (Go: the same rule). */
  private channelDirs(): string[] {
    return fs.readdirSync(this.root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  }

  /**
   * Takes the directory lock; an owner on another host may need a few seconds to
   * be recognised as gone (its lock file stops being refreshed).
   */
  /** The kernel releases a dead holder's lock, so a lock held now is held by a live server. */
  private async lockDir(): Promise<void> {
    const r = this.lock.tryAcquire();
    if (r !== true) throw new Error(E.dirLocked(this.root, r.holder ? `pid ${r.holder.replace(' ', ' on ')}` : 'unknown holder'));
  }

  /** `-file_truncate_bad_eof` may not be used on two starts in a row (Go: .truncate.lck). */
  private checkTruncateWitness(): void {
    const f = path.join(this.root, TRUNCATE_WITNESS_FILE);
    if (this.options.truncateBadEof) {
      try {
        io.closeSync(io.openSync(f, 'wx'));
      } catch {
        throw new Error(E.truncateConsecutive);
      }
    } else {
      io.rmSync(f, { force: true });
    }
  }

  private startTimers(): void {
    // Housekeeping once a second: message caches and idle read descriptors.
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const ch of this.channels.values()) ch.msgs.tick(now);
    }, 1000);
    this.timer.unref();
    // Without -file_sync, Go flushes and syncs every file_auto_sync when something changed.
    if (!this.options.sync && this.options.autoSync > 0) {
      this.syncTimer = setInterval(() => void this.autoSync(), this.options.autoSync);
      this.syncTimer.unref();
    }
  }

  private async autoSync(): Promise<void> {
    try {
      for (const ch of this.channels.values()) {
        await ch.msgs.syncNow();
        await ch.subs.syncNow();
      }
      await this.clients.syncNow();
    } catch (e) {
      this.logger.error(`File store auto sync failed: ${(e as Error).message}`);
    }
  }
}
