/**
 * Integration-test harness: a real natstream server (core NATS on a random
 * port, the streaming server on the in-process transport, the memory store)
 * and promise helpers around the real node-nats-streaming client.
 */

import { createRequire } from 'node:module';

import { startServer } from '../../src/index.js';
import type { StreamingServer } from '../../src/streaming/server.js';
import { streamingOptions, type StreamingOptions } from '../../src/streaming/options.js';
import { DEFAULT_STORE_LIMITS } from '../../src/stores/limits.js';
import type { StoreLimits } from '../../src/stores/store.js';
import type { Logger } from '../../src/util/logger.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const stan: any = require('node-nats-streaming');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const nats1: any = require('node-nats-streaming/node_modules/nats');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Stan = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StanSub = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StanMsg = any;

export interface Harness {
  url: string;
  port: number;
  clusterId: string;
  server: StreamingServer;
  logs: CapturedLogger;
  /** Logged lines containing `text`. */
  lines(text: string): string[];
  /** Clients opened through `connect()` are closed by `close()`. */
  connect(clientId: string, opts?: Record<string, unknown>): Promise<Stan>;
  close(): Promise<void>;
}

export interface CapturedLogger extends Logger {
  lines: string[];
  /** Resolves when a line containing `text` was logged (or already was). */
  waitFor(text: string, timeoutMs?: number): Promise<string>;
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const waiters: Array<{ text: string; resolve: (l: string) => void }> = [];
  const add = (level: string) => (m: string) => {
    const line = `[${level}] ${m}`;
    lines.push(line);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (line.includes(waiters[i].text)) { waiters[i].resolve(line); waiters.splice(i, 1); }
    }
  };
  return {
    lines,
    notice: add('INF'), warn: add('WRN'), error: add('ERR'), fatal: add('FTL'), debug: add('DBG'), trace: add('TRC'),
    debugEnabled: true,
    traceEnabled: true,
    waitFor(text: string, timeoutMs = 5000) {
      const found = lines.find((l) => l.includes(text));
      if (found) return Promise.resolve(found);
      return withTimeout(new Promise<string>((resolve) => waiters.push({ text, resolve })), timeoutMs, `log line "${text}"`);
    },
  };
}

/** Default limits with some changed. */
export function limits(over: Partial<StoreLimits>): StoreLimits {
  return { ...DEFAULT_STORE_LIMITS, ...over };
}

/** Starts natstream (core NATS on a free port, streaming on the memory store) with startServer(). */
export async function startStan(options: Partial<StreamingOptions> = {}): Promise<Harness> {
  const logs = captureLogger();
  const clusterId = options.clusterId ?? 'test-cluster';
  const running = await startServer({
    port: 0, host: '127.0.0.1', clusterId,
    streaming: { debug: true, trace: true, ...options, limits: streamingOptions(options).limits },
    streamingLogger: logs,
  });
  const server = running.streaming!;
  const url = running.natsUrl;
  const opened: Stan[] = [];
  return {
    url, port: running.port, clusterId, server, logs,
    lines: (text) => logs.lines.filter((l) => l.includes(text)),
    async connect(clientId, connOpts = {}) {
      const sc = await connectStan(url, clusterId, clientId, connOpts);
      opened.push(sc);
      return sc;
    },
    async close() {
      await Promise.all(opened.map((sc) => closeStan(sc)));
      await running.close();
    },
  };
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms); }),
  ]);
}

export function connectStan(url: string, clusterId: string, clientId: string, opts: Record<string, unknown> = {}): Promise<Stan> {
  return new Promise((resolve, reject) => {
    const sc = stan.connect(clusterId, clientId, { url, connectTimeout: 3000, ...opts });
    const onError = (err: unknown) => { sc.removeListener('connect', onConnect); reject(err instanceof Error ? err : new Error(String(err))); };
    const onConnect = () => { sc.removeListener('error', onError); resolve(sc); };
    sc.once('connect', onConnect);
    sc.once('error', onError);
  });
}

