/**
 * The JETSTREAM store (docs/jetstream.md): one stream per channel, the clients,
 * subscriptions and server info in one KV bucket per cluster ID, on a NATS server
 * (cluster) running JetStream. The streams are the truth about channels: a channel
 * exists when its stream does.
 */

import { randomUUID } from 'node:crypto';

import { connect, type KV, type KvEntry, type NatsConnection, type StreamInfo } from 'nats';

import type { Logger } from '../../util/logger.js';
import { DEFAULT_STORE_LIMITS, resolveChannelLimits, validateLimits } from '../limits.js';
import {
  StoreError, type ChannelLimits, type ChannelStore, type ClientInfo, type RecoveredChannel,
  type RecoveredState, type RecoveredSubscription, type ServerInfo, type Store, type StoreLimits,
} from '../store.js';
import type { DeliveryCounts } from '../delivery-counts.js';
import { apiErrorCode, errorText, type JsStoreContext } from './context.js';
import { JetStreamDeliveryCounts, deliveryCountsBucket } from './delivery-counts.js';
import {
  BadRecord, KEY_SERVER, channelKey, clientKey, decodeChannel, decodeClient, decodeServerInfo, decodeSub,
  encodeClient, encodeJson, parseKey,
} from './kv-records.js';
import { JetStreamMsgStore } from './msg-store.js';
import { bucketName, channelOfStream, channelSubject, streamName, streamPrefix } from './names.js';
import { defaultPrefix, type JetStreamStoreOptions } from './options.js';
import { limitDifferences, streamConfig, streamProblems, withLimits } from './stream-config.js';
import { JetStreamSubStore } from './sub-store.js';

const STREAM_NOT_FOUND = 10059;
const API_TIMEOUT_MS = 2000;
const PUB_TIMEOUT_MS = 5000;
const STREAM_NAME_IN_USE = 10058;

interface JsChannel extends ChannelStore {
  msgs: JetStreamMsgStore;
  subs: JetStreamSubStore;
}

export class JetStreamStore implements Store {
  readonly name = 'JETSTREAM';
  readonly location: string;
  private limits: StoreLimits = { ...DEFAULT_STORE_LIMITS };
  private readonly channels = new Map<string, JsChannel>();
  private readonly channelLimits = new Map<string, ChannelLimits>();
  private closed = false;
  private deliveryBucket: Promise<KV> | undefined;

  private constructor(
    private readonly ctx: JsStoreContext,
    private readonly kv: KV,
    /** The bucket with the read timeout, for recovery. */
    private readonly kvRead: KV,
    limits: StoreLimits,
  ) {
    this.setLimits(limits);
    this.location = `${ctx.nc.getServer()} (subjects ${ctx.prefix}.>, ${ctx.replicas} replica${ctx.replicas === 1 ? '' : 's'})`;
  }

