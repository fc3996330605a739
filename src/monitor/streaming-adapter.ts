/**
 * The StreamingView of a running StreamingServer, read through its public
 * monitoring accessors. Also where the Go server's listing order of a
 * channel's subscriptions is reproduced.
 */
import { STREAMING_VERSION, type Channel, type StreamingServer, type Subscription } from '../streaming/server.js';
import type { ChannelView, ClientView, StreamingCounters, StreamingState, StreamingView, SubscriptionView } from './streaming-view.js';

export function streamingView(server: StreamingServer): StreamingView {
  return {
    // A standby has not read the store yet: the Go server shows no cluster ID.
    get clusterId() { return server.state === 'FT_STANDBY' ? '' : server.clusterId; },
    serverId: server.serverId,
    version: STREAMING_VERSION,
    get state() { return server.state as StreamingState; },
    get startTime() { return new Date(server.startTime); },
    get counters(): StreamingCounters { return server.stats; },
    get storeType() { return server.store.name; },
    damagedRecords: () => server.store.damagedRecords?.() ?? [],
    get limits() { return server.options.limits; },
    get ftActive() { return server.state === 'FT_ACTIVE'; },
    get discoverSubject() { return server.subjects.discovery; },
    get closeSubject() { return server.subjects.close; },
    get deadLetterPrefix() { return server.options.deadLetters.prefix; },
    *clients() {
      for (const c of server.clients.values()) yield clientView(c, server.options.hbInterval);
    },
    client(id) {
      const c = server.clients.get(id);
      return c === undefined ? undefined : clientView(c, server.options.hbInterval);
    },
    *channels() {
      for (const ch of server.channels.values()) yield channelView(ch);
    },
    channel(name) {
      const ch = server.channels.get(name);
      return ch === undefined ? undefined : channelView(ch);
    },
  };
}

type ClientLike = { id: string; hbInbox: string; subs: ReadonlySet<Subscription>; hbDueAt: number; hbFailed: number };

function clientView(c: ClientLike, hbInterval: number): ClientView {
  return {
    id: c.id,
    hbInbox: c.hbInbox,
    // the next check is due one interval after the last answered one (or the connect)
    lastHeartbeat: c.hbDueAt - hbInterval,
    failedHeartbeats: c.hbFailed,
    // Offline durables are listed under their channel only, as in the Go server.
    subscriptions: () => [...c.subs].filter((s) => !s.isOffline && !s.removed).map(subscriptionView),
  };
}

function channelView(ch: Channel): ChannelView {
  return {
    name: ch.name,
    get msgs() { return ch.msgs; },
    get bytes() { return ch.bytes; },
    get firstSeq() { return ch.firstSeq; },
    get lastSeq() { return ch.lastSeq; },
    subscriptions: () => orderedSubscriptions(ch).map(subscriptionView),
    readMessages: (from, limit) => {
      const msgs = ch.store.msgs;
      return msgs.lookupRange(Math.max(from, msgs.firstSequence()), msgs.lastSequence(), limit);
    },
    sequenceAt: (ms) => ch.store.msgs.getSequenceFromTimestamp(BigInt(Math.floor(ms)) * 1_000_000n),
  };
}

/**
 * Go's order: plain subscriptions and online durables in creation order, then
 * offline durables, then each queue group's members followed by its offline
 * shadow when the group has one.
 */
function orderedSubscriptions(ch: Channel): Subscription[] {
  const all = [...ch.subs].filter((s) => !s.removed);
  const direct = all.filter((s) => s.queue === null);
  const out = direct.filter((s) => !s.isOffline);
  out.push(...direct.filter((s) => s.isOffline));
  for (const group of ch.queues.values()) {
    out.push(...all.filter((s) => s.queue === group && s !== group.shadow));
    if (group.shadow !== null && !group.shadow.removed) out.push(group.shadow);
  }
  return out;
}

function subscriptionView(s: Subscription): SubscriptionView {
  return {
    channel: s.channel.name,
    clientId: s.clientId,
    inbox: s.inbox,
    ackInbox: s.ackInbox,
    durableName: s.durableName,
    queueName: s.queueName,
    isDurable: s.isDurable,
    isOffline: s.isOffline,
    maxInFlight: s.maxInFlight,
    ackWaitSeconds: s.ackWait,
    lastSent: s.lastSent,
    pendingCount: s.pendingCount,
    isStalled: s.isStalled,
    deadLettered: s.channel.maxDeliver > 0 ? s.deadLettered : undefined,
  };
}
