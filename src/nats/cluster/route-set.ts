import type net from 'node:net';
import type { Logger } from '../../util/logger.js';
import type { ClientConnection } from '../connection.js';
import { hostPort } from '../host-port.js';
import type { NatsServer } from '../server.js';
import { newNuid } from '../server-id.js';
import type { Subscription } from '../subscription.js';
import { ClientUrls, ownClientUrls } from './client-urls.js';
import { routeFromLocal, routeFromRoute } from './fanout.js';
import { LocalInterest } from './local-interest.js';
import { ROUTE_RECONNECT_DELAY_MS, parseRouteUrl, type ClusterOptions } from './options.js';
import { RouteCloseReason, RouteConnection, type RouteUrl } from './route.js';
import { routeConnectLine, routeInfoLine, type PeerInfo } from './route-info.js';
import { RouteSockets } from './route-sockets.js';

/**
 * The routes of one server (nats-server's route.go): the registry of
 * connected servers, interest propagation, implicit discovery and the
 * reconnect rule; the sockets (listener, dialer, TLS) are route-sockets.ts.
 * The core server sees only `route(...)`, the sublist observer and the
 * client INFO fields.
 */
export class RouteSet {
  readonly logger: Logger;
  clusterName: string;
  /** No name was configured: ours is random and yields to a configured or greater one. */
  dynamic: boolean;
  /** Registered routes by rid. */
  readonly routes = new Map<number, RouteConnection>();
  /** Registered routes by the remote server's id. */
  private readonly remotes = new Map<string, RouteConnection>();
  /** Every open route socket, registered or not (for shutdown). */
  private readonly open = new Set<RouteConnection>();
  private readonly interest = new LocalInterest();
  readonly clientUrls = new ClientUrls();
  private readonly configured: RouteUrl[];
  private readonly sockets: RouteSockets;
  private running = false;
  private routesUpWaiters: Array<() => void> = [];

  constructor(
    readonly server: NatsServer,
    readonly options: ClusterOptions,
  ) {
    this.logger = server.logger;
    this.clusterName = options.name || newNuid();
    this.dynamic = !options.name;
    this.configured = [];
    for (const r of options.routes) {
      const url = parseRouteUrl(r);
      if (url === null) this.logger.error(`Error parsing route URL ${JSON.stringify(r)}`);
      else this.configured.push(url);
    }
    this.sockets = new RouteSockets(options, this.logger, (socket, url) => this.createRoute(socket, url));
    server.sublist.observer = (sub, added) => {
      if (sub.route === undefined) this.interest.update(sub, added, this.routes.values());
    };
  }

  get serverId(): string {
    return this.server.serverId;
  }

  get serverName(): string {
    return this.server.serverName;
  }

  get headersSupported(): boolean {
    return !this.server.options.noHeaderSupport;
  }

  get maxPending(): number {
    return this.server.options.maxPending;
  }

  get pingInterval(): number {
    return this.server.options.pingInterval;
  }

  get pingMaxOut(): number {
    return this.server.options.pingMaxOut;
  }

  /** The route listener's port (0 before start). */
  get port(): number {
    return this.sockets.port;
  }

  get host(): string {
    return this.options.host;
  }

  scheduleFlush(route: RouteConnection): void {
    this.server.scheduleFlush(route);
  }

  // --- start and stop -----------------------------------------------------------

  /** Opens the route listener and solicits the configured routes (after the client listener, as nats-server). */
  async start(): Promise<void> {
    const o = this.options;
    this.logger.notice(`Cluster name is ${this.clusterName}`);
    if (this.dynamic) this.logger.warn('Cluster name was dynamically generated, consider setting one');
    await this.sockets.listen();
    this.logger.notice(`Listening for route connections on ${hostPort(o.host, this.sockets.port)}`);
    const s = this.server;
    this.clientUrls.setOwn(o.noAdvertise ? [] : ownClientUrls(s.host, s.port, o.clientAdvertise));
    this.running = true;
    for (const url of this.configured) this.sockets.dial(url, true, true);
  }

