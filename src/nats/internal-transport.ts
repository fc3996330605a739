import type { Congestion, MessageHandler, SenderHold, Transport, TransportSubscription } from '../transport/transport.js';
import { routingConnection } from './connection.js';
import type { NatsServer } from './server.js';
import type { Subscription } from './subscription.js';
import { newNuid } from './server-id.js';

/** Matches any byte outside ASCII: such subjects need re-decoding as UTF-8. */
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Converts between the core's latin1 subjects (one char per byte) and text,
 * remembering the last answer: on the streaming path the same subjects and
 * inboxes come back message after message, and the check showed in profiles.
 */
class SubjectConverter {
  private lastIn = '';
  private lastOut = '';

  constructor(private readonly from: BufferEncoding, private readonly to: BufferEncoding) {}

  convert(s: string): string {
    if (s === this.lastIn) return this.lastOut;
    const out = NON_ASCII.test(s) ? Buffer.from(s, this.from).toString(this.to) : s;
    this.lastIn = s;
    this.lastOut = out;
    return out;
  }
}

const textConverter = () => new SubjectConverter('latin1', 'utf8');
const wireConverter = () => new SubjectConverter('utf8', 'latin1');

/**
 * The in-process transport: subscriptions live in the core server's sublist
 * with a handler instead of a connection, so a client's PUB reaches the
 * streaming layer as a function call on the bytes the parser just read.
 */
export class InternalTransport implements Transport {
  private readonly subs = new Set<Subscription>();
  private inboxPrefix = '';
  private inboxSub: Subscription | null = null;
  private readonly waiting = new Map<string, (payload: Uint8Array | null) => void>();
  private nextToken = 1;
  private closed = false;
  private readonly subjectsOut = wireConverter();
  private readonly repliesOut = wireConverter();

  constructor(
    private readonly server: NatsServer,
    readonly name: string,
  ) {}

  subscribe(subject: string, handler: MessageHandler, queue = ''): TransportSubscription {
    const subjects = textConverter();
    const replies = textConverter();
    const wrapped: MessageHandler = (subj, reply, payload) => handler(subjects.convert(subj), replies.convert(reply), payload);
    const sub: Subscription = {
      subject: this.subjectsOut.convert(subject), queue, sid: `${this.name}`, conn: null, handler: wrapped,
      max: 0, delivered: 0, closed: false,
    };
    this.subs.add(sub);
    this.server.insertInternal(sub);
    return {
      unsubscribe: () => {
        this.subs.delete(sub);
        this.server.removeInternal(sub);
      },
    };
  }

  publish(subject: string, payload: Uint8Array, reply = ''): void {
    if (this.closed) return;
    this.server.congested = null;
    this.server.route(null, this.subjectsOut.convert(subject), this.repliesOut.convert(reply), 0, payload);
  }

  takeCongestion(): Congestion | null {
    const c = this.server.congested;
    this.server.congested = null;
    return c;
  }

  holdSender(): SenderHold | null {
    const conn = routingConnection();
    return conn === null ? null : conn.hold();
  }

  request(subject: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array | null> {
    if (this.closed) return Promise.resolve(null);
    if (this.inboxSub === null) {
      this.inboxPrefix = `_INBOX.${newNuid()}.`;
      this.inboxSub = {
        subject: `${this.inboxPrefix}*`, queue: '', sid: this.name, conn: null,
        handler: (subj, _reply, data) => this.onReply(subj, data),
        max: 0, delivered: 0, closed: false,
      };
      this.server.insertInternal(this.inboxSub);
    }
    const wireSubject = this.subjectsOut.convert(subject);
    // Nobody subscribed: nats-server's no-responders status tells a requester at
    // once, which is what makes a dead client's heartbeats fail without waiting.
    const matched = this.server.sublist.match(wireSubject);
    if (matched.psubs.length === 0 && matched.qsubs.length === 0) return Promise.resolve(null);
    const token = String(this.nextToken++);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(token);
        resolve(null);
      }, timeoutMs);
      timer.unref();
      this.waiting.set(token, (data) => {
        clearTimeout(timer);
        resolve(data);
      });
      this.server.route(null, wireSubject, this.inboxPrefix + token, 0, payload);
    });
  }

  private onReply(subject: string, data: Uint8Array): void {
    const token = subject.slice(this.inboxPrefix.length);
    const resolve = this.waiting.get(token);
    if (resolve === undefined) return;
    this.waiting.delete(token);
    // The bytes belong to a read buffer that will be reused: keep a copy.
    resolve(Uint8Array.prototype.slice.call(data));
  }

  async flush(): Promise<void> {
    // Everything routed is already queued on the client connections; they
    // flush at the end of this event-loop turn.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subs) this.server.removeInternal(sub);
    this.subs.clear();
    if (this.inboxSub) this.server.removeInternal(this.inboxSub);
    for (const resolve of this.waiting.values()) resolve(null);
    this.waiting.clear();
  }
}
