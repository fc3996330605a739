/**
 * The dashboard: static files (src/monitor/dashboard/, read at run time, no
 * build step), its configuration, and the publish form's endpoint.
 *
 * Publishing is off unless enabled; when the core server requires
 * authentication, a publish must carry the same credentials a NATS client
 * would (HTTP Basic user/password, or a Bearer token) and the user's publish
 * permissions apply. Only `application/json` bodies are accepted, so another
 * site cannot post the form cross-origin without a CORS preflight we never grant.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseConnectOptions } from '../nats/connect-options.js';
import type { NatsServer } from '../nats/server.js';
import { isValidLiteralSubject } from '../protocol/subject.js';
import { DashboardPublisher, PublishError } from './dashboard-publisher.js';
import { DashboardText } from './errors.js';
import { readBody, send, sendJson, sendNotFound } from './respond.js';
import type { StreamingView } from './streaming-view.js';

export interface DashboardOptions {
  enabled: boolean;
  allowPublish: boolean;
}

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
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
  private readonly files = new Map<string, Buffer>();
  private readonly publisher: DashboardPublisher;

  constructor(
    private readonly core: NatsServer,
    private readonly view: () => StreamingView | undefined,
    private readonly opts: DashboardOptions,
  ) {
    const dir = dashboardDir();
    for (const name of Object.keys(FILES)) this.files.set(name, readFileSync(dir + name));
    this.publisher = new DashboardPublisher(core);
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
      sendJson(res, 200, { publish: this.publishEnabled(), authRequired: this.core.auth.required });
      return true;
    }
    if (rest === 'publish') {
      await this.publish(req, res);
      return true;
    }
    return this.file(res, rest);
  }

  private file(res: ServerResponse, name: string): boolean {
    const body = this.files.get(name);
    if (body === undefined) {
      sendNotFound(res);
      return true;
    }
    send(res, 200, { 'Content-Type': FILES[name], 'Cache-Control': 'no-cache' }, body);
    return true;
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
    return this.publisher.close();
  }
}
