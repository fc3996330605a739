import type { Socket } from 'node:net';
import { NatsErr, errLine } from '../../protocol/nats-errors.js';
import { RouteParser, type RouteParserHandler } from '../../protocol/route-parser.js';
import { isValidSubject } from '../../protocol/subject.js';
import { OutBuffer } from '../out-buffer.js';
import type { Subscription } from '../subscription.js';
import { GLOBAL_ACCOUNT, parsePeerConnect, parsePeerInfo, type PeerInfo } from './route-info.js';
import { ROUTE_FIRST_PING_MS } from './options.js';
import type { RouteSet } from './route-set.js';

const FLUSH_HIGH_WATER = 256 * 1024;

/** Why a route ended, with nats-server's words (ClosedState strings). */
export const RouteCloseReason = {
  client: 'Client Closed',
  server: 'Server Shutdown',
  protocol: 'Protocol Violation',
  auth: 'Authentication Failure',
  authTimeout: 'Authentication Timeout',
  stale: 'Stale Connection',
  slowConsumer: 'Slow Consumer (Pending Bytes)',
  readError: 'Read Error',
  duplicateRoute: 'Duplicate Route',
  duplicateName: 'Duplicate Server Name',
  clusterNameConflict: 'Cluster Name Conflict',
  wrongPort: 'Incorrect Port',
  wrongGateway: 'Wrong Gateway',
} as const;
export type RouteCloseReasonText = (typeof RouteCloseReason)[keyof typeof RouteCloseReason];

export const RouteErr = {
  clientOnRoutePort: 'attempted to connect to route port',
  clusterName: (theirs: string, ours: string) => `Rejecting connection, cluster name "${theirs}" does not match "${ours}"`,
  gatewayOnRoutePort: (gw: string) => `Rejecting connection from gateway "${gw}" on the Route port`,
  invalidSubscription: 'Invalid Subscription',
} as const;

/** Where a route was solicited (or, for an accepted one, where its INFO says it listens). */
export interface RouteUrl {
  host: string;
  port: number;
  user?: string;
  pass?: string;
}

/**
 * One route: a TCP connection to another server of the cluster, either
 * solicited (we dialled) or accepted. It keeps the peer's interest as
 * subscriptions in the server's sublist, and sends RS+/RS-/RMSG.
 */
export class RouteConnection implements RouteParserHandler {
  readonly parser = new RouteParser(this);
  readonly out = new OutBuffer();
  /** The peer's interest, keyed as nats-server keys it: `<account> <subject>[ <queue>]`. */
  readonly subs = new Map<string, Subscription>();
  readonly start = new Date();

  remoteId = '';
  remoteName = '';
  peer: PeerInfo | null = null;
  /** Both sides negotiated headers. */
  headers = false;
  registered = false;
  /** The peer answered our first PING: its interest has all arrived. */
  answeredFirstPing = false;
  /** Retry this route when it drops even if it was accepted or discovered (nats-server's route.retry). */
  retry = false;
  closed = false;
  closeReason: RouteCloseReasonText | '' = '';
  flushPending = false;
  blockedSince = 0;

  inMsgs = 0;
  outMsgs = 0;
  inBytes = 0;
  outBytes = 0;
  lastActivity = Date.now();
  /** Milliseconds (fractional) of the last PING round trip. */
  rtt = 0;

  private infoReceived = false;
  private connectReceived = false;
  private msgPrefixSubject = '';
  private msgPrefix: Buffer | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private authTimer: NodeJS.Timeout | null = null;
  private pingsOut = 0;
  private pingSentAt = 0;
  private readonly remoteAddr: string;
  private readonly remotePortNum: number;

  constructor(
    readonly rid: number,
    readonly socket: Socket,
    readonly set: RouteSet,
    public didSolicit: boolean,
    public url: RouteUrl | null,
    /** Listed in --routes / cluster.routes. */
    public isConfigured: boolean,
  ) {
    this.remoteAddr = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    this.remotePortNum = socket.remotePort ?? 0;
  }

  get remoteAddress(): string {
    return this.remoteAddr;
  }

  get remotePort(): number {
    return this.remotePortNum;
  }

