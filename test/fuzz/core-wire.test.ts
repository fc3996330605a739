/**
 * The client port of a running natstream (a child process): generated and
 * mutated protocol streams, and CONNECT lines with random JSON, each on its own
 * connection cut into random TCP segments. The server must stay up and keep
 * serving a healthy STAN client (the canary) that exchanges messages throughout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { Canary } from './canary.js';
import { ChildServer, FUZZ_CLUSTER } from './child-server.js';
import { fuzzParams, keyArb, knownCrash } from './fuzz-env.js';
import { mutatedStreamArb } from './nats-grammar.js';
import { greets, sendAndClose, splitAt } from './wire.js';

const CONNECT_FIELDS = [
  'verbose', 'pedantic', 'tls_required', 'auth_token', 'user', 'pass', 'name', 'lang', 'version',
  'protocol', 'echo', 'sig', 'jwt', 'nkey', 'headers', 'no_responders',
];

const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 12 }), fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

/** A CONNECT JSON text: an object with known and inherited keys (sometimes repeated), or broken JSON. */
const connectArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.tuple(keyArb(CONNECT_FIELDS), valueArb), { maxLength: 6 })
    .map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"verbose":', '{"a":1}}', '[]', 'null', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}') },
);

describe('fuzz: client port', () => {
  let server: ChildServer;
  let canary: Canary;
  let runs = 0;

  /** (Re)starts the server and the canary, when a previous property killed the server. */
  async function ensureServer(): Promise<void> {
    if (server?.alive) return;
    server = await ChildServer.start();
    canary = await Canary.start(server.url, FUZZ_CLUSTER);
  }

  /** Runs a property; a failure caused by the known crash of issue 15 item 1 is reported as TODO. */
  async function run(t: TestContext, property: () => Promise<void>): Promise<void> {
    await ensureServer();
    try {
      await property();
    } catch (e) {
      const known = knownCrash((e as Error).message);
      if (known) t.todo(known);
      throw e;
    }
  }

  before(ensureServer);
  after(async () => {
    await server?.stop();
  });

  /** Sends one input; fails when the server died, and every 16 inputs checks the canary. */
  async function attack(chunks: Buffer[], what: string): Promise<void> {
    let answer = '';
    try {
      answer = await sendAndClose(server.port, chunks);
    } catch (e) {
      answer = `(${(e as Error).message})`;
    }
    if (!(await greets(server.port))) await server.exited(2000);
    assert.ok(server.alive, `natstream died on ${what}\nserver said: ${JSON.stringify(answer)}\n${server.tail()}`);
    if (++runs % 16 === 0) await canary.check();
  }

  it('mutated protocol streams in random TCP segments', async (t) => {
    await run(t, () => fc.assert(fc.asyncProperty(mutatedStreamArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
      async (b, cuts) => attack(splitAt(b, cuts), JSON.stringify(b.toString('latin1')))), fuzzParams(150)));
  });

  it('CONNECT with random JSON (known, inherited and odd keys), then PING, SUB, PUB', async (t) => {
    await run(t, () => fc.assert(fc.asyncProperty(connectArb, async (json) => {
      const input = Buffer.from(`CONNECT ${json}\r\nPING\r\nSUB a 1\r\nPUB a 2\r\nhi\r\nPING\r\n`, 'utf8');
      await attack([input], `CONNECT ${json}`);
    }), fuzzParams(150)));
  });

  it('the canary exchanged messages throughout, none lost', async () => {
    await ensureServer();
    assert.deepEqual(await canary.stop(), []);
  });
});