  static async open(opts: JetStreamStoreOptions, limits: StoreLimits, logger: Logger): Promise<JetStreamStore> {
    const nc = await connect({
      servers: opts.servers.split(',').map((s) => s.trim()).filter((s) => s !== ''),
      user: opts.user, pass: opts.pass, token: opts.token,
      name: `_NSS-${opts.clusterId}-store`, maxReconnectAttempts: -1, reconnectTimeWait: 250,
      // no stack trace captured per request (one per publish): measurable on the hot path
      noAsyncTraces: true,
    });
    try {
      // JetStream API calls time out after 2 s: while streams elect new leaders (a server
      // died) a caller retries sooner than after the client's default 5 s. PubAcks and KV
      // writes keep 5 s: a loaded cluster must not turn slow acks into failed publishes.
      const jsOpts = { timeout: PUB_TIMEOUT_MS, ...(opts.domain ? { domain: opts.domain } : {}) };
      const jsm = await nc.jetstreamManager({ ...jsOpts, timeout: API_TIMEOUT_MS });
      await jsm.getAccountInfo().catch((err: unknown) => {
        throw new Error(`JetStream is not available on ${nc.getServer()}: ${errorText(err)}`);
      });
      const js = nc.jetstream(jsOpts);
      const jsRead = opts.readTimeoutMs === undefined ? js : nc.jetstream({ ...jsOpts, timeout: opts.readTimeoutMs });
      const bucket = bucketName(opts.clusterId);
      const kvRead = await jsRead.views.kv(bucket, { history: 1, replicas: opts.replicas ?? defaultReplicas(nc) });
      const { config } = (await kvRead.status()).streamInfo;
      // an existing bucket keeps its replicas: the default follows it, not the servers up right now
      const replicas = opts.replicas ?? config.num_replicas;
      // writes keep the long timeout (binding asks the server nothing)
      const kv = jsRead === js ? kvRead : await js.views.kv(bucket, { bindOnly: true, allow_direct: config.allow_direct });
      const ctx: JsStoreContext = {
        nc, js, jsRead, readTimeoutMs: opts.readTimeoutMs ?? PUB_TIMEOUT_MS, jsm, clusterId: opts.clusterId, prefix: opts.prefix || defaultPrefix(opts.clusterId),
        replicas, origin: randomUUID(), logger, fence: opts.fence ?? (() => undefined),
      };
      return new JetStreamStore(ctx, kv, kvRead, limits);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  get connection(): NatsConnection {
    return this.ctx.nc;
  }

  /** The JetStream client and manager (migration, tools). */
  get jetstream(): Pick<JsStoreContext, 'js' | 'jsm'> {
    return { js: this.ctx.js, jsm: this.ctx.jsm };
  }

  getExclusiveLock(): Promise<boolean> {
    return Promise.reject(new StoreError('notSupported'));
  }

  async init(info: ServerInfo): Promise<void> {
    this.ctx.fence();
    await this.kv.put(KEY_SERVER, encodeJson(info));
  }

  setLimits(limits: StoreLimits): void {
    validateLimits(limits);
    this.limits = { ...limits };
  }

  getChannelLimits(channel: string): ChannelLimits | undefined {
    return this.channelLimits.get(channel);
  }

  async recover(): Promise<RecoveredState | null> {
    const entries = await this.readBucket();
    const streams = await this.listStreams();
    const serverEntry = entries.get(KEY_SERVER);
    if (serverEntry === undefined) {
      if (streams.size > 0) throw new StoreError('noServerStateButChannels');
      return null;
    }
    const info = decodeOrFail(KEY_SERVER, () => decodeServerInfo(serverEntry.value));
    const clients: ClientInfo[] = [];
    const channelRecords = new Map<string, { maxSubId: number; rev: number }>();
    const subsByChannel = new Map<string, Array<{ rec: ReturnType<typeof decodeSub>; rev: number }>>();
    for (const [key, e] of entries) {
      const k = parseKey(key);
      if (k === undefined) throw new Error(`KV bucket ${bucketName(this.ctx.clusterId)}: key ${JSON.stringify(key)} is not a natstream key`);
      if (k.kind === 'client') clients.push(decodeOrFail(key, () => decodeClient(e.value)));
      else if (k.kind === 'channel') channelRecords.set(k.channel, { ...decodeOrFail(key, () => decodeChannel(e.value)), rev: e.revision });
      else if (k.kind === 'sub') {
        const rec = decodeOrFail(key, () => decodeSub(e.value));
        if (rec.sub.id !== k.id) throw new Error(`KV key ${key}: the record is of subscription ${rec.sub.id}`);
        const list = subsByChannel.get(k.channel) ?? [];
        list.push({ rec, rev: e.revision });
        subsByChannel.set(k.channel, list);
      }
    }
    for (const ch of subsByChannel.keys()) {
      if (!streams.has(ch)) {
        this.ctx.logger.warn(`KV bucket ${bucketName(this.ctx.clusterId)} has subscriptions of channel ${JSON.stringify(ch)} whose stream is gone; they are not recovered`);
      }
    }
    const channels = new Map<string, RecoveredChannel>();
    for (const [name, si] of streams) {
      const limits = resolveChannelLimits(this.limits, name);
      await this.checkStream(name, si, limits);
      const cr = channelRecords.get(name);
      const subs = new JetStreamSubStore(this.kv, name, limits, cr?.maxSubId ?? 0, cr?.rev ?? 0, this.ctx.fence);
      const recovered: RecoveredSubscription[] = [];
      for (const { rec, rev } of subsByChannel.get(name) ?? []) {
        const pending = new Set(rec.pending);
        subs.addRecovered(rec.sub, pending, rev);
        recovered.push({ sub: { ...rec.sub }, pending: new Set(pending) });
      }
      const msgs = this.msgStore(name, limits);
      await msgs.open(si.state.first_seq, si.state.last_seq, si.state.messages);
      const cs: JsChannel = { msgs, subs };
      this.channels.set(name, cs);
      this.channelLimits.set(name, limits);
      channels.set(name, { channel: cs, subscriptions: recovered });
    }
    return { info, clients, channels };
  }

  /** A stream altered by hand: unusable shapes fail the start-up, other limits are reported and set back. */
  private async checkStream(channel: string, si: StreamInfo, limits: ChannelLimits): Promise<void> {
    const subject = channelSubject(this.ctx.prefix, channel);
    const problems = streamProblems(si, subject);
    if (problems.length > 0) {
      throw new Error(`stream ${si.config.name} of channel ${JSON.stringify(channel)} cannot be used: ${problems.join('; ')}`);
    }
    const diff = limitDifferences(si, limits);
    if (diff.length > 0) {
      this.ctx.logger.warn(`Stream ${si.config.name} of channel ${JSON.stringify(channel)} has other limits than configured (${diff.join(', ')}); setting the configured ones`);
      await this.ctx.jsm.streams.update(si.config.name, withLimits(si, limits));
    }
  }

  async createChannel(channel: string): Promise<ChannelStore> {
    if (this.closed) throw new StoreError('closed');
    this.ctx.fence();
    if (this.channels.has(channel)) throw new StoreError('alreadyExists');
    if (this.limits.maxChannels > 0 && this.channels.size >= this.limits.maxChannels) throw new StoreError('tooManyChannels');
    const limits = resolveChannelLimits(this.limits, channel);
    const name = streamName(this.ctx.clusterId, channel);
    const subject = channelSubject(this.ctx.prefix, channel);
    let si: StreamInfo;
    try {
      si = await this.ctx.jsm.streams.add(streamConfig(name, subject, limits, this.ctx.replicas));
    } catch (err) {
      if (apiErrorCode(err) !== STREAM_NAME_IN_USE) throw err;
      // made meanwhile by someone else (or by hand): use it if it fits
      si = await this.ctx.jsm.streams.info(name);
      await this.checkStream(channel, si, limits);
    }
    const msgs = this.msgStore(channel, limits);
    await msgs.open(si.state.first_seq, si.state.last_seq, si.state.messages);
    const cs: JsChannel = { msgs, subs: new JetStreamSubStore(this.kv, channel, limits, 0, 0, this.ctx.fence) };
    this.channels.set(channel, cs);
    this.channelLimits.set(channel, limits);
    return cs;
  }

  /** natstream only: the channel's delivery counts (dead letters), in a bucket of their own (delivery-counts.ts). */
  async openDeliveryCounts(channel: string): Promise<DeliveryCounts> {
    this.deliveryBucket ??= this.ctx.js.views.kv(deliveryCountsBucket(this.ctx.clusterId), { history: 1, replicas: this.ctx.replicas });
    try {
      return new JetStreamDeliveryCounts(await this.deliveryBucket, channel);
    } catch (err) {
      this.deliveryBucket = undefined;
      throw err;
    }
  }

  async deleteChannel(channel: string): Promise<void> {
    const cs = this.channels.get(channel);
    if (cs === undefined) throw new StoreError('notFound');
    this.ctx.fence();
    this.channels.delete(channel);
    this.channelLimits.delete(channel);
    cs.msgs.stopFollowing();
    // the stream first: a crash afterwards leaves records of a channel without stream, reported and skipped at recovery
    try {
      await this.ctx.jsm.streams.delete(streamName(this.ctx.clusterId, channel));
    } catch (err) {
      if (apiErrorCode(err) !== STREAM_NOT_FOUND) throw err;
    }
    for (const key of [...cs.subs.keys(), channelKey(channel)]) await this.kv.purge(key);
  }

  async addClient(info: ClientInfo): Promise<void> {
    this.ctx.fence();
    await this.kv.put(clientKey(info.id), encodeClient(info));
  }

  async deleteClient(id: string): Promise<void> {
    this.ctx.fence();
    await this.kv.purge(clientKey(id));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const cs of this.channels.values()) {
      await cs.msgs.close();
      await cs.subs.close();
    }
    await this.ctx.nc.drain().catch(() => this.ctx.nc.close());
  }

  private msgStore(channel: string, limits: ChannelLimits): JetStreamMsgStore {
    return new JetStreamMsgStore(this.ctx, channel, streamName(this.ctx.clusterId, channel),
      channelSubject(this.ctx.prefix, channel), limits, this.ctx.logger);
  }

  /** The last value of every key of the bucket. */
  private async readBucket(): Promise<Map<string, KvEntry>> {
    const out = new Map<string, KvEntry>();
    const status = await this.kvRead.status();
    if (status.values === 0) return out;
    const w = await this.kvRead.watch({ ignoreDeletes: false });
    for await (const e of w) {
      if (e.operation === 'PUT') out.set(e.key, e);
      else out.delete(e.key);
      if (e.delta === 0) break;
    }
    w.stop();
    return out;
  }

  /** This cluster's streams by channel name. */
  private async listStreams(): Promise<Map<string, StreamInfo>> {
    const out = new Map<string, StreamInfo>();
    const prefix = streamPrefix(this.ctx.clusterId);
    for await (const si of this.ctx.jsm.streams.list()) {
      if (!si.config.name.startsWith(prefix)) continue;
      const channel = channelOfStream(this.ctx.clusterId, si.config.name);
      if (channel === undefined) throw new Error(`stream ${si.config.name}: the name is not the encoding of a channel name`);
      out.set(channel, si);
    }
    return out;
  }
}

function decodeOrFail<T>(key: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof BadRecord) throw new Error(`KV key ${key} does not decode: ${err.message}`);
    throw err;
  }
}

/** 3 replicas on a JetStream cluster of 3 or more servers, else 1. */
export function defaultReplicas(nc: NatsConnection): number {
  const info = (nc as unknown as { info?: { connect_urls?: string[]; cluster?: string } }).info;
  const servers = info?.connect_urls?.length ?? 1;
  return info?.cluster !== undefined && servers >= 3 ? 3 : 1;
}

export async function openJetStreamStore(opts: JetStreamStoreOptions, limits: StoreLimits, logger: Logger): Promise<JetStreamStore> {
  return JetStreamStore.open(opts, limits, logger);
}