  get pendingBytes(): number {
    return this.out.length + this.socket.writableLength;
  }

  logPrefix(): string {
    return `${this.remoteAddr}:${this.remotePortNum} - rid:${this.rid}`;
  }

  /** Starts the timers; the caller has queued CONNECT (solicited) and INFO. */
  begin(authTimeoutMs: number): void {
    this.set.logger.notice(`${this.logPrefix()} - Route connection created`);
    if (!this.didSolicit && authTimeoutMs > 0) {
      this.authTimer = setTimeout(() => this.sendErrAndClose(NatsErr.authTimeout, RouteCloseReason.authTimeout), authTimeoutMs);
      this.authTimer.unref();
    }
    // nats-server measures the round trip at once, then pings on its timer.
    this.sendPing();
    this.schedulePing(ROUTE_FIRST_PING_MS);
    this.flush();
  }

  onData(chunk: Buffer): void {
    this.lastActivity = Date.now();
    try {
      this.parser.parse(chunk);
    } catch (err) {
      // A bug handling one route's input must not take the server down.
      this.set.logger.error(`${this.logPrefix()} - Router parser ERROR: ${(err as Error).message}`);
      this.close(RouteCloseReason.protocol);
    }
  }

  // --- parser callbacks -----------------------------------------------------

  onConnect(json: string): void {
    const c = parsePeerConnect(json);
    if (c === null) return this.close(RouteCloseReason.protocol);
    if (c.lang !== '') {
      this.set.logger.error(`${this.logPrefix()} - ${RouteErr.clientOnRoutePort}`);
      return this.sendErrAndClose(RouteErr.clientOnRoutePort, RouteCloseReason.wrongPort);
    }
    if (c.gateway !== '') {
      const text = RouteErr.gatewayOnRoutePort(c.gateway);
      this.set.logger.error(`${this.logPrefix()} - ${text}`);
      return this.sendErrAndClose(text, RouteCloseReason.wrongGateway);
    }
    if (!this.set.checkRouteAuth(c.user, c.pass)) {
      this.set.logger.error(`${this.logPrefix()} - authentication error`);
      return this.sendErrAndClose(NatsErr.authViolation, RouteCloseReason.auth);
    }
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    this.connectReceived = true;
    if (!this.set.acceptClusterName(this, c.cluster, c.dynamic)) {
      const text = RouteErr.clusterName(c.cluster, this.set.clusterName);
      this.set.logger.error(`${this.logPrefix()} - ${text}`);
      return this.sendErrAndClose(text, RouteCloseReason.clusterNameConflict);
    }
    this.remoteId = c.name;
    this.headers = c.headers && this.set.headersSupported;
  }

  onInfo(json: string): void {
    if (this.refusedBeforeConnect()) return;
    const info = parsePeerInfo(json);
    if (info === null) return this.close(RouteCloseReason.protocol);
    const set = this.set;
    if (info.id === set.serverId) {
      // A route to ourselves (our own URL among the routes).
      this.remoteId = info.id;
      return this.close(RouteCloseReason.duplicateRoute);
    }
    if (info.cluster !== '' && info.cluster !== set.clusterName && !set.acceptClusterName(this, info.cluster, info.dynamic)) {
      this.close(RouteCloseReason.clusterNameConflict);
      set.logger.error(`${this.logPrefix()} - cluster name from remote server conflicts`);
      return;
    }
    if (this.infoReceived) {
      // An INFO about another server: implicit route discovery.
      if (this.remoteId !== '' && info.id !== this.remoteId) set.processImplicitRoute(info);
      return;
    }
    if (!this.didSolicit && info.name === set.serverName) {
      set.logger.error(`${this.logPrefix()} - Remote server has a duplicate name: "${info.name}"`);
      return this.close(RouteCloseReason.duplicateName);
    }
    this.infoReceived = true;
    this.peer = info;
    this.remoteId = info.id;
    this.remoteName = info.name;
    this.headers = info.headers && set.headersSupported;
    if (this.url === null) this.url = { host: info.host, port: info.port };
    set.registerRoute(this, info);
  }

