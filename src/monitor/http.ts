/**
 * The monitoring HTTP(S) server (`-m`, `-ms`): the nats-server endpoints, the
 * nats-streaming-server `/streaming/*` endpoints, `/metrics` and the
 * dashboard. Handlers only decode the query, pick the builder and write the
 * answer; every document comes from a pure builder over the servers' state.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostPort, type NatsServer } from '../nats/server.js';
import type { Logger } from '../util/logger.js';
import { buildConnz, parseConnzQuery } from './connz.js';
import type { Dashboard, DashboardOptions } from './dashboard.js';
import { MonitorText } from './errors.js';
import type { GoJsonValue } from './go-json.js';
import { preciseNow } from './go-time.js';
import { rootPage, streamingPage } from './index-pages.js';
import type { Metrics } from './metrics.js';
import { ProcessSampler } from './process-stats.js';
import { BadQuery, Query, streamingOffsetLimit, streamingSubsOption } from './query.js';
import { sendBadRequest, sendDocument, sendHtml, sendHttpError, sendNotFound, sendStatus, send } from './respond.js';
import { buildHealthz, buildRoutez } from './routez-healthz.js';
import {
  NotFound,
  buildChannelsz,
  buildClientsz,
  buildOneChannel,
  buildOneClient,
  buildServerz,
  buildStorez,
} from './streaming-docs.js';
import type { StreamingSource } from './streaming-source.js';
import type { StreamingView } from './streaming-view.js';
import { buildSubsz, parseSubszQuery } from './subsz.js';
import { buildVarz, type MonitorEndpoint } from './varz.js';

export type { StreamingSource } from './streaming-source.js';

export interface MonitorArgs {
  /**
   * The embedded core NATS server. Absent with `-ns` (the streaming layer on an
   * external NATS server): only the `/streaming/*` endpoints are served then, as
   * the Go server does.
   */
  core?: NatsServer;
  streaming?: StreamingSource;
  host: string;
  /** HTTP port (`-m`); 0 or -1 (nats-server's RANDOM_PORT) pick a free one; undefined or other negatives: no HTTP listener. */
  port?: number;
  /** HTTPS port (`-ms`), using the core server's TLS certificate; 0 or -1 as for `port`. */
  httpsPort?: number;
  logger: Logger;
  dashboard?: DashboardOptions;
}

export interface RunningMonitor {
  /** The bound HTTP port (0 when only HTTPS runs). */
  readonly port: number;
  /** The bound HTTPS port (0 when off). */
  readonly httpsPort: number;
  close(): Promise<void>;
}

const DEFAULT_DASHBOARD: DashboardOptions = { enabled: true, allowPublish: false };

export async function startMonitor(args: MonitorArgs): Promise<RunningMonitor> {
  // The streaming code is loaded only when there is a streaming server to show (not for core NATS alone).
  const view = args.streaming === undefined ? () => undefined : (await import('./streaming-source.js')).viewOf(args.streaming);
  const monitor = new Monitor(args, view);
  const servers: http.Server[] = [];
  const endpoint: MonitorEndpoint = { httpHost: args.host, httpPort: 0, httpsPort: 0 };
  try {
    const port = randomPort(args.port);
    const httpsPort = randomPort(args.httpsPort);
    if (port !== undefined && port >= 0) {
      const server = http.createServer((req, res) => monitor.dispatch(req, res));
      endpoint.httpPort = await listen(server, args.host, port);
      servers.push(server);
      args.logger.notice(`Starting http monitor on ${hostPort(args.host, endpoint.httpPort)}`);
    }
    if (httpsPort !== undefined && httpsPort >= 0) {
      const tls = args.core?.options.tls;
      if (!tls) throw new Error(MonitorText.httpsNeedsTls);
      const server = https.createServer({ cert: pem(tls.cert), key: pem(tls.key), ca: tls.ca ? pem(tls.ca) : undefined }, (req, res) =>
        monitor.dispatch(req, res),
      );
      endpoint.httpsPort = await listen(server, args.host, httpsPort);
      servers.push(server);
      args.logger.notice(`Starting https monitor on ${hostPort(args.host, endpoint.httpsPort)}`);
    }
  } catch (err) {
    await Promise.all(servers.map(stop));
    await monitor.close();
    throw err;
  }
  monitor.endpoint = endpoint;
  let closing: Promise<void> | null = null;
  return {
    port: endpoint.httpPort,
    httpsPort: endpoint.httpsPort,
    close() {
      closing ??= Promise.all(servers.map(stop)).then(() => monitor.close());
      return closing;
    },
  };
}

/** nats-server's RANDOM_PORT (-1) is a free port, as 0 is. */
function randomPort(port: number | undefined): number | undefined {
  return port === -1 ? 0 : port;
}

