/**
 * The NATS Streaming server: wires the feature modules (connect and heartbeats,
 * publish, subscribe and queues, acks and redelivery, unsubscribe, channels and
 * limits, recovery) to a Transport and a Store, and exposes read-only state for
 * monitoring.
 *
 * ```ts
 * const server = new StreamingServer({ transport, store, options, logger });
 * await server.start();   // recovers, subscribes the STAN subjects, logs the banner
 * ...
 * await server.shutdown(); // stops timers, unsubscribes, closes the store
 * ```
 *
 * Ordering invariants (what may await, and what that must not break):
 * - Publishes are sequenced and handed to the message store synchronously as they
 *   arrive; one batch at a time is flushed, delivered and acknowledged (publish.ts).
 * - Acks are handled synchronously as they arrive (delivery.ts).
 * - Subscribe, unsubscribe, sub-close, connection close and dead-client removal
 *   run one at a time on the control lane; unsubscribe and close first wait until
 *   every publish received before them is acknowledged (the Go server's barrier).
 * - A subscription is registered before its SubscriptionResponse is sent and marked
 *   ready right after; it gets no MsgProto before being ready.
 * - A subscription (or queue group) that is catching up from the store gets no
 *   fast-path deliveries, so first deliveries stay in sequence order.
 */

import type { ServerInfo, Store } from '../stores/store.js';
import type { Transport, TransportSubscription } from '../transport/transport.js';
import { prefixedLogger, type Logger } from '../util/logger.js';
import { printLimits } from '../stores/limits.js';
import { encodeCloseRequest, encodeConnectRequest, decodeConnectResponse } from '../protocol/stan-codec.js';
import type { Channel } from './channel.js';
import { ChannelRegistry } from './channels.js';
import { ClientRegistry, type Client } from './client.js';
import { Connections } from './connect.js';
import { ControlLane, type StreamingContext, type StreamingStats } from './context.js';
import { DeadLetters } from './dead-letters.js';
import { Delivery } from './delivery.js';
import { Heartbeats } from './heartbeats.js';
import { nuid } from './nuid.js';
import { streamingOptions, type StreamingOptions } from './options.js';
import { Partitions } from './partitioning.js';
import { Publisher } from './publish.js';
import { Recovery } from './recovery.js';
import { RedeliveryTimer } from './redelivery.js';
import { Removal } from './removal.js';
import { Subscriber } from './subscribe.js';
import { Unsubscriber } from './unsubscribe.js';
import { guarded } from './failures.js';

/** The Go server release whose behaviour natstream reproduces (shown in the banner and monitoring). */
export const STREAMING_VERSION = '0.25.6';

export type StreamingState = 'STANDALONE' | 'FT_STANDBY' | 'FT_ACTIVE' | 'SHUTDOWN';

export interface StreamingServerArgs {
  transport: Transport;
  store: Store;
  /** Missing fields take the Go server's defaults. */
  options: Partial<StreamingOptions>;
  logger: Logger;
  /** The ID a banner printed before the server existed announced (see logStreamingBanner). */
  serverId?: string;
  /** A member of a fault-tolerance group: FT_STANDBY until start() (ft.ts decides when). */
  ftMember?: boolean;
}

/** A new streaming server ID (a NUID), as the banner and /streaming/serverz show it. */
export function newStreamingServerId(): string {
  return nuid.next();
}

/**
 * The first lines of the Go server's log. Printed before anything can fail,
 * so that a fatal start-up error follows them as in the Go server's output.
 * `logger` is the plain one; the lines get the `STREAM: ` prefix here.
 */
export function logStreamingBanner(logger: Logger, clusterId: string, serverId: string): void {
  logger.notice(`STREAM: Starting nats-streaming-server[${clusterId}] version ${STREAMING_VERSION}`);
  logger.notice(`STREAM: ServerID: ${serverId}`);
  // The Go server names its Go runtime here; natstream names its own.
  logger.notice(`STREAM: Node.js version: ${process.version}`);
  logger.notice('STREAM: Git commit: [not set]');
}

