/** Helpers of the monitoring tests: raw HTTP answers, captured fixtures, shape comparison. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../src/util/logger.js';

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/monitoring-json/', import.meta.url));

export function fixtureText(name: string): string {
  return readFileSync(FIXTURES + name, 'utf8');
}

export function fixture(name: string): unknown {
  return JSON.parse(fixtureText(name));
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection; headers as received (chunked or not). */
export function get(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export async function getJson(port: number, path: string): Promise<unknown> {
  const a = await get(port, path);
  assert.equal(a.status, 200, `${path}: ${a.body}`);
  return JSON.parse(a.body);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Asserts that `actual` has the captured document's shape: the same keys in
 * the same order with values of the same JSON type, recursively. Array
 * elements are matched against the captured elements with the same key
 * sequence (captured lists mix e.g. named and unnamed connections), and
 * nested values against every such captured element; paths in `maps` are Go
 * maps whose keys depend on the scenario, compared by value.
 */
export function assertSameShape(actual: unknown, expected: unknown, opts: { maps?: string[] } = {}, path = '$'): void {
  compareShape(actual, [expected], new Set(opts.maps ?? []), path);
}

/** `samples`: the captured values this value may look like (same path, all elements of a list). */
function compareShape(actual: unknown, samples: unknown[], maps: Set<string>, path: string): void {
  const k = kind(actual);
  const same = samples.filter((e) => kind(e) === k);
  assert.ok(same.length > 0, `${path}: type ${k}, captured ${[...new Set(samples.map(kind))].join('/')}`);
  if (k === 'array') {
    const elements = (same as Json[][]).flat();
    if (elements.length > 0) assert.ok((actual as Json[]).length > 0, `${path}: empty, captured has elements`);
    (actual as Json[]).forEach((a, i) => {
      const candidates = elements.filter((e) => kind(e) === kind(a) && sameKeys(a, e));
      assert.ok(candidates.length > 0, `${path}[${i}]: no captured element with keys ${JSON.stringify(keysOf(a))}; captured: ${JSON.stringify([...new Set(elements.map((e) => JSON.stringify(keysOf(e))))])}`);
      compareShape(a, candidates, maps, `${path}[]`);
    });
    return;
  }
  if (k !== 'object') return;
  const act = actual as Record<string, Json>;
  const objects = same as Array<Record<string, Json>>;
  if (maps.has(path)) {
    const values = objects.flatMap((o) => Object.values(o));
    if (values.length > 0) for (const v of Object.values(act)) compareShape(v, values, maps, `${path}.*`);
    return;
  }
  const withKeys = objects.filter((o) => sameKeys(act, o));
  assert.ok(withKeys.length > 0, `${path}: keys ${JSON.stringify(Object.keys(act))}, captured ${JSON.stringify(Object.keys(objects[0]))}`);
  for (const key of Object.keys(act)) compareShape(act[key], withKeys.map((o) => o[key]), maps, `${path}.${key}`);
}

function keysOf(v: unknown): string[] {
  return kind(v) === 'object' ? Object.keys(v as object) : [];
}

function sameKeys(a: unknown, b: unknown): boolean {
  return JSON.stringify(keysOf(a)) === JSON.stringify(keysOf(b));
}

/** A logger that keeps the lines it was given. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (level: string) => (m: string) => void lines.push(`[${level}] ${m}`);
  return {
    lines,
    notice: add('INF'), warn: add('WRN'), error: add('ERR'), fatal: add('FTL'), debug: add('DBG'), trace: add('TRC'),
    debugEnabled: false, traceEnabled: false,
  };
}

/** Polls `check` until it returns a value other than undefined, for at most `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, ms = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
