/**
 * /streaming/serverz, storez, clientsz, channelsz: the documents of
 * nats-streaming-server's server/monitor.go, built from a StreamingView.
 * Times are in the process's local zone, as the Go server prints them.
 */
import { resolveChannelLimits } from '../stores/limits.js';
import type { ChannelLimits } from '../stores/store.js';
import { MonitorText } from './errors.js';
import type { GoJsonValue } from './go-json.js';
import { formatGoTime, goUptime, msToNs } from './go-time.js';
import type { ProcessFigures } from './process-stats.js';
import { pageBounds } from './query.js';
import type { ChannelView, ClientView, StreamingView, SubscriptionView } from './streaming-view.js';

/** A lookup of one client or channel that found nothing: 404 with this text. */
export class NotFound extends Error {
  constructor(readonly text: string) {
    super(text);
    this.name = 'NotFound';
  }
}

export interface StoreTotals {
  channels: number;
  subscriptions: number;
  msgs: number;
  bytes: number;
}

export function storeTotals(view: StreamingView): StoreTotals {
  const t: StoreTotals = { channels: 0, subscriptions: 0, msgs: 0, bytes: 0 };
  for (const c of view.channels()) {
    t.channels++;
    t.subscriptions += c.subscriptions().length;
    t.msgs += c.msgs;
    t.bytes += c.bytes;
  }
  return t;
}

export function buildServerz(view: StreamingView, figures: ProcessFigures, now: number): GoJsonValue {
  const totals = storeTotals(view);
  const start = view.startTime.getTime();
  let clients = 0;
  for (const _ of view.clients()) clients++;
  const c = view.counters;
  return {
    cluster_id: view.clusterId,
    server_id: view.serverId,
    version: view.version,
    go: `node${process.versions.node}`,
    state: view.state,
    role: view.role || undefined,
    now: formatGoTime(now, true),
    start_time: formatGoTime(start, true),
    uptime: goUptime(now - start),
    clients,
    subscriptions: totals.subscriptions,
    channels: totals.channels,
    total_msgs: totals.msgs,
    total_bytes: totals.bytes,
    in_msgs: c.inMsgs,
    in_bytes: c.inBytes,
    out_msgs: c.outMsgs,
    out_bytes: c.outBytes,
    open_fds: figures.openFds || undefined,
    max_fds: figures.maxFds || undefined,
  };
}

export function buildStorez(view: StreamingView, now: number): GoJsonValue {
  const totals = storeTotals(view);
  const l = view.limits;
  const per = l.perChannel ?? {};
  const keys = Object.keys(per);
  return {
    cluster_id: view.clusterId,
    server_id: view.serverId,
    now: formatGoTime(now, true),
    type: view.storeType,
    limits: {
      max_channels: l.maxChannels,
      ...channelLimits(l),
      // Per-channel entries as the Go server shows them after inheritance: unlimited is 0.
      channels: keys.length > 0 ? new Map(keys.map((k) => [k, channelLimits(resolveChannelLimits(l, k))])) : undefined,
    },
    total_msgs: totals.msgs,
    total_bytes: totals.bytes,
    // natstream only, present when a damaged record was met (Go has no such field).
    damaged: damagedList(view),
  };
}

function damagedList(view: StreamingView): GoJsonValue | undefined {
  const d = view.damagedRecords?.() ?? [];
  if (d.length === 0) return undefined;
  return d.map((r) => ({ channel: r.channel, file: r.file, offset: r.offset, sequence: r.sequence, error: r.error }));
}

function channelLimits(l: ChannelLimits): Record<string, number> {
  return {
    max_msgs: l.maxMsgs,
    max_bytes: l.maxBytes,
    max_age: msToNs(l.maxAge),
    max_subscriptions: l.maxSubscriptions,
    max_inactivity: msToNs(l.maxInactivity),
  };
}

export interface ListOptions {
  offset: number;
  limit: number;
  subs: boolean;
}

export function buildClientsz(view: StreamingView, opts: ListOptions, now: number): GoJsonValue {
  const all = [...view.clients()].sort((a, b) => compare(a.id, b.id));
  const [min, max] = pageBounds(opts.offset, opts.limit, all.length);
  const page = all.slice(min, max);
  return {
    cluster_id: view.clusterId,
    server_id: view.serverId,
    now: formatGoTime(now, true),
    offset: opts.offset,
    limit: opts.limit,
    count: page.length,
    total: all.length,
    clients: page.map((c) => clientz(c, opts.subs)),
  };
}

export function buildOneClient(view: StreamingView, id: string, subs: boolean): GoJsonValue {
  const c = view.client(id);
  if (c === undefined) throw new NotFound(MonitorText.clientNotFound(id));
  return clientz(c, subs);
}

function clientz(c: ClientView, withSubs: boolean): GoJsonValue {
  const subs = c.subscriptions();
  let byChannel: Map<string, GoJsonValue[]> | undefined;
  if (withSubs && subs.length > 0) {
    byChannel = new Map();
    for (const s of subs) {
      const list = byChannel.get(s.channel);
      if (list) list.push(subscriptionz(s));
      else byChannel.set(s.channel, [subscriptionz(s)]);
    }
  }
  return { id: c.id, hb_inbox: c.hbInbox, subs_count: subs.length, subscriptions: byChannel };
}

export function buildChannelsz(view: StreamingView, opts: ListOptions, now: number): GoJsonValue {
  const all = [...view.channels()].sort((a, b) => compare(a.name, b.name));
  const [min, max] = pageBounds(opts.offset, opts.limit, all.length);
  const page = all.slice(min, max);
  return {
    cluster_id: view.clusterId,
    server_id: view.serverId,
    now: formatGoTime(now, true),
    offset: opts.offset,
    limit: opts.limit,
    count: page.length,
    total: all.length,
    // Both lists are omitted when empty (Go omitempty).
    names: !opts.subs && page.length > 0 ? page.map((c) => c.name) : undefined,
    channels: opts.subs && page.length > 0 ? page.map((c) => channelz(c, true)) : undefined,
  };
}

export function buildOneChannel(view: StreamingView, name: string, subs: boolean): GoJsonValue {
  const c = view.channel(name);
  if (c === undefined) throw new NotFound(MonitorText.channelNotFound(name));
  return channelz(c, subs);
}

function channelz(c: ChannelView, withSubs: boolean): GoJsonValue {
  const subs = c.subscriptions();
  return {
    name: c.name,
    msgs: c.msgs,
    bytes: c.bytes,
    first_seq: c.firstSeq,
    last_seq: c.lastSeq,
    subs_count: subs.length,
    subscriptions: withSubs && subs.length > 0 ? subs.map(subscriptionz) : undefined,
  };
}

function subscriptionz(s: SubscriptionView): GoJsonValue {
  return {
    client_id: s.clientId,
    inbox: s.inbox,
    ack_inbox: s.ackInbox,
    durable_name: s.durableName || undefined,
    queue_name: s.queueName || undefined,
    is_durable: s.isDurable,
    is_offline: s.isOffline,
    max_inflight: s.maxInFlight,
    ack_wait: s.ackWaitSeconds,
    last_sent: s.lastSent,
    pending_count: s.pendingCount,
    is_stalled: s.isStalled,
    // natstream only, and only where max_deliver is set: the Go documents stay as they are otherwise
    dead_lettered: s.deadLettered,
  };
}

/** Go compares strings by bytes; code unit order differs only past the BMP, which channel names rarely reach. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