export class StreamingServer {
  /** The streaming server's own NUID (not the NATS server ID); new at every start. */
  readonly serverId: string;
  readonly options: StreamingOptions;
  private readonly ctx: StreamingContext;
  private readonly channelRegistry: ChannelRegistry;
  private readonly delivery: Delivery;
  private readonly redelivery: RedeliveryTimer;
  private readonly deadLetters: DeadLetters;
  private readonly removal: Removal;
  private readonly publisher: Publisher;
  private readonly connections: Connections;
  private readonly subscriber: Subscriber;
  private readonly unsubscriber: Unsubscriber;
  private readonly heartbeats: Heartbeats;
  private readonly subs: TransportSubscription[] = [];
  private headerLogged = false;
  private readonly plainLogger: Logger;
  private started = false;
  private startTimeMs = 0;
  private stateValue: StreamingState = 'STANDALONE';
  private partitions: Partitions | null = null;

  constructor(args: StreamingServerArgs) {
    this.options = streamingOptions(args.options);
    this.serverId = args.serverId ?? newStreamingServerId();
    this.plainLogger = args.logger;
    this.headerLogged = args.serverId !== undefined;
    if (args.ftMember) this.stateValue = 'FT_STANDBY';
    const o = this.options;
    this.ctx = {
      transport: args.transport,
      store: args.store,
      options: o,
      log: prefixedLogger(args.logger, 'STREAM: '),
      debug: o.debug,
      trace: o.trace,
      info: newServerInfo(o),
      clients: new ClientRegistry(),
      channels: new Map(),
      stats: { inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0, deadLetters: 0 },
      lane: new ControlLane(),
      closing: false,
    };
    this.channelRegistry = new ChannelRegistry(this.ctx);
    this.delivery = new Delivery(this.ctx);
    this.deadLetters = new DeadLetters(this.ctx, this.delivery);
    this.delivery.deadLetters = this.deadLetters;
    this.redelivery = new RedeliveryTimer(this.ctx, this.delivery, this.deadLetters);
    this.delivery.redelivery = this.redelivery;
    this.removal = new Removal(this.ctx, this.delivery, this.redelivery);
    this.publisher = new Publisher(this.ctx, this.channelRegistry, this.delivery);
    this.deadLetters.publish = (channel, data, reply) => this.publisher.publishInternal(channel, data, reply);
    this.channelRegistry.onCreate = (ch) => this.deadLetters.attach(ch, false);
    // a store whose channels others write too (JETSTREAM) hands their messages to the publisher
    this.channelRegistry.onAdded = (ch) => ch.store.msgs.onForeignMessages?.((msgs) => this.publisher.foreign(ch, msgs));
    this.connections = new Connections(this.ctx, this.removal, this.publisher);
    this.subscriber = new Subscriber(this.ctx, this.channelRegistry, this.delivery, this.redelivery, this.removal);
    this.unsubscriber = new Unsubscriber(this.ctx, this.channelRegistry, this.publisher, this.removal);
    this.heartbeats = new Heartbeats(this.ctx, this.connections);
  }

