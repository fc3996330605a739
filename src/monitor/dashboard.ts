/**
 * The dashboard: static files (src/monitor/dashboard/, read at run time, no
 * build step; the chart library uPlot from its npm package), its configuration,
 * the live feed (`/dashboard/events`, Server-Sent Events: the last 15 minutes on
 * connect, then one tick a second), the message browser
 * (`/dashboard/messages`), and the publish form's and close-client endpoints.
 *
 * Publishing is off unless enabled; when the core server requires
 * authentication, a publish must carry the same credentials a NATS client
 * would (HTTP Basic user/password, or a Bearer token) and the user's publish
 * permissions apply. Only `application/json` bodies are accepted, so another
 * site cannot post the form cross-origin without a CORS preflight we never grant.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseConnectOptions } from '../nats/connect-options.js';
import type { NatsServer } from '../nats/server.js';
import { isValidLiteralSubject } from '../protocol/subject.js';
import { DashboardHistory, type HistorySample } from './dashboard-history.js';
import { BrowseError, browseMessages } from './dashboard-messages.js';
import { DashboardPublisher, PublishError } from './dashboard-publisher.js';
import type { GoJsonValue } from './go-json.js';
import { SseHub } from './sse.js';
import { DashboardText } from './errors.js';
import { readBody, send, sendJson, sendNotFound } from './respond.js';
import type { StreamingView } from './streaming-view.js';

export interface DashboardOptions {
  enabled: boolean;
  allowPublish: boolean;
  /** Closing a client from its detail view (`--dashboard_close`, off by default). */
  allowClose?: boolean;
}

/** The monitoring documents a tick carries (built by the monitor's pure builders). */
export interface DashboardDocuments {
  varz: GoJsonValue;
  serverz?: GoJsonValue;
  channelsz?: GoJsonValue;
  clientsz?: GoJsonValue;
}

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'browser.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/** uPlot's build, served from its npm package (a dependency): no copy in this repository. */
const VENDOR: Record<string, [string, string]> = {
  'uplot.js': ['uplot/dist/uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
  'uplot.css': ['uplot/dist/uPlot.min.css', 'text/css; charset=utf-8'],
};

/**
 * The static files ship in src/ (also in the npm package); dist/ code finds them
 * from its own location (dist/src/monitor/ or the bundle's dist/cli/).
 */
function dashboardDir(): string {
  const candidates = ['./dashboard/', '../../../src/monitor/dashboard/', '../../src/monitor/dashboard/'].map((rel) => new URL(rel, import.meta.url));
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(dir + 'index.html')) return dir;
  }
  throw new Error('natstream: dashboard files not found (src/monitor/dashboard)');
}

export class Dashboard {
  private readonly files = new Map<string, { body: Buffer; type: string }>();
  private readonly publisher: DashboardPublisher;
  private readonly sse = new SseHub();
  private readonly history: DashboardHistory;

  constructor(
    private readonly core: NatsServer,
    private readonly view: () => StreamingView | undefined,
    private readonly opts: DashboardOptions,
    private readonly documents: () => DashboardDocuments = () => ({ varz: {} }),
  ) {
    const dir = dashboardDir();
    for (const [name, type] of Object.entries(FILES)) this.files.set(name, { body: readFileSync(dir + name), type });
    const require = createRequire(import.meta.url);
    for (const [name, [spec, type]] of Object.entries(VENDOR)) {
      try {
        this.files.set(name, { body: readFileSync(require.resolve(spec)), type });
      } catch {
        // without uPlot the tables still work; the charts say they are missing
      }
    }
    this.publisher = new DashboardPublisher(core);
    this.history = new DashboardHistory(view, (s) => this.tick(s));
    this.history.start();
  }

  /** One sample taken: every open page gets it with the current documents. */
  private tick(sample: HistorySample | null): void {
    if (this.sse.size === 0) return;
    this.sse.broadcast('tick', { sample, stalled: this.history.stalled, heartbeats: this.heartbeats(), ...this.documents() });
  }

  /** Client ID → [last heartbeat (ms since epoch), failed in a row]. */
  private heartbeats(): Record<string, [number, number]> {
    const out: Record<string, [number, number]> = Object.create(null);
    const view = this.view();
    if (view === undefined) return out;
    for (const c of view.clients()) out[c.id] = [c.lastHeartbeat ?? 0, c.failedHeartbeats ?? 0];
    return out;
  }

  private config(): GoJsonValue {
    const view = this.view();
    return {
      publish: this.publishEnabled(),
      close: this.opts.allowClose === true && view !== undefined,
      authRequired: this.core.auth.required,
      deadLetterPrefix: view?.deadLetterPrefix ?? '',
      charts: this.files.has('uplot.js'),
    };
  }

