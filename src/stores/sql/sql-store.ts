/**
 * The SQL store (`-st SQL`): PostgreSQL or MySQL/MariaDB with the Go server's
 * schema, so a database written by nats-streaming-server is read here and back.
 * See docs/sql-store.md; the write path is in write-lane.ts.
 */
import { decodeClientInfo, decodeServerInfo, encodeClientInfo, encodeServerInfo } from '../../protocol/stan-records.js';
import type { Logger } from '../../util/logger.js';
import { DEFAULT_STORE_LIMITS, resolveChannelLimits, validateLimits } from '../limits.js';
import {
  StoreError, type ChannelLimits, type ChannelStore, type ClientInfo, type RecoveredChannel, type RecoveredState,
  type ServerInfo, type Store, type StoreLimits,
} from '../store.js';
import type { DeliveryCounts } from '../delivery-counts.js';
import { bytes, num, str, type Db } from './db.js';
import { SqlDeliveryCounts } from './delivery-counts.js';
import { redactSource } from './dsn.js';
import { SqlErrors, SqlStoreError } from './errors.js';
import { SqlStoreLock } from './lock.js';
import { SqlMsgStore, type MsgStoreContext } from './msg-store.js';
import { openDb } from './open-db.js';
import { resolveSqlOptions, type SqlStoreOptions } from './options.js';
import { recoverMessages, recoverSubscriptions, type ChannelRow } from './recovery.js';
import { ensureSchema, SQL_SCHEMA_VERSION } from './schema.js';
import { statements } from './statements.js';
import { SqlSubStore, type SubIds } from './sub-store.js';
import { WriteLane } from './write-lane.js';

/** Rows removed per statement when a deleted channel is purged in the background. */
const PURGE_CHUNK = 10_000;

export interface SqlStoreHooks {
  /**
   * Fault tolerance: the store lock was lost (another server took it, or it could
   * not be refreshed). Default: log `[FTL] lost store lock, aborting` and exit(1),
   * as the Go server panics.
   */
  onLockLost?: (why: string) => void;
  /** Lock refresh interval (ms); 1000 as in the Go server. Tests lower it. */
  lockIntervalMs?: number;
  /** FT standby: watch the StoreLock row from the start (lock.ts), for a faster takeover. */
  ftMode?: boolean;
}

interface SqlChannel {
  id: number;
  store: ChannelStore;
  msgs: SqlMsgStore;
  subs: SqlSubStore;
  limits: ChannelLimits;
}

export class SqlStore implements Store {
  readonly name = 'SQL';
  private limits: StoreLimits = { ...DEFAULT_STORE_LIMITS };
  private readonly channels = new Map<string, SqlChannel>();
  private maxChannelId = 0;
  private readonly ids: SubIds = { maxSubId: 0 };
  private readonly purges = new Set<Promise<void>>();
  private lock: SqlStoreLock | undefined;
  private closed = false;

  private constructor(
    private readonly db: Db,
    private readonly ctx: MsgStoreContext,
    private readonly log: Logger,
    private readonly hooks: SqlStoreHooks,
    /** The source with its password hidden. */
    readonly source: string,
  ) {}

