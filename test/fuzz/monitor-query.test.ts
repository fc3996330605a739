/**
 * Query strings on every monitoring endpoint of a running natstream (a child
 * process), sent as raw HTTP so that any byte can be in them: known parameters
 * with odd values (huge, negative, inherited names, bad %-escapes), inherited
 * and random parameter names, repeated keys. The server must answer every
 * request (never 500, never hang), stay up, and keep serving the canary.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { fuzzParams, keyArb, PROTO_NAMES } from './fuzz-env.js';
import { FuzzTarget } from './target.js';
import { sendAndClose } from './wire.js';

const ENDPOINTS = [
  '/', '/varz', '/connz', '/routez', '/subsz', '/subscriptionsz', '/healthz', '/metrics', '/streaming',
  '/streaming/serverz', '/streaming/storez', '/streaming/clientsz', '/streaming/channelsz', '/streaming/isFTActive',
];
const PARAMS = ['acc', 'auth', 'callback', 'channel', 'cid', 'client', 'limit', 'mqtt_client', 'offset', 'sort', 'state', 'subs', 'test', 'user', 'js'];

/** Percent-encodes what would break the request line; leaves the rest (bad escapes included) as generated. */
const raw = (s: string) => s.replace(/[\s#?&=]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const valueArb = fc.oneof(
  fc.integer().map(String),
  fc.constantFrom('-1', '0', '1', '99999999999999999999', '1e3', '0x10', 'true', 'false', 'all', 'closed', 'open', 'any',
    'cid', 'subs', 'start', 'pending_bytes', 'uptime', 'canary', 'canary.channel', '%', '%zz', '%00', '+', '%e2%82%ac', '%ff'),
  fc.constantFrom(...PROTO_NAMES),
  fc.string({ maxLength: 12 }),
);

const queryArb = fc.array(fc.tuple(keyArb(PARAMS), fc.option(valueArb, { nil: undefined })), { maxLength: 5 })
  .map((kv) => kv.map(([k, v]) => (v === undefined ? raw(k) : `${raw(k)}=${raw(v)}`)).join('&'));

describe('fuzz: monitoring query strings', () => {
  const target = new FuzzTarget();
  before(() => target.ensure());
  after(() => target.stop());

  it('every endpoint answers every query (no 500), server up', () => target.run(() => fc.assert(fc.asyncProperty(
    fc.constantFrom(...ENDPOINTS), queryArb, fc.constantFrom('', ';', '&&', '#frag'),
    async (path, query, tail) => {
      const request = `GET ${path}?${query}${tail} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
      const answer = await sendAndClose(target.server.monitorPort, [Buffer.from(request, 'utf8')], 5000, false).catch((e: Error) => `(${e.message})`);
      await target.alive(`${request.split('\r\n')[0]}`);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      assert.ok(status !== undefined, `no HTTP answer to ${request.split('\r\n')[0]}: ${JSON.stringify(answer.slice(0, 200))}`);
      assert.notEqual(status, '500', `${request.split('\r\n')[0]} -> ${answer.slice(0, 300)}`);
    }), fuzzParams(200))));

  it('the canary exchanged messages throughout, none lost', async () => {
    assert.deepEqual(await target.canaryProblems(), []);
  });
});
