import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parserRecorder, type ParserEvent } from '../support/parser-recorder.js';
import { NatsErr } from '../../src/protocol/nats-errors.js';
import { prng as rng } from '../support/prng.js';

type Event = ParserEvent;
const recorder = parserRecorder;

function parseAll(input: string, opts?: Parameters<typeof recorder>[0]): Event[] {
  const { parser, events } = recorder(opts);
  parser.parse(Buffer.from(input, 'latin1'));
  return events;
}

describe('parser - operations', () => {
  test('CONNECT with and without a blank before the JSON', () => {
    assert.deepEqual(parseAll('CONNECT {"verbose":false}\r\n'), [['connect', '{"verbose":false}']]);
    assert.deepEqual(parseAll('CONNECT{"a":1}\r\n'), [['connect', '{"a":1}']]);
    assert.deepEqual(parseAll('connect \t {}\r\n'), [['connect', '{}']]);
    assert.deepEqual(parseAll('CONNECT\r\n'), [['connect', '']]);
  });

  test('PUB with and without reply, empty payload, any case', () => {
    assert.deepEqual(parseAll('PUB foo 5\r\nhello\r\n'), [['pub', 'foo', '', 'hello']]);
    assert.deepEqual(parseAll('pUb foo bar 2\r\nhi\r\n'), [['pub', 'foo', 'bar', 'hi']]);
    assert.deepEqual(parseAll('PUB foo 0\r\n\r\n'), [['pub', 'foo', '', '']]);
    assert.deepEqual(parseAll('PUB\tfoo \t 2\r\nhi\r\n'), [['pub', 'foo', '', 'hi']]);
  });

  test('payload may contain CR LF and protocol text', () => {
    assert.deepEqual(parseAll('PUB a 8\r\nPING\r\n\r\n\r\n'), [['pub', 'a', '', 'PING\r\n\r\n']]);
  });

  test('HPUB once headers are allowed; refused silently before', () => {
    const hdr = 'NATS/1.0\r\nA: b\r\n\r\n';
    assert.deepEqual(parseAll(`HPUB foo 18 20\r\n${hdr}hi\r\n`, { headers: true }), [['hpub', 'foo', '', 18, `${hdr}hi`]]);
    assert.deepEqual(parseAll(`HPUB foo r 18 20\r\n${hdr}hi\r\n`, { headers: true }), [['hpub', 'foo', 'r', 18, `${hdr}hi`]]);
    assert.deepEqual(parseAll(`HPUB foo 18 20\r\n${hdr}hi\r\n`), [['error', null]]);
    assert.deepEqual(parseAll('HPUB foo 20 10\r\n', { headers: true }), [['error', null]]);
    assert.deepEqual(parseAll('HPUB foo 12\r\n', { headers: true }), [['error', null]]);
  });

  test('SUB with and without queue; UNSUB with and without max', () => {
    assert.deepEqual(parseAll('SUB foo 1\r\nSUB foo q 2\r\n'), [['sub', 'foo', '', '1'], ['sub', 'foo', 'q', '2']]);
    assert.deepEqual(parseAll('UNSUB 1\r\nUNSUB 2 5\r\nUNSUB 3 x\r\n'), [['unsub', '1', -1], ['unsub', '2', 5], ['unsub', '3', -1]]);
  });

  test('PING, PONG, +OK, INFO; junk after PING is ignored; LF-only lines', () => {
    assert.deepEqual(parseAll('PING\r\nPONG\r\n+OK\r\nINFO {}\r\nPINGXYZ junk\r\nping\n'), [['ping'], ['pong'], ['ping'], ['ping']]);
  });
});

