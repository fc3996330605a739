import { EventEmitter } from 'node:events';
import net from 'node:net';
import { createRequire } from 'node:module';
import type * as Tls from 'node:tls';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { NatsErr, errLine } from '../protocol/nats-errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { Authenticator } from './auth.js';
import { RouteSet } from './cluster/route-set.js';
import { hostPort } from './host-port.js';
import { ClientConnection, CloseReason, type CloseReasonText } from './connection.js';
import { InternalTransport } from './internal-transport.js';
import { newNonce } from './nkey-auth.js';
import { NATS_SERVER_VERSION } from './version.js';
import { defaultCoreOptions, type CoreOptions } from './options.js';
import { patternMatches } from './permissions.js';
import { newServerId } from './server-id.js';
import { Sublist } from './sublist.js';
import type { Subscription } from './subscription.js';

/** INFO and /varz `version` (see version.ts: a 2.9-compatible pre-release tagged natstream). */
export { NATS_SERVER_VERSION } from './version.js';
const MAX_CLOSED_KEPT = 10_000;

/** A snapshot of a closed connection, for /connz?state=closed. */
export interface ClosedConnection {
  cid: number;
  ip: string;
  port: number;
  start: Date;
  stop: Date;
  reason: string;
  name: string;
  lang: string;
  version: string;
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  /** Milliseconds (fractional). */
  rtt: number;
  lastActivity: Date;
  user: string;
  subjects: string[];
  subs: Array<{ subject: string; queue: string; sid: string; msgs: number; max: number }>;
}

/** A connection the end-of-turn flush can write out: a client or a route. */
export interface Flushable {
  flushPending: boolean;
  readonly closed: boolean;
  flush(): void;
}

/**
 * The core NATS server: accepts client connections, keeps the subject index,
 * routes messages, and hosts the in-process transports of the streaming layer.
 */
export class NatsServer {
  readonly options: CoreOptions;
  readonly serverId = newServerId();
  readonly sublist = new Sublist();
  readonly auth: Authenticator;
  readonly connections = new Map<number, ClientConnection>();
  readonly closed: ClosedConnection[] = [];
  readonly startTime = new Date();
  readonly logger: Logger;
  /** Emits 'closed' with each ClosedConnection (for tests and monitoring; never on the hot path). */
  readonly events = new EventEmitter();
  /** The routes to the other servers of the cluster; null when not clustered. */
  readonly cluster: RouteSet | null;

  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  slowConsumers = 0;
  totalConnections = 0;

  private nextCid = 1;
  private listener: net.Server | null = null;
  private boundPort = 0;
  private readonly toFlush: Flushable[] = [];
  private flushScheduled = false;
  private readonly transports = new Set<InternalTransport>();
  private shuttingDown = false;
  private secureContext: Tls.SecureContext | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;

  constructor(options: Partial<CoreOptions> = {}, logger: Logger = silentLogger) {
    this.options = { ...defaultCoreOptions, ...stripUndefined(options) };
    this.logger = logger;
    this.auth = new Authenticator(this.options);
    // nats-server's own internal clients take the first ids: the first outside client gets 4.
    this.nextCid = 4;
    this.cluster = this.options.cluster ? new RouteSet(this, this.options.cluster) : null;
  }

  /** A connection id; routes share the clients' numbering (rid), as in nats-server. */
  nextConnectionId(): number {
    return this.nextCid++;
  }

  get version(): string {
    return NATS_SERVER_VERSION;
  }

  get goVersion(): string {
    return `node${process.versions.node}`;
  }

  get serverName(): string {
    return this.options.serverName || this.serverId;
  }

  /** The port actually bound (differs from options.port when that was 0 or -1). */
  get port(): number {
    return this.boundPort;
  }

  get host(): string {
    return this.options.host;
  }

  /** Consumes connection ids, as the Go streaming server's own NATS connections do. */
  reserveClientIds(count: number): void {
    this.nextCid += count;
  }