  /**
   * The first lines of the Go banner (printed before the embedded NATS server
   * starts); `start()` prints them if nobody did.
   */
  logHeader(): void {
    if (this.headerLogged) return;
    this.headerLogged = true;
    logStreamingBanner(this.plainLogger, this.options.clusterId, this.serverId);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.stateValue === 'FT_STANDBY') this.stateValue = 'FT_ACTIVE';
    this.logHeader();
    const { ctx } = this;
    const log = ctx.log;
    const store = ctx.store;
    store.setLimits(this.options.limits);
    if (this.options.partitioning) {
      // Before anything is read: a server whose channels conflict must not start.
      this.partitions = new Partitions(ctx.transport, this.options.clusterId, this.serverId,
        Object.keys(this.options.limits.perChannel ?? {}), log);
      await this.partitions.checkUniqueInCluster();
      this.partitions.watchTopology((err) => {
        log.fatal(`Partitioning error: ${err.message}`);
        process.exit(1);
      });
    }
    log.notice('Recovering the state...');
    const state = await store.recover();
    const recovery = new Recovery(ctx, this.channelRegistry, this.delivery, this.redelivery, this.deadLetters);
    if (state === null) {
      await store.init(ctx.info);
      log.notice('No recovered state');
    } else {
      if (state.info.clusterId !== this.options.clusterId) {
        throw new Error(`cluster ID ${JSON.stringify(this.options.clusterId)} does not match recovered value of ${JSON.stringify(state.info.clusterId)}`);
      }
      ctx.info = { ...state.info };
      if (ctx.info.subClose === '') {
        // a record from a server that predates subscription close: upgrade it
        ctx.info.subClose = newServerInfo(this.options).subClose;
        await store.init(ctx.info);
      }
      const n = await recovery.apply(state);
      log.notice(`Recovered ${n} channel(s)`);
    }
    await this.ensureStandalone();
    await recovery.startDeliveries();
    this.subscribeRequests();
    this.startTimeMs = Date.now();
    const i = ctx.info;
    if (ctx.debug) {
      log.debug(`${'Discover subject:'.padEnd(28)}${i.discovery}`);
      log.debug(`${'Publish subject:'.padEnd(28)}${i.publish}.>`);
      log.debug(`${'Subscribe subject:'.padEnd(28)}${i.subscribe}`);
      log.debug(`${'Subscription Close subject:'.padEnd(28)}${i.subClose}`);
      log.debug(`${'Unsubscribe subject:'.padEnd(28)}${i.unsubscribe}`);
      log.debug(`${'Close subject:'.padEnd(28)}${i.close}`);
    }
    log.notice(`Message store is ${store.name}`);
    if (store.location) log.notice(`Store location: ${store.location}`);
    for (const ch of this.partitions?.channels ?? []) log.notice(ch);
    for (const line of printLimits(this.options.limits)) log.notice(line);
    this.heartbeats.start();
    this.channelRegistry.startInactivityChecks();
    log.notice('Streaming Server is ready');
  }

  /**
   * Another server answering on our discover subject would share the cluster ID:
   * refuse to start (Go: ensureRunningStandAlone, 250 ms wait).
   */
  private async ensureStandalone(): Promise<void> {
    const { ctx } = this;
    const timeout = this.options.standaloneCheckTimeout;
    // Partitioned servers share the cluster ID by design.
    if (timeout <= 0 || this.partitions !== null) return;
    const req = encodeConnectRequest({ clientId: this.options.clusterId, heartbeatInbox: `_INBOX.${nuid.next()}`, protocol: 1 });
    const answer = await ctx.transport.request(ctx.info.discovery, req, timeout);
    if (answer !== null) {
      let ok = false;
      try { ok = decodeConnectResponse(answer).error === ''; } catch { ok = false; }
      if (ok) {
        ctx.transport.publish(`${ctx.info.close}`, encodeCloseRequest(this.options.clusterId));
        throw new Error(`discovered another streaming server with cluster ID ${JSON.stringify(this.options.clusterId)}`);
      }
    }
    if (ctx.debug) ctx.log.debug('Did not detect another server instance');
  }

  private subscribeRequests(): void {
    const t = this.ctx.transport;
    const i = this.ctx.info;
    const log = this.ctx.log;
    const p = this.partitions;
    this.subs.push(
      t.subscribe(i.discovery, guarded(log, 'Connect request failed', this.connections.onConnect)),
      t.subscribe(`${i.discovery}.pings`, guarded(log, 'Client ping failed', this.connections.onPing)),
      t.subscribe(i.subscribe, guarded(log, 'Subscription request failed',
        p ? p.ownedSubscribe(this.subscriber.onSubscribe) : this.subscriber.onSubscribe)),
      t.subscribe(i.unsubscribe, guarded(log, 'Unsubscribe request failed',
        p ? p.ownedUnsubscribe(this.unsubscriber.onUnsubscribe) : this.unsubscriber.onUnsubscribe)),
      t.subscribe(i.subClose, guarded(log, 'Subscription close request failed',
        p ? p.ownedUnsubscribe(this.unsubscriber.onSubClose) : this.unsubscriber.onSubClose)),
      t.subscribe(i.close, guarded(log, 'Close request failed', this.connections.onClose)),
    );
    const onPublish = guarded(log, 'Publish failed', this.publisher.onPublish);
    if (p === null) this.subs.push(t.subscribe(`${i.publish}.>`, onPublish));
    else for (const ch of p.channels) this.subs.push(t.subscribe(`${i.publish}.${ch}`, onPublish));
  }

  async shutdown(): Promise<void> {
    const { ctx } = this;
    if (ctx.closing) return;
    ctx.closing = true;
    this.stateValue = 'SHUTDOWN';
    ctx.log.notice('Shutting down.');
    this.heartbeats.stop();
    this.partitions?.stop();
    this.redelivery.stop();
    this.channelRegistry.stop();
    for (const s of this.subs) s.unsubscribe();
    this.subs.length = 0;
    for (const ch of ctx.channels.values()) {
      for (const sub of ch.subs) {
        sub.ackSub?.unsubscribe();
        sub.ackSub = null;
      }
    }
    await this.publisher.idle();
    await ctx.lane.run(async () => {});
    await this.deadLetters.flushAll();
    await ctx.store.close();
  }

  // --- read-only state for monitoring ------------------------------------

  get clusterId(): string {
    return this.options.clusterId;
  }

  get state(): StreamingState {
    return this.stateValue;
  }

  /** ms since epoch when the server became ready (0 before). */
  get startTime(): number {
    return this.startTimeMs;
  }

  /** The request subjects (from the store when recovered). */
  get subjects(): Readonly<ServerInfo> {
    return this.ctx.info;
  }

  get store(): Store {
    return this.ctx.store;
  }

  /** in_msgs, in_bytes, out_msgs, out_bytes. */
  get stats(): Readonly<StreamingStats> {
    return this.ctx.stats;
  }

  /** Registered clients by ID (each has `id`, `hbInbox`, `subs`). */
  get clients(): ReadonlyMap<string, Client> {
    const m = new Map<string, Client>();
    for (const c of this.ctx.clients.values()) m.set(c.id, c);
    return m;
  }

  /**
   * Channels by name. Each has `msgs`, `bytes`, `firstSeq`, `lastSeq` and `subs`
   * (every subscription, offline durables included); a Subscription has
   * `clientId`, `inbox`, `ackInbox`, `durableName`, `queueName`, `isDurable`,
   * `isOffline`, `maxInFlight`, `ackWait` (s), `lastSent`, `pendingCount`, `isStalled`.
   */
  get channels(): ReadonlyMap<string, Channel> {
    return this.ctx.channels;
  }

  /** Number of subscriptions as /streaming/serverz counts them (offline durables included). */
  get subscriptionCount(): number {
    let n = 0;
    for (const ch of this.ctx.channels.values()) n += ch.subs.size;
    return n;
  }
}

export function newServerInfo(o: Pick<StreamingOptions, 'clusterId' | 'discoverPrefix'>): ServerInfo {
  const cid = o.clusterId;
  return {
    clusterId: cid,
    discovery: `${o.discoverPrefix}.${cid}`,
    publish: `_STAN.pub.${cid}`,
    subscribe: `_STAN.sub.${cid}`,
    unsubscribe: `_STAN.unsub.${cid}`,
    close: `_STAN.close.${cid}`,
    subClose: `_STAN.subclose.${cid}`,
    acksSubs: `_STAN.ack.${cid}`,
    nodeId: '',
  };
}

export type { StreamingOptions } from './options.js';
export type { Channel } from './channel.js';
export type { Client } from './client.js';
export type { Subscription } from './subscription.js';
