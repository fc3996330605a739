/** The core server driven by the official `nats` (v2) client over real sockets. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, headers, StringCodec, ErrorCode, type NatsConnection } from 'nats';
import { startServer, type RunningServer } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';
import type { ClosedConnection } from '../../src/nats/server.js';

const sc = StringCodec();

describe('core NATS with the nats client', () => {
  let server: RunningServer;
  const open: NatsConnection[] = [];
  const client = async (opts: Parameters<typeof connect>[0] = {}) => {
    const nc = await connect({ servers: server.natsUrl, ...opts });
    open.push(nc);
    return nc;
  };

  before(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await Promise.all(open.map((nc) => (nc.isClosed() ? undefined : nc.close())));
    await server.close();
  });

  test('connect, publish, subscribe, flush', async () => {
    const nc = await client();
    const sub = nc.subscribe('greet', { max: 1 });
    nc.publish('greet', sc.encode('hello'));
    for await (const m of sub) assert.equal(sc.decode(m.data), 'hello');
    await nc.flush();
  });

  test('wildcards * and > across connections', async () => {
    const a = await client();
    const b = await client();
    const got: string[] = [];
    const star = a.subscribe('orders.*', { max: 2, callback: (_e, m) => got.push(`*:${m.subject}`) });
    const gt = a.subscribe('orders.>', { max: 3, callback: (_e, m) => got.push(`>:${m.subject}`) });
    await a.flush();
    for (const s of ['orders.new', 'orders.eu.new', 'orders.paid']) b.publish(s);
    await Promise.all([star.closed, gt.closed]);
    assert.deepEqual(got.filter((g) => g.startsWith('*')).sort(), ['*:orders.new', '*:orders.paid']);
    assert.deepEqual(got.filter((g) => g.startsWith('>')).sort(), ['>:orders.eu.new', '>:orders.new', '>:orders.paid']);
  });

  test('queue groups: each message to exactly one member, spread over members', async () => {
    const members = await Promise.all([client(), client(), client()]);
    const counts = [0, 0, 0];
    const total = 300;
    let seen = 0;
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    members.forEach((nc, i) =>
      nc.subscribe('work', { queue: 'workers', callback: () => { counts[i]++; if (++seen === total) done(); } }),
    );
    await Promise.all(members.map((m) => m.flush()));
    const pub = await client();
    for (let i = 0; i < total; i++) pub.publish('work', sc.encode(String(i)));
    await all;
    await pub.flush();
    await Promise.all(members.map((m) => m.flush()));
    assert.equal(counts.reduce((a, b) => a + b), total);
    for (const c of counts) assert.ok(c > 0, `every member got work: ${counts}`);
  });

  test('request/reply through a multiplexed _INBOX', async () => {
    const responder = await client();
    responder.subscribe('time', { callback: (_e, m) => m.respond(sc.encode(`re:${sc.decode(m.data)}`)) });
    await responder.flush();
    const requester = await client();
    const replies = await Promise.all([1, 2, 3].map((i) => requester.request('time', sc.encode(String(i)), { timeout: 2000 })));
    assert.deepEqual(replies.map((r) => sc.decode(r.data)), ['re:1', 're:2', 're:3']);
  });

  test('headers travel as HMSG', async () => {
    const nc = await client();
    const sub = nc.subscribe('with.headers', { max: 1 });
    const h = headers();
    h.set('X-Trace', 'abc');
    nc.publish('with.headers', sc.encode('body'), { headers: h });
    for await (const m of sub) {
      assert.equal(m.headers?.get('X-Trace'), 'abc');
      assert.equal(sc.decode(m.data), 'body');
    }
  });

  test('no responders: the request fails at once with 503', async () => {
    const nc = await client();
    await assert.rejects(nc.request('nobody.home', Empty(), { timeout: 5000 }), (err: { code?: string }) => {
      assert.equal(err.code, ErrorCode.NoResponders);
      return true;
    });
  });

  test('UNSUB with max: the subscription ends after max messages', async () => {
    const nc = await client();
    const sub = nc.subscribe('limited', { max: 3 });
    for (let i = 0; i < 5; i++) nc.publish('limited', sc.encode(String(i)));
    const got: string[] = [];
    for await (const m of sub) got.push(sc.decode(m.data));
    assert.deepEqual(got, ['0', '1', '2']);
    // The server removed it too: a raw subscriber count check through a fresh publish.
    await nc.flush();
    assert.equal([...server.core!.sublist.all()].filter((s) => s.subject === 'limited').length, 0);
  });

  test('1 MB payloads go through intact', async () => {
    const nc = await client();
    const payload = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const sub = nc.subscribe('big', { max: 2 });
    nc.publish('big', payload);
    nc.publish('big', payload);
    let n = 0;
    for await (const m of sub) {
      assert.equal(Buffer.compare(Buffer.from(m.data), payload), 0);
      n++;
    }
    assert.equal(n, 2);
  });

  test('max payload violation: the server refuses it and closes that connection only', async () => {
    const bystander = await client();
    const raw = await RawClient.connect(server.port);
    await raw.untilIncludes('\r\n');
    raw.consume();
    raw.write('CONNECT {"verbose":false}\r\nPUB foo 1048577\r\n');
    assert.equal(await raw.untilClosed(), "-ERR 'Maximum Payload Violation'\r\n");
    await bystander.flush();
  });

  test('pedantic mode: an invalid publish subject gets -ERR, the connection stays up', async () => {
    const nc = await client({ pedantic: true });
    const statuses = nc.status();
    nc.publish('foo..bar', sc.encode('x'));
    for await (const s of statuses) {
      if (s.type !== 'error') continue;
      assert.equal(s.data, ErrorCode.ProtocolError);
      break;
    }
    await nc.flush();
    assert.equal(nc.isClosed(), false);
  });

  test('500 concurrent connections', async () => {
    const conns = await Promise.all(Array.from({ length: 500 }, () => connect({ servers: server.natsUrl })));
    try {
      const sub = conns[0].subscribe('fan.in', { max: 499 });
      await conns[0].flush();
      conns.slice(1).forEach((nc, i) => nc.publish('fan.in', sc.encode(String(i))));
      let n = 0;
      for await (const _m of sub) n++;
      assert.equal(n, 499);
      assert.ok(server.core!.connections.size >= 500);
    } finally {
      await Promise.all(conns.map((nc) => nc.close()));
    }
  });
});

describe('core NATS authentication', () => {
  test('user/password: wrong password is refused, right one works', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', core: { user: 'alice', pass: 's3cret' } });
    try {
      await assert.rejects(connect({ servers: server.natsUrl, user: 'alice', pass: 'nope', reconnect: false }), (err: { code?: string }) => {
        assert.equal(err.code, ErrorCode.AuthorizationViolation);
        return true;
      });
      const nc = await connect({ servers: server.natsUrl, user: 'alice', pass: 's3cret' });
      await nc.flush();
      await nc.close();
    } finally {
      await server.close();
    }
  });

  test('token: wrong token is refused, right one works', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', core: { authToken: 'tok' } });
    try {
      await assert.rejects(connect({ servers: server.natsUrl, token: 'bad', reconnect: false }), (err: { code?: string }) => {
        assert.equal(err.code, ErrorCode.AuthorizationViolation);
        return true;
      });
      const nc = await connect({ servers: server.natsUrl, token: 'tok' });
      await nc.flush();
      await nc.close();
    } finally {
      await server.close();
    }
  });
});

describe('slow consumers', () => {
  test('a client that stops reading is cut; others keep receiving everything', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', core: { maxPending: 1024 * 1024 } });
    try {
      const stalled = await RawClient.connect(server.port);
      stalled.write('CONNECT {"verbose":false}\r\nSUB flood 1\r\nPING\r\n');
      await stalled.untilIncludes('PONG\r\n');
      stalled.socket.pause();

      const healthy = await connect({ servers: server.natsUrl });
      const total = 2000;
      const sub = healthy.subscribe('flood', { max: total });
      await healthy.flush();
      const pub = await connect({ servers: server.natsUrl });
      const chunk = Buffer.alloc(8 * 1024, 1);
      for (let i = 0; i < total; i++) {
        pub.publish('flood', chunk);
        if (i % 10 === 0) await pub.flush();
      }
      let n = 0;
      for await (const _m of sub) n++;
      assert.equal(n, total);
      stalled.socket.resume();
      await stalled.untilClosed();
      assert.equal(server.core!.slowConsumers, 1);
      assert.equal(server.core!.closed.at(-1)?.reason, 'Slow Consumer (Pending Bytes)');
      await Promise.all([healthy.close(), pub.close()]);
    } finally {
      await server.close();
    }
  });
});

function Empty(): Uint8Array {
  return new Uint8Array(0);
}

describe('write deadline', () => {
  test('a socket that stays blocked past write_deadline is cut as a slow consumer', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', core: { writeDeadline: 200 } });
    try {
      const stalled = await RawClient.connect(server.port);
      stalled.write('CONNECT {"verbose":false}\r\nSUB flood 1\r\nPING\r\n');
      await stalled.untilIncludes('PONG\r\n');
      stalled.socket.pause();
      const cut = new Promise<void>((resolve) => {
        server.core!.events.on('closed', (c: ClosedConnection) => {
          if (c.reason === 'Slow Consumer (Write Deadline)') resolve();
        });
      });
      const pub = await connect({ servers: server.natsUrl });
      const chunk = Buffer.alloc(64 * 1024, 1);
      // Enough to fill the kernel's socket buffers, far below max_pending.
      for (let i = 0; i < 200 && !server.core!.closed.some((c) => c.reason.includes('Write Deadline')); i++) {
        pub.publish('flood', chunk);
        await pub.flush();
      }
      await cut;
      assert.equal(server.core!.slowConsumers, 1);
      await pub.close();
      stalled.close();
    } finally {
      await server.close();
    }
  });
});