  /** Connects, checks (or creates) the schema and loads the ID counters. */
  static async open(options: SqlStoreOptions, log: Logger, limits?: StoreLimits, hooks: SqlStoreHooks = {}): Promise<SqlStore> {
    const o = resolveSqlOptions(options);
    const db = openDb(o, log);
    try {
      await db.ping();
      const schema = await ensureSchema(db, o.createSchema);
      const ctx: MsgStoreContext = {
        db, driver: o.driver, stmts: statements(o.driver), lane: new WriteLane(db, log), log,
        noCaching: o.noCaching, bulkRows: o.bulkRows, maxMessageBytes: schema.maxMessageBytes,
      };
      const store = new SqlStore(db, ctx, log, hooks, redactSource(o.driver, o.source));
      if (limits) store.setLimits(limits);
      await store.loadCounters();
      if (hooks.ftMode) store.storeLock().watch(200);
      return store;
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  private get stmts() {
    return this.ctx.stmts;
  }

  private async loadCounters(): Promise<void> {
    this.maxChannelId = num((await this.db.query(this.stmts.maxChannelId))[0]?.[0]);
    this.ids.maxSubId = num((await this.db.query(this.stmts.maxSubId))[0]?.[0]);
  }

  async getExclusiveLock(): Promise<boolean> {
    if (this.closed) return false;
    return this.storeLock().tryAcquire();
  }

  private storeLock(): SqlStoreLock {
    if (this.lock === undefined) {
      this.lock = new SqlStoreLock(this.db, this.stmts, this.log, this.hooks.lockIntervalMs ?? 1000, (why) => {
        if (this.hooks.onLockLost) {
          this.hooks.onLockLost(why);
        } else {
          this.log.fatal(why);
          process.exit(1);
        }
      });
    }
    return this.lock;
  }

  init(info: ServerInfo): Promise<void> {
    const proto = encodeServerInfo(info);
    return this.ctx.lane.write(async () => {
      const n = num((await this.db.query(this.stmts.countServerInfo))[0]?.[0]);
      if (n === 0) await this.db.exec(this.stmts.addServerInfo, [info.clusterId, proto, SQL_SCHEMA_VERSION]);
      else await this.db.exec(this.stmts.updateServerInfo, [info.clusterId, proto, SQL_SCHEMA_VERSION]);
    });
  }

  async recover(): Promise<RecoveredState | null> {
    const { db, stmts } = this;
    const infoRows = await db.query(stmts.recoverServerInfo);
    if (infoRows.length === 0) {
      const n = num((await db.query(stmts.countChannels))[0]?.[0]);
      if (n > 0) throw new StoreError('noServerStateButChannels');
      return null;
    }
    const [idCol, protoCol, versionCol] = infoRows[0]!;
    const version = num(versionCol);
    if (version !== SQL_SCHEMA_VERSION) throw new SqlStoreError(SqlErrors.unsupportedVersion(version, SQL_SCHEMA_VERSION));
    const info = decodeServerInfo(bytes(protoCol) ?? Buffer.alloc(0));
    if (info.clusterId !== str(idCol)) throw new SqlStoreError(SqlErrors.idMismatch(str(idCol), info.clusterId));

    const clients: ClientInfo[] = [];
    for (const r of await db.query(stmts.recoverClients)) {
      const proto = bytes(r[2]);
      clients.push(proto !== null && proto.length > 0
        ? decodeClientInfo(proto)
        : { id: str(r[0]), hbInbox: str(r[1]), connId: new Uint8Array(0), protocol: 0, pingInterval: 0, pingMaxOut: 0 });
    }
    await this.loadCounters();

    const channels = new Map<string, RecoveredChannel>();
    for (const r of await db.query(stmts.recoverChannels)) {
      const row: ChannelRow = {
        id: num(r[0]), name: str(r[1]), maxseq: num(r[2]), maxmsgs: num(r[3]), maxbytes: num(r[4]), maxage: num(r[5]),
      };
      const limits = resolveChannelLimits(this.limits, row.name);
      const { msgs, lastStored } = await recoverMessages(db, stmts, row, limits);
      const subs = await recoverSubscriptions(db, this.ctx.driver, stmts, row.id, this.ctx.noCaching);
      // The sequence never goes back: expired messages and sent ones count too.
      const last = Math.max(row.maxseq, lastStored, msgs.last, subs.maxLastSent);
      if (last > msgs.last && msgs.count === 0) msgs.first = last + 1;
      msgs.last = last;
      if (last === 0) msgs.first = 0;
      const ch = this.addChannel(row.name, row.id, limits, msgs, subs);
      channels.set(row.name, { channel: ch.store, subscriptions: subs.subscriptions });
    }
    for (const r of await db.query(stmts.deletedChannels)) this.purgeInBackground(num(r[0]), str(r[1]));
    return { info, clients, channels };
  }

  setLimits(limits: StoreLimits): void {
    validateLimits(limits);
    this.limits = { ...limits };
  }

  getChannelLimits(channel: string): ChannelLimits | undefined {
    return this.channels.get(channel)?.limits;
  }

  createChannel(channel: string): Promise<ChannelStore> {
    if (this.closed) return Promise.reject(new StoreError('closed'));
    if (this.channels.has(channel)) return Promise.reject(new StoreError('alreadyExists'));
    if (this.limits.maxChannels > 0 && this.channels.size >= this.limits.maxChannels) {
      return Promise.reject(new StoreError('tooManyChannels'));
    }
    const limits = resolveChannelLimits(this.limits, channel);
    const id = ++this.maxChannelId;
    return this.ctx.lane.write(async () => {
      await this.db.exec(this.stmts.addChannel, [id, channel, limits.maxMsgs, limits.maxBytes, BigInt(limits.maxAge) * 1_000_000n]);
      if (this.channels.has(channel)) throw new StoreError('alreadyExists');
      return this.addChannel(channel, id, limits).store;
    });
  }

  private addChannel(
    name: string, id: number, limits: ChannelLimits,
    msgs?: ConstructorParameters<typeof SqlMsgStore>[4],
    subs?: ConstructorParameters<typeof SqlSubStore>[4],
  ): SqlChannel {
    const m = new SqlMsgStore(name, id, limits, this.ctx, msgs);
    const s = new SqlSubStore(id, limits, this.ctx, this.ids, subs);
    const ch: SqlChannel = { id, msgs: m, subs: s, store: { msgs: m, subs: s }, limits };
    this.channels.set(name, ch);
    return ch;
  }

  /** natstream only: the channel's delivery counts (dead letters), in a table of their own (delivery-counts.ts). */
  async openDeliveryCounts(channel: string): Promise<DeliveryCounts> {
    const ch = this.channels.get(channel);
    if (!ch) throw new StoreError('notFound');
    return new SqlDeliveryCounts(this.db, ch.id);
  }

  deleteChannel(channel: string): Promise<void> {
    const ch = this.channels.get(channel);
    if (!ch) return Promise.reject(new StoreError('notFound'));
    return this.ctx.lane.write(async () => {
      await this.db.exec(this.stmts.markChannelDeleted, [ch.id]);
      if (this.channels.get(channel) === ch) this.channels.delete(channel);
      ch.msgs.abandon();
      ch.subs.abandon();
      this.purgeInBackground(ch.id, channel);
    });
  }

  /** Removes the rows of a channel marked deleted, in chunks, off the write lane. */
  private purgeInBackground(id: number, name: string): void {
    const p = this.purge(id).catch((err: Error) => {
      this.log.error(`Unable to completely delete channel ${JSON.stringify(name)}: ${err.message}`);
    }).finally(() => this.purges.delete(p));
    this.purges.add(p);
  }

  private async purge(id: number): Promise<void> {
    const { db, stmts } = this;
    await db.exec(stmts.deleteChannelPending, [id]);
    await db.exec(stmts.deleteChannelSubs, [id]);
    for (;;) {
      const upTo = num((await db.query(stmts.someMsgsSeq, [id, PURGE_CHUNK]))[0]?.[0]);
      if (upTo === 0) break;
      await db.exec(stmts.deleteMsgsThrough, [id, upTo]);
    }
    await db.exec(stmts.deleteChannelRow, [id]);
  }

  addClient(info: ClientInfo): Promise<void> {
    const proto = encodeClientInfo(info);
    return this.ctx.lane.write(() => this.db.transaction(async (tx) => {
      await tx.exec(this.stmts.deleteClient, [info.id]);
      await tx.exec(this.stmts.addClient, [info.id, info.hbInbox, proto]);
    }));
  }

  deleteClient(id: string): Promise<void> {
    return this.ctx.lane.write(async () => {
      await this.db.exec(this.stmts.deleteClient, [id]);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let err: unknown;
    try {
      await this.ctx.lane.close();
    } catch (e) {
      err = e;
    }
    for (const ch of this.channels.values()) {
      await ch.msgs.close();
      await ch.subs.close();
    }
    await Promise.all([...this.purges]);
    if (this.lock) await this.lock.release();
    await this.db.close();
    if (err !== undefined) throw err;
  }
}

/** The factory's entry point: `createStore('SQL', { sql: options, limits }, logger)`. */
export function openSqlStore(options: SqlStoreOptions, log: Logger, limits?: StoreLimits, hooks?: SqlStoreHooks): Promise<SqlStore> {
  return SqlStore.open(options, log, limits, hooks);
}
