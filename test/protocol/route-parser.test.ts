/**
 * The route protocol parser, one operation at a time, then split reads and
 * malformed lines (with nats-server's log texts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteParser, type RouteParserHandler } from '../../src/protocol/route-parser.js';

function recorder(): { events: unknown[][]; handler: RouteParserHandler } {
  const events: unknown[][] = [];
  const handler: RouteParserHandler = {
    onInfo: (j) => events.push(['info', j]),
    onConnect: (j) => events.push(['connect', j]),
    onPing: () => events.push(['ping']),
    onPong: () => events.push(['pong']),
    onErr: (t) => events.push(['err', t]),
    onRemoteSub: (a, s, q, w, o) => events.push(['sub', a, s, q, w, o]),
    onRemoteUnsub: (a, s, q) => events.push(['unsub', a, s, q]),
    onRoutedMsg: (a, s, r, qs, h, p) => events.push(['msg', a, s, r, qs, h, p.toString('latin1')]),
    onProtocolError: (e, r) => events.push(['error', e, r]),
  };
  return { events, handler };
}

function parse(...chunks: string[]): unknown[][] {
  const { events, handler } = recorder();
  const p = new RouteParser(handler);
  for (const c of chunks) p.parse(Buffer.from(c, 'latin1'));
  return events;
}

test('route parser - control operations', () => {
  assert.deepEqual(parse('PING\r\nPONG\r\n+OK\r\n'), [['ping'], ['pong']]);
  assert.deepEqual(parse('INFO {"server_id":"X"}\r\n'), [['info', '{"server_id":"X"}']]);
  assert.deepEqual(parse('CONNECT {"name":"X"}\r\n'), [['connect', '{"name":"X"}']]);
  assert.deepEqual(parse("-ERR 'Unknown Protocol Operation'\r\n"), [['err', 'Unknown Protocol Operation']]);
  assert.deepEqual(parse('ping\r\n'), [['ping']], 'case-insensitive, as nats-server');
});

test('route parser - RS+, RS-, LS+ with queue weights', () => {
  assert.deepEqual(parse('RS+ $G foo\r\nRS+ $G bar q1 3\r\nRS- $G foo\r\nRS- $G bar q1\r\nLS+ org $G baz\r\n'), [
    ['sub', '$G', 'foo', '', 0, ''],
    ['sub', '$G', 'bar', 'q1', 3, ''],
    ['unsub', '$G', 'foo', ''],
    ['unsub', '$G', 'bar', 'q1'],
    ['sub', '$G', 'baz', '', 0, 'org'],
  ]);
});

test('route parser - RMSG and HMSG: reply, queue lists, sizes', () => {
  assert.deepEqual(parse('RMSG $G foo 5\r\nhello\r\n'), [['msg', '$G', 'foo', '', null, 0, 'hello']]);
  assert.deepEqual(parse('RMSG $G foo _INBOX.1 2\r\nhi\r\n'), [['msg', '$G', 'foo', '_INBOX.1', null, 0, 'hi']]);
  assert.deepEqual(parse('RMSG $G foo + r q1 q2 1\r\nx\r\n'), [['msg', '$G', 'foo', 'r', ['q1', 'q2'], 0, 'x']]);
  assert.deepEqual(parse('RMSG $G foo | q1 1\r\nx\r\n'), [['msg', '$G', 'foo', '', ['q1'], 0, 'x']]);
  assert.deepEqual(parse('HMSG $G foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n'), [['msg', '$G', 'foo', '', null, 12, 'NATS/1.0\r\n\r\nhi']]);
  assert.deepEqual(parse('HMSG $G foo + r q 12 14\r\nNATS/1.0\r\n\r\nhi\r\n'), [['msg', '$G', 'foo', 'r', ['q'], 12, 'NATS/1.0\r\n\r\nhi']]);
  assert.deepEqual(parse('RMSG $G foo 0\r\n\r\n'), [['msg', '$G', 'foo', '', null, 0, '']]);
});

test('route parser - a line and a payload split across reads', () => {
  assert.deepEqual(parse('RM', 'SG $G fo', 'o 10\r\n01234', '56789', '\r', '\nPI', 'NG\r\n'), [
    ['msg', '$G', 'foo', '', null, 0, '0123456789'], ['ping'],
  ]);
});

test('route parser - PUB/HPUB from a route are read and dropped, SUB/UNSUB taken as RS+/RS-, as nats-server does', () => {
  assert.deepEqual(parse('PUB foo 3\r\nabc\r\nHPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\n'), [['ping']]);
  assert.deepEqual(parse('SUB $G foo\r\nUNSUB $G foo\r\n'), [['sub', '$G', 'foo', '', 0, ''], ['unsub', '$G', 'foo', '']]);
  assert.deepEqual(parse('UNSUB 1\r\n'), [['error', null, "processRemoteUnsub parse error: '1'"]]);
});

test('route parser - malformed input stops the parser with nats-server\'s words', () => {
  assert.deepEqual(parse('FOO BAR\r\nPING\r\n'), [['error', 'Unknown Protocol Operation', 'unknown protocol operation']]);
  assert.deepEqual(parse('RS+ $G\r\n'), [['error', null, "processRemoteSub Parse Error: '$G'"]]);
  assert.deepEqual(parse('RMSG $G foo x\r\n'), [['error', null, "processRoutedMsgArgs Bad or Missing Size: '[$G foo x]'"]]);
  assert.deepEqual(parse('RMSG $G foo * q 1\r\n'), [['error', null, "processRoutedMsgArgs Bad or Missing Reply Indicator: '*'"]]);
  assert.deepEqual(parse('HMSG $G foo 20 10\r\n'), [['error', null, "processRoutedHeaderMsgArgs Header Size larger then TotalSize: '$G foo 20 10'"]]);
  assert.deepEqual(parse('RMSG $G foo 3\r\nabcd\r\n'), [['error', 'Unknown Protocol Operation', 'payload not followed by CRLF']]);
});

test('route parser - random bytes and random cuts never throw', () => {
  // A seeded generator: the same inputs on every run.
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pieces = ['RS+ $G a.b q 2\r\n', 'RS- $G a.b\r\n', 'RMSG $G x + r q 3\r\nabc\r\n', 'HMSG $G x 12 14\r\nNATS/1.0\r\n\r\nhi\r\n', 'PING\r\n', 'INFO {}\r\n', ' ', '\r\n', '\t', 'RMSG', '|', '+', '9999999999', '-1'];
  for (let round = 0; round < 500; round++) {
    let text = '';
    for (let k = rnd(12); k >= 0; k--) text += rnd(4) === 0 ? String.fromCharCode(rnd(256)) : pieces[rnd(pieces.length)];
    const bytes = Buffer.from(text, 'latin1');
    const { handler } = recorder();
    const p = new RouteParser(handler);
    let at = 0;
    while (at < bytes.length) {
      const next = Math.min(bytes.length, at + 1 + rnd(8));
      assert.doesNotThrow(() => p.parse(bytes.subarray(at, next)), JSON.stringify(text));
      at = next;
    }
  }
});
