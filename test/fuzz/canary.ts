/**
 * A healthy STAN client that keeps exchanging messages with the server while a
 * fuzz test attacks it: it publishes on its own channel, one message after the
 * other's PubAck, and receives them on a subscription. `check()` proves the
 * exchange is still live (a fresh message goes round trip); `stop()` returns
 * what went wrong, if anything (a publish error, a gap, a lost message).
 */
import { closeStan, connectStan, subscribe, withTimeout, type Stan } from '../streaming/harness.js';

export class Canary {
  private sent = 0;
  private acked = 0;
  private readonly received: number[] = [];
  private readonly errors: string[] = [];
  private stopped = false;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  private constructor(private readonly sc: Stan, private readonly channel: string) {}

  static async start(url: string, clusterId: string, name = 'canary'): Promise<Canary> {
    const sc = await connectStan(url, clusterId, name, { reconnect: false });
    const c = new Canary(sc, `${name}.channel`);
    sc.on('error', (e: unknown) => c.errors.push(`client error: ${String(e)}`));
    sc.on('connection_lost', (e: unknown) => c.errors.push(`connection lost: ${String(e)}`));
    const sub = await subscribe(sc, c.channel, null, sc.subscriptionOptions().setDeliverAllAvailable());
    sub.on('message', (m: { getData(): string }) => {
      const n = Number(m.getData());
      c.received.push(n);
      for (const w of c.waiters.filter((x) => x.n === n)) w.resolve();
      c.waiters = c.waiters.filter((x) => x.n !== n);
    });
    c.pump();
    return c;
  }

  private pump(): void {
    if (this.stopped) return;
    const n = ++this.sent;
    try {
      this.sc.publish(this.channel, String(n), (err: unknown) => {
        if (err) this.errors.push(`publish ${n}: ${String(err)}`);
        else this.acked++;
        // paced, so the canary does not compete with the fuzzer for the CPU
        setTimeout(() => this.pump(), 2);
      });
    } catch (e) {
      this.errors.push(`publish ${n} threw: ${(e as Error).message}`);
    }
  }

  /** Resolves once a message published now came back; rejects after `ms`. */
  async check(ms = 5000): Promise<void> {
    if (this.errors.length > 0) throw new Error(`canary: ${this.errors.join('; ')}`);
    const target = this.sent + 1;
    const seen = new Promise<void>((resolve) => this.waiters.push({ n: target, resolve }));
    await withTimeout(seen, ms, `canary message ${target} (server stalled for other clients?)`);
  }

  /** Stops and closes without checking (its server died). */
  abandon(): void {
    if (this.stopped) return;
    this.stopped = true;
    try { this.sc.close(); } catch { /* already closed */ }
    try { this.sc.nc?.close(); } catch { /* already closed */ }
  }

  /** Stops publishing; the problems seen, empty when the exchange stayed healthy. */
  async stop(): Promise<string[]> {
    await this.check().catch((e: Error) => this.errors.push(e.message));
    this.stopped = true;
    const problems = [...this.errors];
    const got = new Set(this.received);
    for (let i = 1; i <= this.acked; i++) if (!got.has(i)) { problems.push(`acked message ${i} never delivered`); break; }
    await closeStan(this.sc);
    return problems;
  }
}
