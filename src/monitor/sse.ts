/**
 * Server-Sent Events for the dashboard: one long-lived `text/event-stream`
 * response per browser tab. The browser's EventSource reconnects by itself
 * (after `retry` ms) when the server goes away and comes back, so a restarted
 * server is picked up without a reload. A comment line every 15 s keeps idle
 * proxies from closing the stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const KEEPALIVE_MS = 15_000;
/** What the browser waits before reconnecting. */
const RETRY_MS = 1000;

export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private keepalive: NodeJS.Timeout | null = null;

  get size(): number {
    return this.clients.size;
  }

  /** Takes over the response; `greet` writes the first events (e.g. the history so far). */
  open(req: IncomingMessage, res: ServerResponse, greet: (send: (event: string, data: unknown) => void) => void): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    this.clients.add(res);
    const drop = () => { this.clients.delete(res); this.stopKeepaliveIfIdle(); };
    req.on('close', drop);
    res.on('error', drop);
    greet((event, data) => res.write(frame(event, data)));
    if (this.keepalive === null) {
      this.keepalive = setInterval(() => { for (const c of this.clients) c.write(': keepalive\n\n'); }, KEEPALIVE_MS);
      this.keepalive.unref();
    }
  }

  /** Sends one event to every open stream (encoded once). */
  broadcast(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = frame(event, data);
    for (const c of this.clients) c.write(text);
  }

  /** Ends every stream (the monitor is closing). */
  close(): void {
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.stopKeepaliveIfIdle();
  }

  private stopKeepaliveIfIdle(): void {
    if (this.clients.size === 0 && this.keepalive !== null) {
      clearInterval(this.keepalive);
      this.keepalive = null;
    }
  }
}

function frame(event: string, data: unknown): string {
  // JSON has no raw newlines, so one data line is enough
  return `event: ${event}\ndata: ${JSON.stringify(data, mapsAsObjects)}\n\n`;
}

/** The monitoring documents hold Maps where Go has maps (e.g. clientsz subscriptions by channel). */
function mapsAsObjects(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}