  onPing(): void {
    if (this.refusedBeforeConnect()) return;
    this.out.text('PONG\r\n');
    this.set.scheduleFlush(this);
  }

  onPong(): void {
    if (this.refusedBeforeConnect()) return;
    if (!this.answeredFirstPing) {
      // The peer answers our first PING after it has sent us its interest.
      this.answeredFirstPing = true;
      this.set.routeSettled();
    }
    this.pingsOut = 0;
    if (this.pingSentAt !== 0) {
      this.rtt = performance.now() - this.pingSentAt;
      this.pingSentAt = 0;
    }
  }

  onErr(text: string): void {
    this.set.logger.error(`${this.logPrefix()} - Router Error '${text}'`);
    this.close(RouteCloseReason.client);
  }

  onRemoteSub(account: string, subject: string, queue: string, weight: number, origin: string): void {
    if (this.refusedBeforeConnect()) return;
    void origin;
    const key = queue === '' ? `${account} ${subject}` : `${account} ${subject} ${queue}`;
    const existing = this.subs.get(key);
    if (existing !== undefined) {
      // A queue's RS+ again: only the weight changed. Results cached by the
      // sublist hold this same object, so the new weight applies at once.
      if (queue !== '') existing.weight = weight;
      return;
    }
    if (!isValidSubject(subject)) {
      this.set.logger.error(`${this.logPrefix()} - Could not insert subscription: invalid subject`);
      this.out.text(errLine(RouteErr.invalidSubscription));
      this.set.scheduleFlush(this);
      return;
    }
    const sub: Subscription = {
      subject, queue, sid: key, conn: null, handler: null, max: 0, delivered: 0, closed: false,
      route: this, weight: queue === '' ? 0 : weight,
    };
    this.subs.set(key, sub);
    // Other accounts (nats-server's $SYS) are kept for /routez only: natstream serves the global account.
    if (account === GLOBAL_ACCOUNT) this.set.insertRemote(sub);
  }

  onRemoteUnsub(account: string, subject: string, queue: string): void {
    if (this.refusedBeforeConnect()) return;
    const key = queue === '' ? `${account} ${subject}` : `${account} ${subject} ${queue}`;
    const sub = this.subs.get(key);
    if (sub === undefined) return;
    this.subs.delete(key);
    if (account === GLOBAL_ACCOUNT) this.set.removeRemote(sub);
    sub.closed = true;
  }

  onRoutedMsg(account: string, subject: string, reply: string, queues: string[] | null, headerSize: number, payload: Buffer): void {
    if (this.refusedBeforeConnect()) return;
    this.inMsgs++;
    this.inBytes += payload.length;
    if (account !== GLOBAL_ACCOUNT) return;
    this.set.deliverRouted(this, subject, reply, queues, headerSize, payload);
  }

  onProtocolError(errText: string | null, reason: string): void {
    this.set.logger.error(`${this.logPrefix()} - ${reason}`);
    if (errText !== null) return this.sendErrAndClose(errText, RouteCloseReason.protocol);
    this.close(RouteCloseReason.protocol);
  }

  /**
   * An accepted route that must authenticate may send nothing before its
   * CONNECT (nats-server's parser: any other first operation is an
   * authorization violation).
   */
  private refusedBeforeConnect(): boolean {
    if (this.didSolicit || this.connectReceived || !this.set.options.user) return false;
    this.set.logger.error(`${this.logPrefix()} - authentication error`);
    this.sendErrAndClose(NatsErr.authViolation, RouteCloseReason.auth);
    return true;
  }

  // --- output -----------------------------------------------------------------

  /** `RS+ $G <subject>[ <queue> <weight>]` */
  sendSub(subject: string, queue: string, weight: number): void {
    this.out.text(queue === '' ? `RS+ ${GLOBAL_ACCOUNT} ${subject}\r\n` : `RS+ ${GLOBAL_ACCOUNT} ${subject} ${queue} ${weight}\r\n`);
    this.set.scheduleFlush(this);
  }