  /**
   * Resolves once there are as many registered routes whose peers answered
   * our first PING (and so sent their interest) as configured routes (this
   * server's own URL aside), or after `timeoutMs`.
   */
  whenRoutesUp(timeoutMs: number): Promise<void> {
    if (this.routesUp()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.routesUpWaiters.push(done);
    });
  }

  private routesUp(): boolean {
    let settled = 0;
    for (const r of this.routes.values()) if (r.answeredFirstPing) settled++;
    return settled >= this.configured.filter((u) => !this.sockets.isSelf(u)).length;
  }

  /** A route's peer answered our first PING (route.ts). */
  routeSettled(): void {
    if (this.routesUpWaiters.length > 0 && this.routesUp()) for (const w of this.routesUpWaiters.splice(0)) w();
  }

  async close(): Promise<void> {
    this.running = false;
    for (const w of this.routesUpWaiters.splice(0)) w();
    const closing = this.sockets.close();
    for (const r of [...this.open]) {
      r.close(RouteCloseReason.server);
      r.socket.destroy();
    }
    await closing;
  }

  // --- connections ----------------------------------------------------------------

  private createRoute(socket: net.Socket, url: RouteUrl | null): RouteConnection {
    const solicited = url !== null;
    const rid = this.server.nextConnectionId();
    const explicit = url !== null && this.isConfigured(url.host, url.port);
    const route = new RouteConnection(rid, socket, this, solicited, url, explicit);
    this.open.add(route);
    socket.on('data', (chunk: Buffer) => route.onData(chunk));
    socket.on('error', () => route.close(RouteCloseReason.readError));
    socket.on('close', () => route.close(RouteCloseReason.client));
    if (solicited) {
      if (this.logger.debugEnabled) this.logger.debug(`${route.logPrefix()} - Route connect msg sent`);
      route.sendText(routeConnectLine({
        user: url?.user, pass: url?.pass, tls: this.sockets.tls, headers: this.headersSupported,
        serverId: this.serverId, cluster: this.clusterName, dynamic: this.dynamic,
      }));
    }
    route.sendText(this.infoLine());
    const authMs = this.options.user && !solicited ? (this.options.authTimeout ?? 2) * 1000 : 0;
    route.begin(authMs);
    return route;
  }

  /** This server's route INFO. */
  infoLine(): string {
    const s = this.server;
    const adv = this.options.advertise ? parseRouteUrl(this.options.advertise) : null;
    if (adv !== null && adv.port === 6222 && !/:\d+\/?$/.test(this.options.advertise!)) adv.port = this.sockets.port;
    return routeInfoLine({
      serverId: s.serverId,
      serverName: s.serverName,
      version: s.version,
      go: s.goVersion,
      host: adv ? adv.host : this.options.host,
      port: adv ? adv.port : this.sockets.port,
      headers: this.headersSupported,
      authRequired: Boolean(this.options.user),
      tls: Boolean(this.options.tls),
      maxPayload: s.options.maxPayload,
      ip: adv ? `nats-route://${hostPort(adv.host, adv.port)}/` : undefined,
      cluster: this.clusterName,
      dynamic: this.dynamic,
      connectUrls: this.clientUrls.ownUrls,
    });
  }

  private isConfigured(host: string, port: number): boolean {
    const h = host.toLowerCase();
    return this.configured.some((c) => c.port === port && c.host.toLowerCase() === h);
  }

  // --- registration ------------------------------------------------------------------

  checkRouteAuth(user: string, pass: string): boolean {
    const o = this.options;
    if (!o.user) return true;
    return user === o.user && pass === (o.pass ?? '');
  }

  /**
   * A peer's cluster name differs from ours: adopt it when ours was random and
   * theirs is configured or greater (closing the other routes), else refuse.
   */
  acceptClusterName(route: RouteConnection, theirs: string, theirsDynamic: boolean): boolean {
    if (theirs === this.clusterName) return true;
    if (!this.dynamic || (theirsDynamic && this.clusterName >= theirs)) return false;
    this.clusterName = theirs;
    if (!theirsDynamic) this.dynamic = false;
    for (const r of [...this.open]) if (r !== route) r.close(RouteCloseReason.clusterNameConflict);
    this.sendAsyncInfoToClients();
    return true;
  }

  /** The peer's INFO arrived: register the route unless that server is already connected. */
  registerRoute(route: RouteConnection, info: PeerInfo): void {
    if (!this.running) return route.close(RouteCloseReason.server);
    const existing = this.remotes.get(info.id);
    if (existing !== undefined) {
      if (route.didSolicit && !existing.didSolicit) {
        // nats-server "upgrades" the kept route to solicited, so that it is redialled as this one would be.
        existing.url = route.url;
        existing.didSolicit = true;
        existing.isConfigured = route.isConfigured;
      }
      // Both ends may drop their copy; the survivor is retried if it goes.
      existing.retry = true;
      if (this.logger.debugEnabled) this.logger.debug(`${route.logPrefix()} - Detected duplicate remote route "${info.id}"`);
      return route.close(RouteCloseReason.duplicateRoute);
    }
    this.routes.set(route.rid, route);
    this.remotes.set(info.id, route);
    route.registered = true;
    if (this.logger.debugEnabled) this.logger.debug(`${route.logPrefix()} - Registering remote route "${info.id}"`);
    this.interest.sendAll(route);
    if (this.logger.debugEnabled) this.logger.debug(`${route.logPrefix()} - Sent local subscriptions to route`);
    if (this.routes.size > 1) this.forwardNewRouteInfo(route, info);
    if (!this.options.noAdvertise && this.clientUrls.add(info.connectUrls)) this.sendAsyncInfoToClients();
    this.routeSettled();
  }

  /** Tells the other routes about a new one, so that they connect to it too (implicit routes). */
  private forwardNewRouteInfo(route: RouteConnection, info: PeerInfo): void {
    const fwd: Record<string, unknown> = { ...info.raw };
    delete fwd.nonce;
    if (!info.ip) fwd.ip = `nats-route://${hostPort(route.remoteAddress, info.port)}/`;
    const line = `INFO ${JSON.stringify(fwd)}\r\n`;
    for (const r of this.routes.values()) if (r !== route && r.remoteId !== info.id) r.sendText(line);
  }

  /** An INFO about another server came over a route: connect to it unless already connected or configured. */
  processImplicitRoute(info: PeerInfo): void {
    if (info.id === this.serverId || this.remotes.has(info.id)) return;
    if (this.isConfigured(info.host, info.port)) return;
    const raw = info.ip || `nats-route://${hostPort(info.host, info.port)}/`;
    const url = parseRouteUrl(raw);
    if (url === null) {
      this.logger.error(`Error parsing URL from INFO: ${raw}`);
      return;
    }
    this.sockets.dial(url, false, true);
  }

  routeClosed(route: RouteConnection): void {
    this.open.delete(route);
    this.logger.notice(`${route.logPrefix()} - Router connection closed: ${route.closeReason}`);
    if (route.registered) {
      this.routes.delete(route.rid);
      if (this.remotes.get(route.remoteId) === route) this.remotes.delete(route.remoteId);
      for (const sub of route.subs.values()) {
        if (!sub.closed) this.server.sublist.remove(sub);
        sub.closed = true;
      }
      route.subs.clear();
      if (route.peer && !this.options.noAdvertise && this.clientUrls.remove(route.peer.connectUrls)) {
        this.sendAsyncInfoToClients();
      }
    }
    this.maybeReconnect(route);
  }

  /** nats-server's reconnect rule: a solicited (or flagged) route comes back unless that server is still connected. */
  private maybeReconnect(route: RouteConnection): void {
    if (!this.running || route.url === null || !(route.didSolicit || route.retry)) return;
    const rid = route.remoteId;
    if (rid !== '' && this.remotes.has(rid)) {
      if (this.logger.debugEnabled) this.logger.debug(`Not attempting reconnect for solicited route, already connected to "${rid}"`);
      return;
    }
    if (rid === this.serverId) {
      if (this.logger.debugEnabled) this.logger.debug(`Detected route to self, ignoring "${hostPort(route.url.host, route.url.port)}"`);
      return;
    }
    if (!route.isConfigured && !route.retry) return;
    const url = route.url;
    const delay = Math.floor(Math.random() * 100) + (route.isConfigured ? ROUTE_RECONNECT_DELAY_MS : 0);
    if (this.logger.debugEnabled) this.logger.debug(`Attempting reconnect for solicited route "${hostPort(url.host, url.port)}"`);
    this.sockets.later(delay, () => this.sockets.dial(url, route.isConfigured, false));
  }

  // --- interest and messages -------------------------------------------------------

  insertRemote(sub: Subscription): void {
    this.server.sublist.insert(sub);
  }

  removeRemote(sub: Subscription): void {
    if (!sub.closed) this.server.sublist.remove(sub);
  }

  /** NatsServer.route() when clustered. */
  route(from: ClientConnection | null, subject: string, reply: string, headerSize: number, payload: Uint8Array): void {
    routeFromLocal(this.server, from, subject, reply, headerSize, payload);
  }

  deliverRouted(_route: RouteConnection, subject: string, reply: string, queues: string[] | null, headerSize: number, payload: Uint8Array): void {
    routeFromRoute(this.server, subject, reply, queues, headerSize, payload);
  }

  // --- clients ------------------------------------------------------------------------

  /** The cluster fields of a client INFO. */
  decorateClientInfo(info: Record<string, unknown>): void {
    info.cluster = this.clusterName;
    if (this.options.noAdvertise) return;
    const urls = this.clientUrls.all();
    if (urls.length > 0) info.connect_urls = urls;
  }

  /** An INFO to every client that takes async INFO (protocol 1, past its first PING), as nats-server does when the cluster changes. */
  private sendAsyncInfoToClients(): void {
    // Not while shutting down: the clients would forget the servers they are about to need.
    if (!this.running) return;
    for (const conn of this.server.connections.values()) {
      if (conn.closed || conn.opts.protocol < 1 || !conn.firstPongSent) continue;
      conn.out.text(this.server.infoLine(conn.cid, conn.remoteAddress));
      this.server.scheduleFlush(conn);
    }
  }
}