  /** Handles `/dashboard` and `/dashboard/...`; false when the path is not the dashboard's. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (path === '/dashboard') return this.file(res, 'index.html');
    if (!path.startsWith('/dashboard/')) return false;
    const rest = path.slice('/dashboard/'.length);
    if (rest === '') {
      res.writeHead(301, { Location: '/dashboard' });
      res.end();
      return true;
    }
    if (rest === 'config') {
      sendJson(res, 200, this.config());
      return true;
    }
    if (rest === 'events') {
      this.sse.open(req, res, (send) => {
        send('config', this.config());
        send('history', { samples: this.history.samples });
        send('tick', { sample: this.history.samples.at(-1) ?? null, stalled: this.history.stalled, heartbeats: this.heartbeats(), ...this.documents() });
      });
      return true;
    }
    if (rest === 'messages') {
      await this.messages(req, res);
      return true;
    }
    if (rest === 'publish') {
      await this.publish(req, res);
      return true;
    }
    if (rest === 'close-client') {
      await this.closeClient(req, res);
      return true;
    }
    return this.file(res, rest);
  }

  private file(res: ServerResponse, name: string): boolean {
    const f = this.files.get(name);
    if (f === undefined) {
      sendNotFound(res);
      return true;
    }
    send(res, 200, { 'Content-Type': f.type, 'Cache-Control': 'no-cache' }, f.body);
    return true;
  }

  private async messages(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const view = this.view();
    if (view === undefined) return sendJson(res, 404, { error: DashboardText.noStreaming });
    // payloads are data: with authentication on, only a NATS user may read them
    if (this.authenticate(req) === null) {
      return sendJson(res, 401, { error: DashboardText.authRequired }, { 'WWW-Authenticate': 'Basic realm="natstream monitor"' });
    }
    const url = req.url ?? '';
    const q = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
    try {
      sendJson(res, 200, await browseMessages(view, q));
    } catch (err) {
      if (err instanceof BrowseError) return sendJson(res, err.status, { error: err.message });
      throw err;
    }
  }

  private async closeClient(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' });
      res.end();
      return;
    }
    const view = this.view();
    if (this.opts.allowClose !== true) return sendJson(res, 403, { error: DashboardText.closeDisabled });
    if (view === undefined || view.closeSubject === undefined) return sendJson(res, 404, { error: DashboardText.noStreaming });
    if (this.authenticate(req) === null) {
      return sendJson(res, 401, { error: DashboardText.authRequired }, { 'WWW-Authenticate': 'Basic realm="natstream monitor"' });
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const raw = await readBody(req, 4096);
    let id: unknown;
    try {
      if (contentType !== 'application/json' || raw === null) throw new Error();
      ({ id } = JSON.parse(raw.toString('utf8')) as { id?: unknown });
    } catch {
      return sendJson(res, 400, { error: DashboardText.closeBadRequest });
    }
    if (typeof id !== 'string' || id === '') return sendJson(res, 400, { error: DashboardText.closeBadRequest });
    try {
      await this.publisher.closeClient(view.closeSubject, id);
      sendJson(res, 200, { closed: id });
    } catch (err) {
      if (err instanceof PublishError) return sendJson(res, err.status, { error: err.message });
      throw err;
    }
  }

  private publishEnabled(): boolean {
    return this.opts.allowPublish && this.view() !== undefined;
  }

  private async publish(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' });
      res.end();
      return;
    }
    const view = this.view();
    if (!this.opts.allowPublish) return sendJson(res, 403, { error: DashboardText.publishDisabled });
    if (view === undefined) return sendJson(res, 404, { error: DashboardText.noStreaming });
    const user = this.authenticate(req);
    if (user === null) {
      return sendJson(res, 401, { error: DashboardText.authRequired }, { 'WWW-Authenticate': 'Basic realm="natstream monitor"' });
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const raw = await readBody(req, this.core.options.maxPayload * 2 + 4096);
    if (contentType !== 'application/json' || raw === null) return sendJson(res, 400, { error: DashboardText.badRequest });
    let channel: unknown;
    let message: unknown;
    try {
      ({ channel, message } = JSON.parse(raw.toString('utf8')) as { channel?: unknown; message?: unknown });
    } catch {
      return sendJson(res, 400, { error: DashboardText.badRequest });
    }
    if (typeof channel !== 'string' || (message !== undefined && typeof message !== 'string')) {
      return sendJson(res, 400, { error: DashboardText.badRequest });
    }
    if (!isValidLiteralSubject(channel)) return sendJson(res, 400, { error: DashboardText.invalidChannel(channel) });
    try {
      const { guid } = await this.publisher.publish({
        discoverSubject: view.discoverSubject,
        channel,
        data: new TextEncoder().encode(message ?? ''),
        mayPublish: user.permissions ? (subject) => user.permissions!.canPublish(subject) : undefined,
      });
      sendJson(res, 200, { channel, guid });
    } catch (err) {
      if (err instanceof PublishError) return sendJson(res, err.status, { error: err.message });
      throw err;
    }
  }

  /** The NATS user the request's credentials stand for; null when they are missing or wrong. */
  private authenticate(req: IncomingMessage): ReturnType<NatsServer['auth']['check']> {
    const auth = this.core.auth;
    if (!auth.required) return { name: '', permissions: null };
    const header = req.headers.authorization ?? '';
    const fields: Record<string, string> = {};
    const basic = /^Basic\s+(.+)$/i.exec(header);
    const bearer = /^Bearer\s+(.+)$/i.exec(header);
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = colon < 0 ? decoded : decoded.slice(0, colon);
      const pass = colon < 0 ? '' : decoded.slice(colon + 1);
      if (this.core.options.authToken) fields.auth_token = pass || user;
      else Object.assign(fields, { user, pass });
    } else if (bearer) {
      fields.auth_token = bearer[1].trim();
    } else {
      return null;
    }
    const opts = parseConnectOptions(JSON.stringify(fields));
    return opts === null ? null : auth.check(opts);
  }

  close(): Promise<void> {
    this.history.stop();
    this.sse.close();
    return this.publisher.close();
  }
}