  /** `RS- $G <subject>[ <queue>]` */
  sendUnsub(subject: string, queue: string): void {
    this.out.text(queue === '' ? `RS- ${GLOBAL_ACCOUNT} ${subject}\r\n` : `RS- ${GLOBAL_ACCOUNT} ${subject} ${queue}\r\n`);
    this.set.scheduleFlush(this);
  }

  /**
   * RMSG (or HMSG when the message has headers and the peer takes them).
   * `queues` names the groups whose chosen member is behind this route.
   */
  sendMsg(subject: string, reply: string, queues: string[] | null, headerSize: number, payload: Uint8Array): void {
    if (this.closed) return;
    const out = this.out;
    const withHeaders = headerSize > 0 && this.headers;
    const body = headerSize > 0 && !withHeaders ? payload.subarray(headerSize) : payload;
    if (withHeaders) {
      out.text('HMSG $G ');
      out.text(subject);
      out.text(' ');
    } else {
      // Publishers repeat subjects: keep the `RMSG $G <subject> ` bytes of the last one.
      if (this.msgPrefixSubject !== subject) {
        this.msgPrefixSubject = subject;
        this.msgPrefix = Buffer.from(`RMSG $G ${subject} `, 'latin1');
      }
      out.bytes(this.msgPrefix!);
    }
    if (queues !== null && queues.length > 0) {
      if (reply !== '') {
        out.text('+ ');
        out.text(reply);
        out.text(' ');
      } else {
        out.text('| ');
      }
      for (const q of queues) {
        out.text(q);
        out.text(' ');
      }
    } else if (reply !== '') {
      out.text(reply);
      out.text(' ');
    }
    if (withHeaders) {
      out.uint(headerSize);
      out.text(' ');
    }
    out.uint(body.length);
    out.crlf();
    out.bytes(body);
    out.crlf();
    this.outMsgs++;
    this.outBytes += body.length;
    // As for clients: a big burst goes out at once rather than waiting for the end of the turn.
    if (out.length >= FLUSH_HIGH_WATER) this.flush();
    else this.set.scheduleFlush(this);
    if (this.pendingBytes > this.set.maxPending) {
      this.set.logger.notice(`${this.logPrefix()} - Slow Consumer Detected: MaxPending of ${this.set.maxPending} Exceeded`);
      this.close(RouteCloseReason.slowConsumer);
    }
  }

  sendText(text: string): void {
    this.out.text(text);
    this.set.scheduleFlush(this);
  }

  flush(): void {
    if (this.out.length === 0 || this.socket.destroyed) return;
    const accepted = this.socket.write(this.out.take());
    if (!accepted && this.blockedSince === 0) {
      this.blockedSince = Date.now();
      this.socket.once('drain', () => {
        this.blockedSince = 0;
      });
    }
  }

  sendErrAndClose(text: string, reason: RouteCloseReasonText): void {
    if (this.closed) return;
    this.out.text(errLine(text));
    this.close(reason);
  }

  close(reason: RouteCloseReasonText): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.parser.stop();
    if (this.pingTimer) clearTimeout(this.pingTimer);
    if (this.authTimer) clearTimeout(this.authTimer);
    this.pingTimer = this.authTimer = null;
    if (reason === RouteCloseReason.slowConsumer) {
      this.socket.destroy();
    } else {
      this.flush();
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 2000).unref();
    }
    this.set.routeClosed(this);
  }

  // --- PINGs ------------------------------------------------------------------

  private schedulePing(delay: number): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => this.onPingTimer(), delay);
    this.pingTimer.unref();
  }

  private onPingTimer(): void {
    if (this.closed) return;
    if (this.pingsOut + 1 > this.set.pingMaxOut) {
      this.set.logger.debug(`${this.logPrefix()} - Stale Client Connection - Closing`);
      return this.sendErrAndClose(NatsErr.staleConnection, RouteCloseReason.stale);
    }
    if (this.set.logger.debugEnabled) this.set.logger.debug(`${this.logPrefix()} - Router Ping Timer`);
    this.sendPing();
    this.flush();
    this.schedulePing(this.set.pingInterval);
  }

  private sendPing(): void {
    this.pingsOut++;
    this.pingSentAt = performance.now();
    this.out.text('PING\r\n');
  }
}
