/** The NATS configuration format, one syntax feature at a time, with Go's error texts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfFloat, parseConf, parseConfFile, type ConfMap } from '../../src/config/conf-parser.js';

const parse = (text: string, env: Record<string, string> = {}): ConfMap => parseConf(text, { env });
const plain = (m: unknown): unknown => JSON.parse(JSON.stringify(m));

function fails(text: string, message: string, env: Record<string, string> = {}): void {
  assert.throws(() => parseConf(text, { env }), (err: Error) => {
    assert.equal(err.message, message);
    return true;
  });
}

test('conf - separators: colon, equals, blank; entries end at new line, comma or semicolon', () => {
  assert.deepEqual(plain(parse('a: 1\nb = 2\nc 3\nd:4; e=5, f 6')), { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 });
  assert.deepEqual(plain(parse('a\n  1')), { a: 1 });
});

test('conf - comments with # and //', () => {
  assert.deepEqual(plain(parse('# top\na: 1 # after\n// slashes\nb: 2 // after\nc: "x#y" # the hash inside quotes stays')),
    { a: 1, b: 2, c: 'x#y' });
});

test('conf - strings: double-quoted with escapes, single-quoted raw, bare words', () => {
  const m = parse(`a: "tab\\there \\"q\\" \\\\ \\x41"\nb: 'raw \\t stays'\nc: bare-word.with:colons\nd: nats://h:4222\ne: ""`);
  assert.deepEqual(plain(m), { a: 'tab\there "q" \\ A', b: 'raw \\t stays', c: 'bare-word.with:colons', d: 'nats://h:4222', e: '' });
  fails('a: "bad \\q"', "Parse error on line 1: 'Invalid escape character 'q'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.'");
  fails('a: "open', "Parse error on line 1: 'Unexpected EOF.'");
});

test('conf - numbers, sizes, floats, and words that start with digits', () => {
  const m = parse('a: 42\nb: -7\nc: 1k\nd: 1kb\ne: 1KiB\nf: 2MB\ng: 1g\nh: 1.5\ni: 10s\nj: 24h\nk: 250ms\nl: 5m\nm: 127.0.0.1:4222\nn: 1GB\no: -1.25');
  assert.deepEqual(plain(m), {
    a: 42, b: -7, c: 1000, d: 1024, e: 1024, f: 2 * 1024 * 1024, g: 1e9, h: { value: 1.5 },
    i: '10s', j: '24h', k: '250ms', l: 5_000_000, m: '127.0.0.1:4222', n: 1024 ** 3, o: { value: -1.25 },
  });
  assert.ok(m.h instanceof ConfFloat);
  // `1m30s` is the integer 1m followed by garbage, as in Go: quote durations
  fails('a: 1m30s', "Parse error on line 1: 'Expected a top-level value to end with a new line, comment or EOF, but got '3' instead.'");
  fails('a: 99999999999999999999', "integer '99999999999999999999' is out of the range");
  fails('a: .5', "Parse error on line 1: 'Floats must start with a digit'");
  fails('a: 1.x', "Parse error on line 1: 'Floats must have a digit after the '.', but got 'x' instead.'");
});

test('conf - booleans true/false/yes/no/on/off in any case', () => {
  assert.deepEqual(plain(parse('a: true\nb: FALSE\nc: yes\nd: No\ne: on\nf: OFF\ng: "true"')),
    { a: true, b: false, c: true, d: false, e: true, f: false, g: 'true' });
});

test('conf - maps and arrays, nested, with comments and trailing separators', () => {
  const m = parse(`
    streaming {
      store_limits: {
        channels = {
          "orders.>": { max_msgs: 10 },
          'audit': { max_age: "0s" }
        }
      }
      peers: [ "a", b,  # comment
        c
        // another
        'd', ]
    }
    empty {}
    list: []
  `);
  assert.deepEqual(plain(m), {
    streaming: {
      store_limits: { channels: { 'orders.>': { max_msgs: 10 }, audit: { max_age: '0s' } } },
      peers: ['a', 'b', 'c', 'd'],
    },
    empty: {},
    list: [],
  });
  fails('a: [1,,2]', "Parse error on line 1: 'Unexpected array value terminator ','.'");
  fails('a {\n  b: 1\n  c: 2 d\n}', "Parse error on line 3: 'Expected a map value terminator ',' or a map terminator '}', but got 'd' instead.'");
  fails('a {\n b: 1\n', "Parse error on line 3: 'Unexpected EOF processing map.'");
  fails('a: [1 2]', "Parse error on line 1: 'Expected an array value terminator ',' or an array terminator ']', but got '2' instead.'");
});

test('conf - JSON-like files with an outer brace', () => {
  assert.deepEqual(plain(parse('{\n  "port": 4222,\n  "debug": true\n}\n')), { port: 4222, debug: true });
});

test('conf - keys keep their case; the last definition wins', () => {
  assert.deepEqual(plain(parse('Port: 1\nport: 2\nport: 3')), { Port: 1, port: 3 });
});

test('conf - blocks ( ... ) are raw text up to a lone )', () => {
  assert.deepEqual(plain(parse('cert: (\nline one\nline ) two\n)\nnext: 1')), { cert: '\nline one\nline ) two\n', next: 1 });
});

test('conf - datetimes in Zulu form', () => {
  const m = parse('t: 2016-05-04T18:53:41Z');
  assert.ok(m.t instanceof Date);
  assert.equal((m.t as Date).toISOString(), '2016-05-04T18:53:41.000Z');
  fails('t: 16-05-04', "Parse error on line 1: 'All ISO8601 dates must be in full Zulu form.'");
});

test('conf - variables: earlier keys (innermost map first), then the environment', () => {
  const m = parse(`
    PORT: 4222
    base { name: outer }
    port: $PORT
    inner {
      name: inner
      who: $name
      fromEnv: $NATS_TEST_VAR
      num: $NUM
    }
    top: $name_from_env
  `, { NATS_TEST_VAR: 'from-env', NUM: '2MB', name_from_env: 'e' });
  assert.deepEqual(plain(m), {
    PORT: 4222, base: { name: 'outer' }, port: 4222,
    inner: { name: 'inner', who: 'inner', fromEnv: 'from-env', num: 2 * 1024 * 1024 },
    top: 'e',
  });
  fails('a: 1\nb: $MISSING', "variable reference for 'MISSING' on line 2 can not be found");
  // a bare bcrypt hash is a value
  assert.deepEqual(plain(parse('pw: $2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG')),
    { pw: '$2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG' });
});

test('conf - include, relative to the including file, at top level and in maps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'natstream-conf-'));
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'users.conf'), 'users: [ { user: a, password: b } ]\nnested: $ROLE\n');
    writeFileSync(join(dir, 'sub', 'limits.conf'), 'include "more.conf"\nmax_msgs: 5\n');
    writeFileSync(join(dir, 'sub', 'more.conf'), "max_age: '1h'\n");
    writeFileSync(join(dir, 'main.conf'), `
      port: 4222
      authorization {
        include sub/users.conf
        timeout: 2
      }
      store_limits { include 'sub/limits.conf' }
    `);
    const m = parseConfFile(join(dir, 'main.conf'), { ROLE: 'admin' });
    assert.deepEqual(plain(m), {
      port: 4222,
      authorization: { users: [{ user: 'a', password: 'b' }], nested: 'admin', timeout: 2 },
      store_limits: { max_age: '1h', max_msgs: 5 },
    });
    writeFileSync(join(dir, 'broken.conf'), 'include "sub/bad.conf"\n');
    writeFileSync(join(dir, 'sub', 'bad.conf'), 'a: 1\nb: [\n');
    assert.throws(() => parseConfFile(join(dir, 'broken.conf'), {}), {
      message: "error parsing include file 'sub/bad.conf', Parse error on line 3: 'Unexpected EOF.'",
    });
    writeFileSync(join(dir, 'loop.conf'), 'include "loop.conf"\n');
    assert.throws(() => parseConfFile(join(dir, 'loop.conf'), {}), /include cycle/);
    assert.throws(() => parseConfFile(join(dir, 'nope.conf'), {}),
      { message: `error opening config file: open ${join(dir, 'nope.conf')}: no such file or directory` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('conf - errors name the line', () => {
  fails('a: 1\nb: 2\nc: 3 4\n', "Parse error on line 3: 'Expected a top-level value to end with a new line, comment or EOF, but got '4' instead.'");
  fails('a: 1\n: 2', "Parse error on line 2: 'Unexpected key separator ':''");
  fails('a: 1\nb:\n', "Parse error on line 3: 'Expected value but found new line'");
  fails('\n\nkey', 'config is invalid: key \'key\' without a value on line 3');
});