describe('parser - malformed input', () => {
  const unknown: Event[] = [['error', NatsErr.unknownOp]];
  const silent: Event[] = [['error', null]];
  const cases: Array<[string, string, Event[]]> = [
    ['unknown op', 'FOO\r\n', unknown],
    ['client MSG', 'MSG foo 1 2\r\nhi\r\n', unknown],
    ['empty line', '\r\n', unknown],
    ['SUB without arguments', 'SUB\r\n', unknown],
    ['PUB without arguments', 'PUB\r\n', unknown],
    ['UNSUB without arguments', 'UNSUB\r\n', unknown],
    ['PUBX', 'PUBX foo 1\r\n', unknown],
    ['PUB with a blank only', 'PUB \r\n', silent],
    ['PUB with one argument', 'PUB foo\r\n', silent],
    ['PUB with four arguments', 'PUB foo a b 2\r\n', silent],
    ['PUB non-numeric size', 'PUB foo abc\r\n', silent],
    ['PUB negative size', 'PUB foo -1\r\n', silent],
    ['PUB 10-digit size', 'PUB foo 1234567890\r\n', silent],
    ['SUB one argument', 'SUB foo\r\n', silent],
    ['SUB four arguments', 'SUB a b c d\r\n', silent],
    ['UNSUB three arguments', 'UNSUB 1 2 3\r\n', silent],
    ['client -ERR', "-ERR 'x'\r\n", silent],
    ['payload longer than announced', 'PUB foo 2\r\nhello\r\n', unknown],
    ['payload shorter than announced', 'PUB foo 5\r\nhi\r\nPING\r\n', unknown],
    ['payload followed by LF only', 'PUB foo 2\r\nhi\nPING\r\n', unknown],
    ['garbage first byte without line end', 'X', unknown],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => assert.deepEqual(parseAll(input, { headers: true }), expected));
  }

  test('maximum payload: checked on the control line, before the payload arrives', () => {
    assert.deepEqual(parseAll('PUB foo 65\r\n', { maxPayload: 64 }), [['error', NatsErr.maxPayload]]);
    assert.deepEqual(parseAll('HPUB foo 12 65\r\n', { maxPayload: 64, headers: true }), [['error', NatsErr.maxPayload]]);
    assert.equal(parseAll('PUB foo 64\r\n' + 'x'.repeat(64) + '\r\n', { maxPayload: 64 })[0][0], 'pub');
  });

  test('maximum control line: 4096 argument bytes pass, 4097 fail, also when split', () => {
    const ok = 'SUB ' + 'a'.repeat(4094) + ' 1\r\n';
    assert.equal(parseAll(ok)[0][0], 'sub');
    const tooLong = 'SUB ' + 'a'.repeat(4095) + ' 1\r\n';
    assert.deepEqual(parseAll(tooLong), [['error', NatsErr.maxControlLine]]);
    const { parser, events } = recorder();
    const noEnd = 'SUB ' + 'a'.repeat(6000);
    for (let i = 0; i < noEnd.length; i += 2000) parser.parse(Buffer.from(noEnd.slice(i, i + 2000)));
    assert.deepEqual(events, [['error', NatsErr.maxControlLine]]);
  });

  test('nothing is delivered after an error', () => {
    assert.deepEqual(parseAll('FOO\r\nPING\r\n'), [['error', NatsErr.unknownOp]]);
  });
});

describe('parser - properties', () => {
  const stream =
    'CONNECT {"verbose":false,"headers":true}\r\n' +
    'SUB foo.* q 1\r\nPUB foo.bar reply 5\r\nhello\r\n' +
    'HPUB foo.h 12 14\r\nNATS/1.0\r\n\r\nhi\r\n' +
    'PING\r\nUNSUB 1 3\r\nPUB x 0\r\n\r\nPONG\r\n' +
    'PUB big ' + 3000 + '\r\n' + 'z'.repeat(3000) + '\r\n';

  test('any chunking of a valid stream gives the same operations', () => {
    const whole = parseAll(stream, { headers: true });
    assert.equal(whole.length, 9);
    const rand = rng(42);
    for (let round = 0; round < 300; round++) {
      const { parser, events } = recorder({ headers: true });
      const bytes = Buffer.from(stream, 'latin1');
      let i = 0;
      while (i < bytes.length) {
        const n = round === 0 ? 1 : 1 + Math.floor(rand() * 64);
        // Copy each chunk into a fresh buffer, as a socket would hand it over.
        parser.parse(Buffer.from(bytes.subarray(i, i + n)));
        i += n;
      }
      assert.deepEqual(events, whole, `round ${round}`);
    }
  });

  test('random garbage never throws and ends in a documented error or waits for more', () => {
    const rand = rng(7);
    const alphabet = 'PUBSUNCOTIGHMX+-ERK 0123456789\r\n\t.*>{}"';
    const allowed = new Set<unknown>([null, NatsErr.unknownOp, NatsErr.maxControlLine, NatsErr.maxPayload]);
    for (let round = 0; round < 2000; round++) {
      const len = 1 + Math.floor(rand() * 80);
      let s = '';
      for (let i = 0; i < len; i++) {
        s += rand() < 0.1 ? String.fromCharCode(Math.floor(rand() * 256)) : alphabet[Math.floor(rand() * alphabet.length)];
      }
      const { parser, events } = recorder({ headers: true, maxPayload: 100 });
      assert.doesNotThrow(() => parser.parse(Buffer.from(s, 'latin1')));
      const errors = events.filter((e) => e[0] === 'error');
      assert.ok(errors.length <= 1, `one error at most for ${JSON.stringify(s)}`);
      if (errors.length === 1) {
        assert.ok(allowed.has(errors[0][1]), `documented error for ${JSON.stringify(s)}`);
        assert.equal(events[events.length - 1][0], 'error', 'the error is the last event');
      }
    }
  });
});
