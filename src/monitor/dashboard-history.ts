/**
 * The dashboard's memory: one sample a second of what the charts show, the last
 * 15 minutes of them, read from the StreamingView (no work on the message path).
 * It also spots stalled subscriptions: max in flight reached and nothing acked
 * (pending and last sent unchanged) for longer than the ack wait.
 */
import type { StreamingView, SubscriptionView } from './streaming-view.js';

export interface HistorySample {
  /** ms since epoch. */
  t: number;
  /** Per second over the last interval. */
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  clients: number;
  /** Channel → msgs/s stored. */
  channels: Record<string, number>;
  /** Subscription key → [not yet sent, sent and unacked]. */
  subs: Record<string, [number, number]>;
}

/** Charts stay readable: at most this many channels and subscriptions are followed (the first by name). */
export const MAX_SERIES = 24;

export function subscriptionKey(s: SubscriptionView): string {
  return [s.channel, s.clientId, s.durableName, s.queueName, s.inbox].join(' ');
}

interface Prev {
  t: number;
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  lastSeq: Map<string, number>;
}

export class DashboardHistory {
  readonly samples: HistorySample[] = [];
  private prev: Prev | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Subscription key → since when it looks stuck (ms), with what it showed then. */
  private readonly stuck = new Map<string, { since: number; pending: number; lastSent: number }>();
  private stalledKeys: string[] = [];

  constructor(
    private readonly view: () => StreamingView | undefined,
    /** Called every interval: with the new sample, or null while there is no streaming server. */
    private readonly onSample: (s: HistorySample | null) => void,
    private readonly intervalMs = 1000,
    private readonly keep = 900,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Keys of the subscriptions stalled right now. */
  get stalled(): readonly string[] {
    return this.stalledKeys;
  }

  sample(): void {
    const view = this.view();
    if (view === undefined) {
      this.onSample(null);
      return;
    }
    const t = Date.now();
    const k = view.counters;
    const p = this.prev;
    const secs = p === null ? 0 : (t - p.t) / 1000;
    const per = (now: number, before: number | undefined) => (secs > 0 && before !== undefined ? Math.max(0, (now - before) / secs) : 0);
    const lastSeq = new Map<string, number>();
    const channels: Record<string, number> = {};
    const subs: Record<string, [number, number]> = {};
    const stalled: string[] = [];
    const seen = new Set<string>();
    let clients = 0;
    for (const _ of view.clients()) clients++;
    const all = [...view.channels()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ch of all) {
      lastSeq.set(ch.name, ch.lastSeq);
      if (Object.keys(channels).length < MAX_SERIES) channels[ch.name] = per(ch.lastSeq, p?.lastSeq.get(ch.name));
      for (const s of ch.subscriptions()) {
        const key = subscriptionKey(s);
        seen.add(key);
        if (Object.keys(subs).length < MAX_SERIES) subs[key] = [Math.max(0, ch.lastSeq - s.lastSent), s.pendingCount];
        if (this.isStuck(key, s, t)) stalled.push(key);
      }
    }
    for (const key of this.stuck.keys()) if (!seen.has(key)) this.stuck.delete(key);
    this.stalledKeys = stalled;
    const sample: HistorySample = {
      t, clients, channels, subs,
      inMsgs: per(k.inMsgs, p?.inMsgs), outMsgs: per(k.outMsgs, p?.outMsgs),
      inBytes: per(k.inBytes, p?.inBytes), outBytes: per(k.outBytes, p?.outBytes),
    };
    this.prev = { t, inMsgs: k.inMsgs, outMsgs: k.outMsgs, inBytes: k.inBytes, outBytes: k.outBytes, lastSeq };
    this.samples.push(sample);
    if (this.samples.length > this.keep) this.samples.splice(0, this.samples.length - this.keep);
    this.onSample(sample);
  }

  private isStuck(key: string, s: SubscriptionView, now: number): boolean {
    const full = !s.isOffline && s.pendingCount > 0 && s.pendingCount >= s.maxInFlight;
    const was = this.stuck.get(key);
    if (!full) {
      this.stuck.delete(key);
      return false;
    }
    if (was === undefined || was.pending !== s.pendingCount || was.lastSent !== s.lastSent) {
      this.stuck.set(key, { since: now, pending: s.pendingCount, lastSent: s.lastSent });
      return false;
    }
    return now - was.since > s.ackWaitSeconds * 1000;
  }
}