  /**
   * Opens the client listener. `beforeClients` runs after the banner and
   * before the listener (the monitor starts there, as in nats-server's log).
   */
  async listen(beforeClients?: () => Promise<void>): Promise<void> {
    const o = this.options;
    this.logger.notice('Starting nats-server');
    this.logger.notice(`  Version:  ${NATS_SERVER_VERSION}`);
    this.logger.notice(`  Git:      [not set]`);
    if (this.cluster) this.logger.notice(`  Cluster:  ${this.cluster.clusterName}`);
    this.logger.notice(`  Name:     ${this.serverName}`);
    this.logger.notice(`  ID:       ${this.serverId}`);
    if (o.tls) {
      // cert, key and ca are file paths, as in nats-server's tls {} block and --tlscert.
      this.secureContext = loadTls().createSecureContext({
        cert: readFileSync(o.tls.cert),
        key: readFileSync(o.tls.key),
        ca: o.tls.ca ? readFileSync(o.tls.ca) : undefined,
      });
    }
    await this.auth.prepare();
    if (beforeClients) await beforeClients();
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.listener = server;
    const port = o.port < 0 ? 0 : o.port;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: o.host, port, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error(`Error on listener: ${err.message}`));
    this.boundPort = (server.address() as AddressInfo).port;
    this.deadlineTimer = setInterval(() => this.enforceWriteDeadline(), Math.min(1000, o.writeDeadline));
    this.deadlineTimer.unref();
    this.logger.notice(`Listening for client connections on ${hostPort(o.host, this.boundPort)}`);
    this.logger.notice('Server is ready');
    if (this.cluster) await this.cluster.start();
  }

  private accept(socket: net.Socket): void {
    const cid = this.nextCid++;
    this.totalConnections++;
    if (this.shuttingDown) {
      socket.destroy();
      return;
    }
    const ip = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    const nonce = this.auth.nonceRequired ? newNonce() : '';
    const info = this.infoLine(cid, ip, nonce);
    if (this.connections.size >= this.options.maxConnections) {
      socket.on('error', () => undefined);
      socket.end(info + errLine(NatsErr.maxConnections));
      this.logger.error(`${ip}:${socket.remotePort} - cid:${cid} - maximum connections exceeded`);
      return;
    }
    if (this.secureContext !== null) return this.acceptTls(cid, socket, info, nonce);
    this.register(new ClientConnection(cid, socket, this, nonce), info);
  }

  /**
   * nats-server's TLS: INFO in clear text, then the client starts the
   * handshake; a client that does not finish it in time is refused.
   */
  private acceptTls(cid: number, socket: net.Socket, info: string, nonce: string): void {
    const t = this.options.tls!;
    socket.on('error', () => undefined);
    socket.write(info);
    const secure = new (loadTls().TLSSocket)(socket, {
      isServer: true,
      secureContext: this.secureContext!,
      requestCert: Boolean(t.verify),
      rejectUnauthorized: Boolean(t.verify),
    });
    const timer = setTimeout(() => {
      socket.end(errLine(NatsErr.tlsRequired));
      secure.destroy();
    }, (t.timeout ?? 2) * 1000);
    timer.unref();
    secure.once('secure', () => {
      clearTimeout(timer);
      if (this.shuttingDown) return secure.destroy();
      this.register(new ClientConnection(cid, secure, this, nonce), '');
    });
    secure.on('error', (err) => {
      clearTimeout(timer);
      this.logger.error(`${socket.remoteAddress}:${socket.remotePort} - cid:${cid} - TLS handshake error: ${err.message}`);
      secure.destroy();
    });
  }

  private register(conn: ClientConnection, info: string): void {
    const socket = conn.socket;
    socket.on('error', () => conn.close(CloseReason.readError));
    socket.on('close', () => conn.close(CloseReason.client));
    this.connections.set(conn.cid, conn);
    socket.on('data', (chunk: Buffer) => conn.onData(chunk));
    if (this.logger.debugEnabled) this.logger.debug(`${conn.logPrefix()} - Client connection created`);
    conn.begin(info);
  }

  /** The INFO line for connection `cid`, with the single blank the reference puts before CRLF. */
  infoLine(cid: number, clientIp: string, nonce = ''): string {
    const o = this.options;
    const info: Record<string, unknown> = {
      server_id: this.serverId,
      server_name: this.serverName,
      version: NATS_SERVER_VERSION,
      proto: 1,
      go: `node${process.versions.node}`,
      host: o.host,
      port: this.boundPort,
      headers: !o.noHeaderSupport,
    };
    if (this.auth.required) info.auth_required = true;
    if (o.tls) {
      info.tls_required = true;
      if (o.tls.verify) info.tls_verify = true;
    }
    info.max_payload = o.maxPayload;
    info.client_id = cid;
    info.client_ip = clientIp;
    if (this.cluster) this.cluster.decorateClientInfo(info);
    if (nonce !== '') info.nonce = nonce;
    return `INFO ${JSON.stringify(info)} \r\n`;
  }

  /**
   * Delivers a message to every matching subscription and one member of each
   * matching queue group. `from` is null for messages of the in-process transport.
   */
  route(from: ClientConnection | null, subject: string, reply: string, headerSize: number, payload: Uint8Array): void {
    if (this.cluster !== null) return this.cluster.route(from, subject, reply, headerSize, payload);
    this.inMsgs++;
    this.inBytes += payload.length;
    const result = this.sublist.match(subject);
    let delivered = false;
    const noEcho = from !== null && !from.opts.echo;
    for (const sub of result.psubs) {
      if (noEcho && sub.conn === from) continue;
      this.deliver(sub, subject, reply, headerSize, payload);
      delivered = true;
    }
    for (const members of result.qsubs) {
      const n = members.length;
      let i = Math.floor(Math.random() * n);
      for (let tries = 0; tries < n; tries++, i = (i + 1) % n) {
        const sub = members[i];
        if (sub.closed || (noEcho && sub.conn === from)) continue;
        this.deliver(sub, subject, reply, headerSize, payload);
        delivered = true;
        break;
      }
    }
    if (!delivered && reply !== '' && from !== null && from.opts.noResponders && from.headers) {
      from.sendNoResponders(reply);
    }
  }

  /**
   * The last receiving connection whose socket was backed up, for the in-process
   * transport's publisher to pace itself (InternalTransport.takeCongestion).
   */
  congested: ClientConnection | null = null;

  deliver(sub: Subscription, subject: string, reply: string, headerSize: number, payload: Uint8Array): void {
    if (sub.closed) return;
    sub.delivered++;
    this.outMsgs++;
    this.outBytes += payload.length;
    if (sub.handler !== null) {
      sub.handler(subject, reply, headerSize > 0 ? payload.subarray(headerSize) : payload);
    } else if (sub.conn !== null) {
      const conn = sub.conn;
      conn.deliver(sub, subject, reply, headerSize, payload);
      if (conn.blockedSince !== 0) this.congested = conn;
    }
    if (sub.max > 0 && sub.delivered >= sub.max) {
      if (sub.conn !== null) sub.conn.removeSub(sub);
      else this.removeInternal(sub);
    }
  }

  subjectMatches(pattern: string, subject: string): boolean {
    return patternMatches(pattern, subject);
  }

  /** Queues a connection for the end-of-turn flush: one socket write per connection per turn. */
  scheduleFlush(conn: Flushable): void {
    if (conn.flushPending) return;
    conn.flushPending = true;
    this.toFlush.push(conn);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushAll);
    }
  }

  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    const list = this.toFlush.splice(0);
    for (const conn of list) {
      conn.flushPending = false;
      if (!conn.closed) conn.flush();
    }
  };

  /** Cuts connections whose socket has not drained within write_deadline (a coarse sweep, no per-write timer). */
  private enforceWriteDeadline(): void {
    const limit = Date.now() - this.options.writeDeadline;
    for (const conn of this.connections.values()) {
      if (conn.blockedSince !== 0 && conn.blockedSince < limit) {
        this.slowConsumers++;
        this.logger.notice(`${conn.logPrefix()} - Slow Consumer Detected: WriteDeadline of ${this.options.writeDeadline}ms exceeded`);
        conn.close(CloseReason.writeDeadline);
      }
    }
  }

  noteSlowConsumer(conn: ClientConnection): void {
    this.slowConsumers++;
    this.logger.notice(`${conn.logPrefix()} - Slow Consumer Detected: MaxPending of ${this.options.maxPending} Exceeded`);
  }

  connectionClosed(conn: ClientConnection): void {
    if (!this.connections.delete(conn.cid)) return;
    if (this.logger.debugEnabled) {
      this.logger.debug(`${conn.logPrefix()} - Client connection closed: ${conn.closeReason}`);
    }
    const closed: ClosedConnection = {
      cid: conn.cid,
      ip: conn.remoteAddress,
      port: conn.remotePort,
      start: conn.start,
      stop: conn.stopTime ?? new Date(),
      reason: conn.closeReason,
      name: conn.opts.name,
      lang: conn.opts.lang,
      version: conn.opts.version,
      inMsgs: conn.inMsgs,
      outMsgs: conn.outMsgs,
      inBytes: conn.inBytes,
      outBytes: conn.outBytes,
      rtt: conn.rtt,
      lastActivity: new Date(conn.lastActivity),
      user: conn.user,
      subjects: [...conn.subs.values()].map((s) => s.subject),
      subs: [...conn.subs.values()].map((s) => ({ subject: s.subject, queue: s.queue, sid: s.sid, msgs: s.delivered, max: s.max })),
    };
    this.closed.push(closed);
    if (this.closed.length > MAX_CLOSED_KEPT) this.closed.shift();
    this.events.emit('closed', closed);
  }

  /** A transport for the streaming layer that lives inside this server: no socket, no second parse. */
  createInternalTransport(name: string): InternalTransport {
    const t = new InternalTransport(this, name);
    this.transports.add(t);
    return t;
  }

  insertInternal(sub: Subscription): void {
    this.sublist.insert(sub);
  }

  removeInternal(sub: Subscription): void {
    if (sub.closed) return;
    sub.closed = true;
    this.sublist.remove(sub);
  }

  async close(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.logger.notice('Initiating Shutdown...');
    if (this.deadlineTimer) clearInterval(this.deadlineTimer);
    for (const t of this.transports) await t.close();
    await this.cluster?.close();
    const listener = this.listener;
    const closing = listener ? new Promise<void>((resolve) => listener.close(() => resolve())) : Promise.resolve();
    for (const conn of [...this.connections.values()]) {
      conn.close(CloseReason.server);
      conn.socket.destroy();
    }
    await closing;
    this.logger.notice('Server Exiting..');
  }
}

export { hostPort };

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

export { CloseReason, type CloseReasonText };

let tlsModule: typeof Tls | undefined;

/** node:tls takes 5-20 ms to load here: only a server with TLS configured loads it. */
function loadTls(): typeof Tls {
  return (tlsModule ??= createRequire(import.meta.url)('node:tls') as typeof Tls);
}
