/**
 * Writing answers the way Go's net/http and the NATS servers' ResponseHandler
 * do: JSON or JSONP bodies without a trailing newline, `Content-Length` up to
 * 2048 bytes and chunked transfer above (net/http's buffer size), plain-text
 * errors, `404 page not found` with `X-Content-Type-Options: nosniff`.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { MonitorText } from './errors.js';
import { goJsonCompact, goJsonIndent, type GoJsonValue } from './go-json.js';
import type { Query } from './query.js';

/** Go's net/http buffers this much before it falls back to chunked transfer encoding. */
const CHUNKING_THRESHOLD = 2048;
const TEXT_PLAIN = 'text/plain; charset=utf-8';

export function send(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: string | Buffer): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  if (buf.length <= CHUNKING_THRESHOLD) {
    res.writeHead(status, { ...headers, 'Content-Length': buf.length });
    res.end(buf);
  } else {
    res.writeHead(status, headers);
    res.write(buf);
    res.end();
  }
}

/** A monitoring document; `?callback=fn` turns it into JSONP. */
export function sendDocument(res: ServerResponse, q: Query, doc: GoJsonValue, opts: { compact?: boolean; status?: number } = {}): void {
  const json = opts.compact ? goJsonCompact(doc) : goJsonIndent(doc);
  const status = opts.status ?? 200;
  const callback = q.get('callback');
  if (callback !== '') {
    send(res, status, { 'Content-Type': 'application/javascript' }, `${callback}(${json})`);
  } else {
    send(res, status, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' }, json);
  }
}

/** nats-server's `w.WriteHeader(400); w.Write(msg)`: plain text, no newline. */
export function sendBadRequest(res: ServerResponse, text: string): void {
  send(res, 400, { 'Content-Type': TEXT_PLAIN }, text);
}

/** Go's `http.Error(w, msg, code)`. */
export function sendHttpError(res: ServerResponse, status: number, msg: string): void {
  send(res, status, { 'Content-Type': TEXT_PLAIN, 'X-Content-Type-Options': 'nosniff' }, MonitorText.httpError(msg));
}

export function sendNotFound(res: ServerResponse): void {
  send(res, 404, { 'Content-Type': TEXT_PLAIN, 'X-Content-Type-Options': 'nosniff' }, MonitorText.notFound);
}

export function sendHtml(res: ServerResponse, html: string): void {
  send(res, 200, { 'Content-Type': 'text/html; charset=utf-8' }, html);
}

/** An empty answer with just a status (`/streaming/isFTActive`). */
export function sendStatus(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

export function sendJson(res: ServerResponse, status: number, value: GoJsonValue, headers: OutgoingHttpHeaders = {}): void {
  send(res, status, { 'Content-Type': 'application/json', ...headers }, goJsonCompact(value));
}

/** Reads a request body up to `max` bytes; null when it is larger. */
export async function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