/** Closes a client (no-op when already closed). */
export function closeStan(sc: Stan): Promise<void> {
  if (sc.isClosed()) return Promise.resolve();
  return withTimeout(new Promise<void>((resolve) => {
    sc.once('close', () => resolve());
    sc.once('error', () => resolve());
    sc.close();
  }), 5000, 'client close').catch(() => {});
}

export function publish(sc: Stan, subject: string, data: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    // node-nats-streaming hands server errors over as plain strings
    sc.publish(subject, data, (err: unknown, guid: string) =>
      (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(guid)));
  });
}

/** Subscribes and waits for the server's answer ('ready' or 'error'). */
export function subscribe(sc: Stan, subject: string, qGroup: string | null, opts?: unknown): Promise<StanSub> {
  const sub = qGroup === null ? sc.subscribe(subject, opts) : sc.subscribe(subject, qGroup, opts);
  // listen before 'ready': the first messages can arrive in the same read as the response
  sub.__inbox = new Inbox(sub);
  return new Promise((resolve, reject) => {
    sub.once('ready', () => resolve(sub));
    sub.once('error', (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
  });
}

export function unsubscribe(sub: StanSub): Promise<void> {
  return new Promise((resolve, reject) => {
    sub.once('unsubscribed', () => resolve());
    sub.once('error', (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
    sub.unsubscribe();
  });
}

export function closeSub(sub: StanSub): Promise<void> {
  return new Promise((resolve, reject) => {
    sub.once('closed', () => resolve());
    sub.once('error', (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
    sub.close();
  });
}

export interface Received {
  seq: number;
  data: string;
  redelivered: boolean;
  count: number;
  msg: StanMsg;
}

/** The messages of a subscription made with `subscribe()` (collected from the start). */
export function inboxOf(sub: StanSub): Inbox {
  return sub.__inbox as Inbox;
}

/** Collects the messages of a subscription; `take(n)` waits for the next n. */
export class Inbox {
  readonly all: Received[] = [];
  private cursor = 0;
  private waiter: (() => void) | null = null;
  private listeners: Array<(r: Received) => void> = [];

  /** Calls `cb` for every message received so far and every one to come. */
  each(cb: (r: Received) => void): void {
    for (const r of this.all) cb(r);
    this.listeners.push(cb);
  }

  constructor(sub: StanSub, onMsg?: (r: Received) => void) {
    sub.on('message', (msg: StanMsg) => {
      const r: Received = {
        seq: msg.getSequence(), data: msg.getData(), redelivered: msg.isRedelivered(),
        count: msg.getRedeliveryCount ? msg.getRedeliveryCount() : 0, msg,
      };
      this.all.push(r);
      onMsg?.(r);
      for (const l of this.listeners) l(r);
      this.waiter?.();
    });
  }

  async take(n: number, timeoutMs = 5000): Promise<Received[]> {
    const end = Date.now() + timeoutMs;
    while (this.all.length - this.cursor < n) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} messages (got ${this.all.length - this.cursor})`);
      await withTimeout(new Promise<void>((resolve) => { this.waiter = resolve; }), left, `${n} messages`)
        .catch(() => {});
      this.waiter = null;
    }
    const out = this.all.slice(this.cursor, this.cursor + n);
    this.cursor += n;
    return out;
  }

  /** Waits until `cond` holds over everything received so far. */
  async until(cond: (all: Received[]) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond(this.all)) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (got ${this.all.map((r) => `${r.seq}${r.redelivered ? 'r' : ''}`).join(',')})`);
      // wakes on a message of this subscription, or re-checks soon (the condition may look at others)
      await withTimeout(new Promise<void>((resolve) => { this.waiter = resolve; }), Math.min(left, 25), what).catch(() => {});
      this.waiter = null;
    }
  }

  /** Number of messages received and not yet taken. */
  get unread(): number {
    return this.all.length - this.cursor;
  }
}

/** Resolves after the server handled everything this client sent so far (a PING round trip on its NATS connection). */
export function flushClient(sc: Stan): Promise<void> {
  return new Promise((resolve) => sc.nc.flush(() => resolve()));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
