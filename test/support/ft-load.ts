/**
 * Load for failover runs: a publisher that keeps a window of async publishes
 * in flight and records every PubAck, and a durable queue subscriber that
 * records every delivery. After a failover, `report()` counts acked messages
 * never delivered (must be 0), deliveries repeated without the redelivered
 * flag, and the publish gap (kill to the first PubAck after it).
 */
import { closeStan, connectStan, subscribe, type Stan, type StanMsg, type StanSub } from '../streaming/harness.js';

export interface LoadOptions {
  url: string;
  clusterId: string;
  channel?: string;
  /** Publishes in flight at most (default 20). */
  window?: number;
  /** The client's PubAck timeout (default 2000 ms, as in the Go capture). */
  ackTimeoutMs?: number;
}

export interface FailoverReport {
  acked: number;
  publishErrors: number;
  missing: number;
  duplicates: number;
  redeliveries: number;
  /** ms from `markKill()` to the first PubAck of a publish sent after it. */
  gapMs: number;
}

export class FailoverLoad {
  private pub!: Stan;
  private subc!: Stan;
  private sub!: StanSub;
  private next = 0;
  private inFlight = 0;
  private running = false;
  private idle: (() => void) | null = null;
  readonly acked = new Set<string>();
  private ackWaiters: Array<{ n: number; resolve: () => void }> = [];
  readonly received = new Map<string, number>();
  private duplicates = 0;
  private redeliveries = 0;
  publishErrors = 0;
  private killAt = 0;
  private killSeq = Infinity;
  private firstAckAfterKill = 0;
  private readonly channel: string;
  private onDelivery: (() => void) | null = null;

  constructor(private readonly o: LoadOptions) {
    this.channel = o.channel ?? 'orders';
  }

  async start(): Promise<void> {
    const { url, clusterId } = this.o;
    this.subc = await connectStan(url, clusterId, 'ft-sub', { stanMaxPingOut: 100 });
    const so = this.subc.subscriptionOptions().setDurableName('dur').setManualAckMode(true)
      .setAckWait(2000).setDeliverAllAvailable().setMaxInFlight(200);
    this.sub = await subscribe(this.subc, this.channel, 'workers', so);
    this.sub.on('message', (m: StanMsg) => this.onMessage(m));
    this.pub = await connectStan(url, clusterId, 'ft-pub', { ackTimeout: this.o.ackTimeoutMs ?? 2000, stanMaxPingOut: 100 });
    this.running = true;
    this.fill();
  }

  private onMessage(m: StanMsg): void {
    const data = String(m.getData());
    const seen = this.received.get(data) ?? 0;
    if (seen > 0) {
      if (m.isRedelivered()) this.redeliveries++;
      else this.duplicates++;
    }
    this.received.set(data, seen + 1);
    m.ack();
    this.onDelivery?.();
  }

  private fill(): void {
    const window = this.o.window ?? 20;
    while (this.running && this.inFlight < window) {
      const i = this.next++;
      const data = `m${i}`;
      this.inFlight++;
      this.pub.publish(this.channel, data, (err: unknown) => {
        this.inFlight--;
        if (err) this.publishErrors++;
        else this.onAck(i, data);
        if (this.inFlight === 0) this.idle?.();
        // The next publish after the callback returns, not inside the client's ack handler.
        setImmediate(() => this.fill());
      });
    }
  }

  private onAck(i: number, data: string): void {
    this.acked.add(data);
    if (i >= this.killSeq && this.firstAckAfterKill === 0) this.firstAckAfterKill = Date.now();
    this.ackWaiters = this.ackWaiters.filter((w) => {
      if (this.acked.size < w.n) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `n` publishes in all were acknowledged. */
  untilAcked(n: number, timeoutMs: number): Promise<void> {
    if (this.acked.size >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${this.acked.size} of ${n} publishes acknowledged`)), timeoutMs);
      this.ackWaiters.push({ n, resolve: () => { clearTimeout(t); resolve(); } });
    });
  }

  /** Call right when the active server is killed. */
  markKill(): void {
    this.killAt = Date.now();
    this.killSeq = this.next;
  }

  /** The time of the first PubAck (after the kill) of a publish sent after the kill; 0 before. */
  get firstAckAfterKillAt(): number {
    return this.firstAckAfterKill;
  }

  /** Stops publishing and waits for every publish in flight to be acked or to time out. */
  async stopPublishing(): Promise<void> {
    this.running = false;
    if (this.inFlight > 0) await new Promise<void>((r) => { this.idle = r; });
  }

  /** Waits (bounded) until every acked message was delivered, then counts. */
  async report(timeoutMs: number): Promise<FailoverReport> {
    const allDelivered = () => [...this.acked].every((d) => this.received.has(d));
    if (!allDelivered()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.onDelivery = () => {
          if (!allDelivered()) return;
          clearTimeout(timer);
          resolve();
        };
      });
      this.onDelivery = null;
    }
    const missing = [...this.acked].filter((d) => !this.received.has(d)).length;
    return {
      acked: this.acked.size, publishErrors: this.publishErrors, missing,
      duplicates: this.duplicates, redeliveries: this.redeliveries,
      gapMs: this.firstAckAfterKill ? this.firstAckAfterKill - this.killAt : -1,
    };
  }

  async close(): Promise<void> {
    this.running = false;
    await Promise.all([this.pub && closeStan(this.pub), this.subc && closeStan(this.subc)]);
  }
}
