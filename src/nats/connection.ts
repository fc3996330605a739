import type { Socket } from 'node:net';
import { NatsParser, type NatsParserHandler } from '../protocol/nats-parser.js';
import { NatsErr, errLine, permissionsViolationPublish, permissionsViolationSubscribe } from '../protocol/nats-errors.js';
import { isValidLiteralSubject, isValidSubject } from '../protocol/subject.js';
import { OutBuffer } from './out-buffer.js';
import type { Subscription } from './subscription.js';
import type { NatsServer } from './server.js';
import { parseConnectOptions, type ConnectOptions } from './connect-options.js';
import type { Permissions } from './permissions.js';
import { authErrorText } from './auth.js';

/** Why a connection ended, with the words /connz uses. */
export const CloseReason = {
  client: 'Client Closed',
  server: 'Server Shutdown',
  protocol: 'Protocol Violation',
  auth: 'Authentication Failure',
  authTimeout: 'Authentication Timeout',
  authExpired: 'Authentication Expired',
  stale: 'Stale Connection',
  slowConsumer: 'Slow Consumer (Pending Bytes)',
  writeDeadline: 'Slow Consumer (Write Deadline)',
  maxConnections: 'Maximum Connections Exceeded',
  maxPayload: 'Maximum Message Payload Exceeded',
  readError: 'Read Error',
  writeError: 'Write Error',
} as const;
export type CloseReasonText = (typeof CloseReason)[keyof typeof CloseReason];

const RTT_MEASUREMENT_INTERVAL = 60 * 60 * 1000;
const FIRST_PING_INTERVAL = 2000;
/**
 * Flush at once rather than at the end of the event-loop turn past this many
 * bytes: just under the output buffer's largest start size (out-buffer.ts), so a
 * busy connection keeps writing from one recycled buffer instead of growing it.
 */
const FLUSH_HIGH_WATER = 56 * 1024;

/**
 * Publish pushback: a connection stops being read while this many of its
 * messages are held unanswered by an internal handler (the streaming server's
 * PubAcks), and is read again once half of them are answered. The publisher's
 * socket buffer then fills and its writes wait, instead of the server queueing
 * publishes whose PubAcks would arrive after the client's ack timeout.
 */
export const MAX_HELD_PUBLISHES = 1024;

/** The connection whose PUB is being routed (internal handlers run synchronously within). */
let routing: ClientConnection | null = null;

/** The connection whose PUB an internal handler is handling right now, if any. */
export function routingConnection(): ClientConnection | null {
  return routing;
}

/** One client connection: parses its input, routes its publishes, queues its output. */
export class ClientConnection implements NatsParserHandler {
  readonly parser: NatsParser;
  readonly out = new OutBuffer();
  readonly subs = new Map<string, Subscription>();
  opts: ConnectOptions;
  /** Headers negotiated (server supports them and the client asked). */
  headers = false;
  authorized: boolean;
  permissions: Permissions | null = null;
  user = '';
  closed = false;
  closeReason: CloseReasonText | '' = '';
  /** Registered in the server's list of connections waiting for a flush. */
  flushPending = false;
  /** Answered the client's first PING: from then on it may get an async INFO (cluster changes). */
  firstPongSent = false;

  // Statistics for /connz.
  readonly start = new Date();
  lastActivity = Date.now();
  stopTime: Date | null = null;
  /** Round trip of the last server PING, in fractional milliseconds. */
  rtt = 0;
  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;

  private pingTimer: NodeJS.Timeout | null = null;
  private authTimer: NodeJS.Timeout | null = null;
  private pingsOut = 0;
  private lastPingSent = 0;
  private pingSentAt = 0;
  /** Last time the client sent data or a PING (a PONG does not count). */
  private lastIn = 0;
  private connectReceived = false;