/** Certificate options are file names, or the PEM text itself. */
function pem(v: string): string {
  return v.includes('-----BEGIN') ? v : readFileSync(v, 'utf8');
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function stop(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** nats-server's keys in `http_req_stats` for the paths it counts. */
const COUNTED = new Map(Object.entries({
  '/': '/', '/varz': '/varz', '/connz': '/connz', '/routez': '/routez',
  '/subsz': '/subsz', '/subscriptionsz': '/subsz', '/healthz': '/healthz',
}));

class Monitor {
  endpoint: MonitorEndpoint = { httpHost: '', httpPort: 0, httpsPort: 0 };
  private readonly core: NatsServer | undefined;
  private readonly view: () => StreamingView | undefined;
  private readonly requestStats = new Map<string, number>();
  private readonly sampler = new ProcessSampler();
  /** Loaded at the first scrape: prom-client is a noticeable part of the start-up time. */
  private metrics: Promise<Metrics> | null = null;
  private readonly dashboardOptions: DashboardOptions | null;
  /** Made at the first /dashboard request: its publish form brings the protobuf code along. */
  private dashboard: Promise<Dashboard> | null = null;
  private readonly logger: Logger;

  constructor(args: MonitorArgs, view: () => StreamingView | undefined) {
    this.core = args.core;
    this.logger = args.logger;
    this.view = view;
    const dash = args.dashboard ?? DEFAULT_DASHBOARD;
    // Without an embedded core (-ns) only /streaming/* is served, as the Go server does.
    this.dashboardOptions = dash.enabled && args.core ? dash : null;
  }

  private loadDashboard(): Promise<Dashboard> | null {
    const opts = this.dashboardOptions;
    const core = this.core;
    if (opts === null || core === undefined) return null;
    this.dashboard ??= import('./dashboard.js').then(({ Dashboard }) => new Dashboard(core, this.view, opts, () => this.dashboardDocuments(core)));
    return this.dashboard;
  }

  private loadMetrics(core: NatsServer): Promise<Metrics> {
    this.metrics ??= import('./metrics.js').then(({ Metrics }) => new Metrics({
      core,
      streaming: this.view,
      varz: () => this.varz(core, preciseNow()) as Record<string, unknown>,
    }));
    return this.metrics;
  }

  dispatch(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.route(req, res).catch((err: unknown) => {
      this.logger.error(`Monitoring: error answering ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendHttpError(res, 500, 'internal error');
      else res.destroy();
    });
  }

  private count(path: string): void {
    const key = COUNTED.get(path) ?? path;
    this.requestStats.set(key, (this.requestStats.get(key) ?? 0) + 1);
  }

  /** What a dashboard tick carries: the same documents as the endpoints (one page of up to 1024 channels/clients). */
  private dashboardDocuments(core: NatsServer): { varz: GoJsonValue; serverz?: GoJsonValue; channelsz?: GoJsonValue; clientsz?: GoJsonValue } {
    const now = preciseNow();
    const varz = this.varz(core, now);
    const view = this.view();
    if (view === undefined) return { varz };
    const list = { offset: 0, limit: 1024, subs: true };
    return {
      varz,
      serverz: buildServerz(view, this.sampler.sample(true), now),
      channelsz: buildChannelsz(view, list, now),
      clientsz: buildClientsz(view, list, now),
    };
  }

  private varz(core: NatsServer, now: number): GoJsonValue {
    return buildVarz(core, this.endpoint, this.sampler.sample(), this.requestStats, now);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const qmark = target.indexOf('?');
    const path = qmark < 0 ? target : target.slice(0, qmark);
    const q = new Query(qmark < 0 ? '' : target.slice(qmark + 1));
    const now = preciseNow();
    try {
      if (path.startsWith('/streaming')) return this.routeStreaming(res, path, q, now);
      const core = this.core;
      if (core === undefined) return sendNotFound(res);
      switch (path) {
        case '/':
          this.count(path);
          return sendHtml(res, rootPage({ streaming: this.view() !== undefined, dashboard: this.dashboardOptions !== null }));
        case '/varz':
          this.count(path);
          return sendDocument(res, q, this.varz(core, now));
        case '/connz': {
          const opts = parseConnzQuery(q);
          this.count(path);
          return sendDocument(res, q, buildConnz(core, opts, now));
        }
        case '/routez': {
          const doc = buildRoutez(core, q, now);
          this.count(path);
          return sendDocument(res, q, doc);
        }
        case '/subsz':
        case '/subscriptionsz':
          this.count(path);
          return sendDocument(res, q, buildSubsz(core, parseSubszQuery(q), now));
        case '/healthz': {
          this.count(path);
          const health = buildHealthz(core, q);
          return sendDocument(res, q, health.doc, { compact: true, status: health.ok ? 200 : 503 });
        }
        case '/metrics': {
          const metrics = await this.loadMetrics(core);
          const text = await metrics.render();
          return send(res, 200, { 'Content-Type': metrics.contentType }, text);
        }
      }
      const dashboard = path.startsWith('/dashboard') ? this.loadDashboard() : null;
      if (dashboard !== null && (await (await dashboard).handle(req, res, path))) return;
      sendNotFound(res);
    } catch (err) {
      if (err instanceof BadQuery) return sendBadRequest(res, err.text);
      if (err instanceof NotFound) return sendHttpError(res, 404, err.text);
      throw err;
    }
  }

  private routeStreaming(res: http.ServerResponse, path: string, q: Query, now: number): void {
    const view = this.view();
    if (view === undefined) return sendNotFound(res);
    switch (path) {
      case '/streaming':
        return sendHtml(res, streamingPage());
      case '/streaming/serverz':
        return sendDocument(res, q, buildServerz(view, this.sampler.sample(true), now));
      case '/streaming/storez':
        return sendDocument(res, q, buildStorez(view, now));
      case '/streaming/clientsz': {
        const subs = streamingSubsOption(q);
        const client = q.get('client');
        if (client !== '') return sendDocument(res, q, buildOneClient(view, client, subs));
        return sendDocument(res, q, buildClientsz(view, { ...streamingOffsetLimit(q), subs }, now));
      }
      case '/streaming/channelsz': {
        const subs = streamingSubsOption(q);
        const channel = q.get('channel');
        if (channel !== '') return sendDocument(res, q, buildOneChannel(view, channel, subs));
        return sendDocument(res, q, buildChannelsz(view, { ...streamingOffsetLimit(q), subs }, now));
      }
      case '/streaming/isFTActive':
        return sendStatus(res, view.ftActive ? 200 : 204);
    }
    sendNotFound(res);
  }

  async close(): Promise<void> {
    if (this.dashboard) await (await this.dashboard).close();
  }
}
