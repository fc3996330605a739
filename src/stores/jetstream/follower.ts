/**
 * Reads a channel's stream in order from a sequence on, for as long as the store
 * is open: first the messages already there (recovery), then every new one,
 * whoever wrote it. An ordered consumer (ephemeral, flow-controlled, recreated by
 * the client after a gap) gives each message exactly once and in sequence order.
 */

import type { JsMsg } from 'nats';

import { errorText, type JsStoreContext } from './context.js';

export type StreamMsgHandler = (m: JsMsg, nanos: bigint) => void;

export class Follower {
  private stopped = false;
  private iter: { stop(): void } | undefined;

  constructor(
    private readonly ctx: JsStoreContext,
    private readonly stream: string,
    private readonly onMsg: StreamMsgHandler,
    /** Called when reading stopped by itself (the consumer failed); the owner starts a new follower. */
    private readonly onStopped: () => void = () => undefined,
  ) {}

  /**
   * Starts reading at `fromSeq`; resolves once the consumer exists. Rejects (and
   * stops) when that takes longer than the read timeout: a consumer asked for
   * while the stream elects a leader can go unanswered for good.
   */
  async start(fromSeq: number): Promise<void> {
    const opened = this.open(fromSeq);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`TIMEOUT: no consumer on stream ${this.stream}`)), this.ctx.readTimeoutMs + 500);
    });
    try {
      await Promise.race([opened, late]);
    } catch (err) {
      this.stop();
      opened.catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async open(fromSeq: number): Promise<void> {
    const consumer = await this.ctx.jsRead.consumers.get(this.stream, { opt_start_seq: Math.max(1, fromSeq) });
    if (this.stopped) return;
    const iter = await consumer.consume({ max_messages: 1024 });
    if (this.stopped) {
      iter.stop();
      return;
    }
    this.iter = iter;
    void (async () => {
      try {
        for await (const m of iter) {
          if (this.stopped) break;
          this.onMsg(m, ackNanos(m));
        }
      } catch (err) {
        if (!this.stopped) this.ctx.logger.error(`Following stream ${this.stream} stopped: ${errorText(err)}; starting again`);
      }
      if (!this.stopped) {
        this.stopped = true;
        this.onStopped();
      }
    })();
  }

  stop(): void {
    this.stopped = true;
    this.iter?.stop();
  }
}

/**
 * The stream's timestamp of a consumed message, exact: the ack subject carries it
 * in nanoseconds (`$JS.ACK.<stream>.<consumer>.<n>.<sseq>.<cseq>.<ts>.<pending>`,
 * or the longer form with domain and account hash).
 */
export function ackNanos(m: JsMsg): bigint {
  // the ack subject is the reply of the underlying message
  const t = (m as unknown as { reply: string }).reply.split('.');
  const tok = t.length === 9 ? t[7] : t.length >= 11 ? t[9] : '';
  return /^\d+$/.test(tok) ? BigInt(tok) : BigInt(Math.round(m.info.timestampNanos));
}