  constructor(
    readonly cid: number,
    readonly socket: Socket,
    readonly server: NatsServer,
    /** The nonce this client's INFO carried ('' when none): nkey and JWT users sign it. */
    readonly nonce = '',
  ) {
    const o = server.options;
    this.parser = new NatsParser(this, { maxControlLine: o.maxControlLine, maxPayload: o.maxPayload });
    this.opts = parseConnectOptions(undefined)!;
    this.authorized = !server.auth.required;
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  /** The socket's own backlog as of the last flush (it only shrinks until the next one). */
  private socketBacklog = 0;

  /** Bytes queued for this client and not yet on the wire. */
  get pendingBytes(): number {
    return this.out.length + this.socketBacklog;
  }

  /** Sends INFO (unless a TLS upgrade already did) and starts the timers. */
  begin(infoLine: string): void {
    if (infoLine !== '') {
      this.out.text(infoLine);
      this.flush();
    }
    if (!this.authorized) {
      this.authTimer = setTimeout(() => {
        this.sendErrAndClose(NatsErr.authTimeout, CloseReason.authTimeout);
      }, this.server.options.authTimeout);
      this.authTimer.unref();
    }
    this.schedulePing(this.server.options.pingInterval);
  }

  onData(chunk: Buffer): void {
    this.lastActivity = Date.now();
    try {
      this.parser.parse(chunk);
    } catch (err) {
      // A fault while handling one client's input ends that connection, never the process.
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.server.logger.error(`${this.logPrefix()} - Error processing client input: ${detail}`);
      this.sendErrAndClose(NatsErr.internalError, CloseReason.protocol);
    }
  }

  // --- parser callbacks -----------------------------------------------------

  onConnect(json: string): void {
    const opts = parseConnectOptions(json);
    if (opts === null) return this.close(CloseReason.protocol);
    if (opts.account !== undefined || opts.newAccount !== undefined) {
      return this.sendErrAndClose(NatsErr.authViolation, CloseReason.auth);
    }
    if (this.server.auth.required) {
      const user = this.server.auth.check(opts, this.nonce);
      if (user === null) {
        this.server.logger.error(`${this.logPrefix()} - ${authErrorText(this.server.auth, opts)}`);
        return this.sendErrAndClose(NatsErr.authViolation, CloseReason.auth);
      }
      this.user = user.name;
      this.permissions = user.permissions;
      this.authorized = true;
      if (this.authTimer) clearTimeout(this.authTimer);
      this.authTimer = null;
      if (user.expiresAt) this.expireAt(user.expiresAt);
    }
    if (opts.protocol < 0 || opts.protocol > 1) {
      return this.sendErrAndClose(NatsErr.invalidProtocol, CloseReason.protocol);
    }
    if (opts.noResponders && !opts.headers) {
      return this.sendErrAndClose(NatsErr.noRespondersNeedHeaders, CloseReason.protocol);
    }
    this.opts = opts;
    this.headers = opts.headers && !this.server.options.noHeaderSupport;
    this.parser.headersAllowed = this.headers;
    if (opts.verbose) this.sendOk();
    if (!this.connectReceived) {
      this.connectReceived = true;
      const first = Math.min(FIRST_PING_INTERVAL, this.server.options.pingInterval);
      this.schedulePing(first * (1 + Math.random() * 0.2));
    }
  }

  /** A user JWT's expiry ends the connection then, as nats-server's authExpired does. */
  private expireAt(epochMs: number): void {
    this.authTimer = setTimeout(() => {
      this.sendErrAndClose(NatsErr.authExpired, CloseReason.authExpired);
    }, Math.max(0, epochMs - Date.now()));
    this.authTimer.unref();
  }

  onPub(subject: string, reply: string, payload: Buffer): void {
    this.publish(subject, reply, 0, payload);
  }

  onHpub(subject: string, reply: string, headerSize: number, payload: Buffer): void {
    this.publish(subject, reply, headerSize, payload);
  }

  private publish(subject: string, reply: string, headerSize: number, payload: Buffer): void {
    if (!this.authorized) return this.sendErrAndClose(NatsErr.authViolation, CloseReason.auth);
    this.lastIn = this.lastActivity;
    this.inMsgs++;
    this.inBytes += payload.length;
    if (this.opts.pedantic && !isValidLiteralSubject(subject)) {
      this.sendErr(NatsErr.invalidPublishSubject);
    }
    if (this.permissions !== null && !this.permissions.canPublish(subject)) {
      this.sendErr(permissionsViolationPublish(subject));
      return;
    }
    if (this.opts.verbose) this.sendOk();
    const outer = routing;
    routing = this;
    try {
      this.server.route(this, subject, reply, headerSize, payload);
    } finally {
      routing = outer;
    }
  }

  /** Messages of this connection held unanswered (publish pushback). */
  private held = 0;
  private readPaused = false;

  /** Counts one more unanswered message; pauses reading at MAX_HELD_PUBLISHES. Returns this, to release(). */
  hold(): this {
    if (++this.held >= MAX_HELD_PUBLISHES && !this.readPaused && !this.closed) {
      this.readPaused = true;
      this.socket.pause();
    }
    return this;
  }

  release(): void {
    if (this.held > 0) this.held--;
    if (this.readPaused && this.held <= MAX_HELD_PUBLISHES / 2) {
      this.readPaused = false;
      if (!this.closed) this.socket.resume();
    }
  }

  onSub(subject: string, queue: string, sid: string): void {
    if (!this.authorized) return this.sendErrAndClose(NatsErr.authViolation, CloseReason.auth);
    this.lastIn = this.lastActivity;
    if (!isValidSubject(subject)) return this.sendErr(NatsErr.invalidSubject);
    if (this.permissions !== null && !this.permissions.canSubscribe(subject, queue)) {
      return this.sendErr(permissionsViolationSubscribe(subject, queue));
    }
    const max = this.server.options.maxSubscriptions;
    if (max > 0 && this.subs.size >= max) return this.sendErr(NatsErr.maxSubscriptions);
    if (!this.subs.has(sid)) {
      const sub: Subscription = { subject, queue, sid, conn: this, handler: null, max: 0, delivered: 0, closed: false };
      this.subs.set(sid, sub);
      this.server.sublist.insert(sub);
    }
    if (this.opts.verbose) this.sendOk();
  }

  onUnsub(sid: string, max: number): void {
    if (!this.authorized) return this.sendErrAndClose(NatsErr.authViolation, CloseReason.auth);
    this.lastIn = this.lastActivity;
    if (this.opts.verbose) this.sendOk();
    const sub = this.subs.get(sid);
    if (sub === undefined) return;
    if (max > 0 && max > sub.delivered) sub.max = max;
    else this.removeSub(sub);
  }

  onPing(): void {
    if (!this.authorized) return this.sendErrAndClose(NatsErr.authViolation, CloseReason.auth);
    this.lastIn = this.lastActivity;
    this.firstPongSent = true;
    this.out.text('PONG\r\n');
    this.server.scheduleFlush(this);
  }

  onPong(): void {
    if (!this.authorized) return this.sendErrAndClose(NatsErr.authViolation, CloseReason.auth);
    this.pingsOut = 0;
    if (this.pingSentAt !== 0) {
      this.rtt = performance.now() - this.pingSentAt;
      this.pingSentAt = 0;
    }
  }

  onProtocolError(errText: string | null, reason: string): void {
    this.server.logger.error(`${this.logPrefix()} - ${reason}`);
    if (errText === NatsErr.maxPayload) return this.sendErrAndClose(errText, CloseReason.maxPayload);
    if (errText !== null) return this.sendErrAndClose(errText, CloseReason.protocol);
    this.close(CloseReason.protocol);
  }

  // --- output -----------------------------------------------------------------

  /**
   * Queues one message for subscription `sub`. Returns false when the
   * connection was cut as a slow consumer instead.
   */
  deliver(sub: Subscription, subject: string, reply: string, headerSize: number, payload: Uint8Array): boolean {
    if (this.closed) return false;
    const out = this.out;
    if (headerSize > 0 && this.headers) {
      out.text('HMSG ');
      out.text(subject);
      out.text(' ');
      out.text(sub.sid);
      out.text(' ');
      if (reply !== '') {
        out.text(reply);
        out.text(' ');
      }
      out.uint(headerSize);
      out.text(' ');
      out.uint(payload.length);
      out.crlf();
      out.bytes(payload);
    } else {
      const body = headerSize > 0 ? payload.subarray(headerSize) : payload;
      if (sub.msgPrefixSubject !== subject) {
        sub.msgPrefixSubject = subject;
        sub.msgPrefix = Buffer.from(`MSG ${subject} ${sub.sid} `, 'latin1');
      }
      out.bytes(sub.msgPrefix!);
      if (reply !== '') {
        out.text(reply);
        out.text(' ');
      }
      out.uint(body.length);
      out.crlf();
      out.bytes(body);
    }
    out.crlf();
    this.outMsgs++;
    this.outBytes += payload.length;
    if (out.length >= FLUSH_HIGH_WATER) this.flush();
    else this.server.scheduleFlush(this);
    if (this.pendingBytes > this.server.options.maxPending) {
      this.server.noteSlowConsumer(this);
      this.close(CloseReason.slowConsumer);
      return false;
    }
    return true;
  }

  /** The 503 status a no_responders requester gets when nobody received its request. */
  sendNoResponders(reply: string): void {
    for (const sub of this.subs.values()) {
      if (sub.queue !== '' || !this.server.subjectMatches(sub.subject, reply)) continue;
      this.out.text('HMSG ');
      this.out.text(reply);
      this.out.text(' ');
      this.out.text(sub.sid);
      this.out.text(' 16 16\r\nNATS/1.0 503\r\n\r\n\r\n');
      this.server.scheduleFlush(this);
      return;
    }
  }

  sendOk(): void {
    this.out.text('+OK\r\n');
    this.server.scheduleFlush(this);
  }

  sendErr(text: string): void {
    this.out.text(errLine(text));
    this.server.scheduleFlush(this);
  }

  sendErrAndClose(text: string, reason: CloseReasonText): void {
    if (this.closed) return;
    this.out.text(errLine(text));
    this.close(reason);
  }

  /** Since when the socket has refused to take more bytes (0 = it is keeping up). */
  blockedSince = 0;
  /** Called once the socket takes bytes again (or the connection closes). */
  private drainWaiters: Array<() => void> | null = null;

  /** Writes everything queued to the socket. */
  flush(): void {
    if (this.out.length === 0 || this.socket.destroyed) return;
    const accepted = this.socket.write(this.out.take());
    this.socketBacklog = this.socket.writableLength;
    if (this.socketBacklog === 0) this.out.recycle();
    if (!accepted && this.blockedSince === 0) {
      this.blockedSince = Date.now();
      this.socket.once('drain', () => {
        this.blockedSince = 0;
        this.socketBacklog = this.socket.writableLength;
        this.wakeDrainWaiters();
      });
    }
  }

  /**
   * Calls `cb` once this connection's socket has drained (at once when it is not
   * backed up): publishers in the process that stopped sending to it (the
   * streaming server's deliveries) resume then, instead of piling messages up in
   * its write queue.
   */
  whenDrained(cb: () => void): void {
    if (this.closed || this.blockedSince === 0) {
      queueMicrotask(cb);
      return;
    }
    (this.drainWaiters ??= []).push(cb);
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    if (waiters === null) return;
    this.drainWaiters = null;
    for (const cb of waiters) cb();
  }

  close(reason: CloseReasonText): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.stopTime = new Date();
    this.parser.stop();
    if (this.pingTimer) clearTimeout(this.pingTimer);
    if (this.authTimer) clearTimeout(this.authTimer);
    this.pingTimer = this.authTimer = null;
    for (const sub of this.subs.values()) {
      sub.closed = true;
      this.server.sublist.remove(sub);
    }
    queueMicrotask(() => this.wakeDrainWaiters());
    if (reason === CloseReason.slowConsumer || reason === CloseReason.writeDeadline) {
      // Whatever is queued would only grow the backlog that got it cut.
      this.socket.destroy();
    } else {
      this.flush();
      this.socket.end();
      // A peer that never reads must not keep the socket half-open forever.
      setTimeout(() => this.socket.destroy(), 2000).unref();
    }
    this.server.connectionClosed(this);
  }

