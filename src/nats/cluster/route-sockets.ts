import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../util/logger.js';
import { hostPort } from '../host-port.js';
import { ROUTE_CONNECT_DELAY_MS, type ClusterOptions } from './options.js';
import type { RouteUrl } from './route.js';

/**
 * The sockets of the routes: the route listener and the dialer with its
 * retries (nats-server's connectToRoute), with the TLS handshake first when
 * routes use TLS. Each established socket goes to `onSocket`, with the URL
 * it was dialled at (null for an accepted one).
 */
export class RouteSockets {
  private listener: net.Server | null = null;
  private boundPort = 0;
  private running = false;
  private secureContext: tls.SecureContext | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly dialing = new Set<net.Socket>();

  constructor(
    private readonly options: ClusterOptions,
    private readonly logger: Logger,
    private readonly onSocket: (socket: net.Socket, url: RouteUrl | null) => void,
  ) {}

  /** The route listener's port (0 before `listen`). */
  get port(): number {
    return this.boundPort;
  }

  get tls(): boolean {
    return this.secureContext !== null;
  }

  async listen(): Promise<void> {
    const o = this.options;
    if (o.tls) {
      this.secureContext = tls.createSecureContext({
        cert: readFileSync(o.tls.cert),
        key: readFileSync(o.tls.key),
        ca: o.tls.ca ? readFileSync(o.tls.ca) : undefined,
      });
    }
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`Error listening on router port: ${o.port} - ${err.message}`)));
      server.listen({ host: o.host, port: o.port < 0 ? 0 : o.port }, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error(`Error on route listener: ${err.message}`));
    this.listener = server;
    this.boundPort = (server.address() as AddressInfo).port;
    this.running = true;
  }

  async close(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.dialing) s.destroy();
    this.dialing.clear();
    const listener = this.listener;
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
  }

  /**
   * Dials a route, retrying every second: forever for a configured route,
   * `connect_retries` times for a discovered one.
   */
  dial(url: RouteUrl, tryForever: boolean, firstConnect: boolean): void {
    let attempts = 0;
    const attempt = (): void => {
      if (!this.running || this.isSelf(url)) return;
      const where = hostPort(url.host, url.port);
      if (this.logger.debugEnabled) this.logger.debug(`Trying to connect to route on ${where} (${where})`);
      const socket = net.connect({ host: url.host, port: url.port, noDelay: true });
      this.dialing.add(socket);
      const onError = (err: Error): void => {
        this.dialing.delete(socket);
        socket.destroy();
        attempts++;
        const text = `Error trying to connect to route (attempt ${attempts}): ${goDialError(where, err)}`;
        // nats-server reports the first failure of a first connection, and every failure of a reconnection.
        if (!firstConnect || attempts === 1) this.logger.error(text);
        else this.logger.debug(text);
        if (!tryForever && attempts > (this.options.connectRetries ?? 0)) return;
        this.later(ROUTE_CONNECT_DELAY_MS, attempt);
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        this.dialing.delete(socket);
        socket.off('error', onError);
        if (!this.running) return void socket.destroy();
        if (this.secureContext === null) return void this.onSocket(socket, url);
        socket.on('error', () => undefined);
        const secure = tls.connect({
          socket, secureContext: this.secureContext, rejectUnauthorized: true,
          servername: net.isIP(url.host) ? undefined : url.host,
        });
        this.handshake(secure, socket, 'secureConnect', () => this.onSocket(secure, url));
      });
    };
    attempt();
  }

  /** Runs `fn` after `ms` unless closed first. */
  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Our own route listener (a shared routes list names every server, this one too). */
  isSelf(url: RouteUrl): boolean {
    if (url.port !== this.boundPort) return false;
    if (url.host === 'localhost' || url.host === this.options.host) return true;
    for (const addrs of Object.values(os.networkInterfaces())) {
      for (const a of addrs ?? []) if (a.address === url.host) return true;
    }
    return false;
  }

  private accept(socket: net.Socket): void {
    if (!this.running) return void socket.destroy();
    if (this.secureContext === null) return this.onSocket(socket, null);
    // Routes with TLS: the handshake comes first, the INFO after it (nats-server createRoute).
    socket.on('error', () => undefined);
    const secure = new tls.TLSSocket(socket, {
      isServer: true, secureContext: this.secureContext, requestCert: true, rejectUnauthorized: true,
    });
    this.handshake(secure, socket, 'secure', () => this.onSocket(secure, null));
  }

  /** Bounds a TLS handshake by the `tls { timeout }`, logging a failure as nats-server does. */
  private handshake(secure: tls.TLSSocket, raw: net.Socket, event: 'secure' | 'secureConnect', ok: () => void): void {
    const addr = `${raw.remoteAddress?.replace(/^::ffff:/, '')}:${raw.remotePort}`;
    const timer = setTimeout(() => {
      this.logger.error(`${addr} - TLS route handshake error: timeout`);
      secure.destroy();
    }, (this.options.tls?.timeout ?? 2) * 1000);
    timer.unref();
    const onError = (err: Error): void => {
      clearTimeout(timer);
      this.logger.error(`${addr} - TLS route handshake error: ${err.message}`);
      secure.destroy();
    };
    secure.once('error', onError);
    secure.once(event, () => {
      clearTimeout(timer);
      secure.off('error', onError);
      if (!this.running) return void secure.destroy();
      ok();
    });
  }
}

/** A dial failure in the words of Go's net package, as nats-server logs it. */
function goDialError(where: string, err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return `dial tcp ${where}: connect: connection refused`;
  if (code === 'ETIMEDOUT') return `dial tcp ${where}: i/o timeout`;
  if (code === 'EHOSTUNREACH') return `dial tcp ${where}: connect: no route to host`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${where.replace(/:\d+$/, '')}: no such host`;
  return `dial tcp ${where}: ${err.message}`;
}
