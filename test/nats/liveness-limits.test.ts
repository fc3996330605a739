/**
 * The captured cases that involve time or several connections, with the
 * intervals scaled down (the behaviour, not the wall-clock numbers, is checked).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';

async function rawConnect(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.untilIncludes('\r\n');
  c.consume();
  return c;
}

test('stale connection: a client that never answers gets PING, PING, then -ERR and close', async () => {
  const server = await startServer({ port: 0, host: '127.0.0.1', core: { pingInterval: 100, pingMaxOut: 2 } });
  try {
    const c = await rawConnect(server.port);
    c.write('CONNECT {"verbose":false,"pedantic":false}\r\n');
    assert.equal(await c.untilClosed(), "PING\r\nPING\r\n-ERR 'Stale Connection'\r\n");
    // Also without any CONNECT (case P03).
    const silent = await rawConnect(server.port);
    assert.equal(await silent.untilClosed(), "PING\r\nPING\r\n-ERR 'Stale Connection'\r\n");
  } finally {
    await server.close();
  }
});

test('a client that answers every PING stays connected', async () => {
  const server = await startServer({ port: 0, host: '127.0.0.1', core: { pingInterval: 50, pingMaxOut: 2 } });
  try {
    const c = await rawConnect(server.port);
    c.write('CONNECT {"verbose":false,"pedantic":false}\r\n');
    let answered = 0;
    while (answered < 5) {
      await c.until((t) => t.split('PING\r\n').length - 1 > answered);
      c.write('PONG\r\n');
      answered++;
    }
    assert.equal(c.closed, false);
    assert.ok(!c.text.includes('-ERR'));
    c.close();
  } finally {
    await server.close();
  }
});

test('authentication timeout: no CONNECT in time gets -ERR and close', async () => {
  const server = await startServer({ port: 0, host: '127.0.0.1', core: { user: 'u', pass: 'p', authTimeout: 100 } });
  try {
    const c = await rawConnect(server.port);
    assert.equal(await c.untilClosed(), "-ERR 'Authentication Timeout'\r\n");
  } finally {
    await server.close();
  }
});

test('maximum connections: the 4th connection gets INFO then -ERR and close', async () => {
  const server = await startServer({ port: 0, host: '127.0.0.1', core: { maxConnections: 3 } });
  try {
    const first = await Promise.all([1, 2, 3].map(() => rawConnect(server.port)));
    const fourth = await RawClient.connect(server.port);
    const got = await fourth.untilClosed();
    assert.match(got, /^INFO \{.*\} \r\n-ERR 'maximum connections exceeded'\r\n$/);
    first[0].write('PING\r\n');
    await first[0].untilIncludes('PONG\r\n');
    first.forEach((c) => c.close());
  } finally {
    await server.close();
  }
});

test('headers are stripped for a subscriber that did not negotiate them (case D64)', async () => {
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  try {
    const b = await rawConnect(server.port);
    b.write('CONNECT {"verbose":false,"pedantic":false}\r\nSUB foo 1\r\nPING\r\n');
    await b.untilIncludes('PONG\r\n');
    const a = await rawConnect(server.port);
    a.write('CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1}\r\n' +
      'HPUB foo 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\nPING\r\n');
    assert.equal(await a.untilIncludes('PONG\r\n'), 'PONG\r\n');
    assert.equal(await b.untilIncludes('hi\r\n'), 'PONG\r\nMSG foo 1 2\r\nhi\r\n');
    a.close();
    b.close();
  } finally {
    await server.close();
  }
});

test('queue group of two members on one connection: every message once, both members used (case D90)', async () => {
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  try {
    const c = await rawConnect(server.port);
    let input = 'CONNECT {"verbose":false,"pedantic":false}\r\nSUB foo q 1\r\nSUB foo q 2\r\n';
    for (let i = 0; i < 100; i++) input += `PUB foo ${String(i).length}\r\n${i}\r\n`;
    c.write(input + 'PING\r\n');
    const text = await c.untilIncludes('PONG\r\n');
    const msgs = [...text.matchAll(/MSG foo (\d) \d+\r\n(\d+)\r\n/g)];
    assert.deepEqual(msgs.map((m) => Number(m[2])), Array.from({ length: 100 }, (_, i) => i));
    const bySid = new Set(msgs.map((m) => m[1]));
    assert.deepEqual([...bySid].sort(), ['1', '2']);
    c.close();
  } finally {
    await server.close();
  }
});