  removeSub(sub: Subscription): void {
    if (sub.closed) return;
    sub.closed = true;
    this.subs.delete(sub.sid);
    this.server.sublist.remove(sub);
  }

  logPrefix(): string {
    return `${this.remoteAddress}:${this.remotePort} - cid:${this.cid}`;
  }

  // --- server PINGs -----------------------------------------------------------

  private schedulePing(delay: number): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => this.onPingTimer(), delay);
    this.pingTimer.unref();
  }

  private onPingTimer(): void {
    if (this.closed) return;
    const now = Date.now();
    const interval = this.server.options.pingInterval;
    const recentlyActive = now - this.lastIn < interval;
    const rttFresh = this.lastPingSent !== 0 && now - this.lastPingSent < RTT_MEASUREMENT_INTERVAL;
    if (!(recentlyActive && rttFresh)) {
      if (this.pingsOut + 1 > this.server.options.pingMaxOut) {
        this.server.logger.debug(`${this.logPrefix()} - Stale Client Connection - Closing`);
        return this.sendErrAndClose(NatsErr.staleConnection, CloseReason.stale);
      }
      this.pingsOut++;
      this.lastPingSent = now;
      this.pingSentAt = performance.now();
      this.out.text('PING\r\n');
      this.flush();
    }
    this.schedulePing(interval);
  }
}
