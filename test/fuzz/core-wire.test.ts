/**
 * The client port of a running natstream (a child process): generated and
 * mutated protocol streams, and CONNECT lines with random JSON, each on its own
 * connection cut into random TCP segments. The server must stay up and keep
 * serving a healthy STAN client (the canary) that exchanges messages throughout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { fuzzParams, keyArb } from './fuzz-env.js';
import { mutatedStreamArb } from './nats-grammar.js';
import { FuzzTarget } from './target.js';
import { sendAndClose, splitAt } from './wire.js';

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

for (const auth of [null, { user: 'fuzz', pass: 's3cret' }]) {
  describe(`fuzz: client port${auth ? ' (server with --user/--pass)' : ''}`, () => {
    const target = new FuzzTarget(undefined, auth);
    before(() => target.ensure());
    after(() => target.stop());

    /** Sends one input on its own connection, then checks the server. */
    async function attack(chunks: Buffer[], what: string): Promise<void> {
      let answer = '';
      try {
        answer = await sendAndClose(target.server.port, chunks);
      } catch (e) {
        answer = `(${(e as Error).message})`;
      }
      await target.alive(`${what}\nserver said: ${JSON.stringify(answer)}`);
    }

    it('mutated protocol streams in random TCP segments', () => target.run(() => fc.assert(
      fc.asyncProperty(mutatedStreamArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        (b, cuts) => attack(splitAt(b, cuts), JSON.stringify(b.toString('latin1')))), fuzzParams(auth ? 50 : 150))));

    it('CONNECT with random JSON (known, inherited and odd keys), then PING, SUB, PUB', () => target.run(() => fc.assert(
      fc.asyncProperty(connectArb, fc.boolean(), (raw, login) => {
        // half the time with the right credentials first, to reach what follows authentication
        const json = auth && login && raw.startsWith('{') && raw.length > 2
          ? `{"user":${JSON.stringify(auth.user)},"pass":${JSON.stringify(auth.pass)},${raw.slice(1)}` : raw;
        return attack([Buffer.from(`CONNECT ${json}\r\nPING\r\nSUB a 1\r\nPUB a 2\r\nhi\r\nPING\r\n`, 'utf8')], `CONNECT ${json}`);
      }), fuzzParams(auth ? 100 : 150))));

    it('the canary exchanged messages throughout, none lost', async () => {
      assert.deepEqual(await target.canaryProblems(), []);
    });
  });
}
