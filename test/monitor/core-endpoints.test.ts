/**
 * The nats-server endpoints against the captured documents, driven with the
 * official `nats` client: shapes, query options, error answers, JSONP, HTTP
 * framing, request counting, secrets never shown.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import https from 'node:https';
import { connect, type NatsConnection } from 'nats';
import { NatsServer } from '../../src/nats/server.js';
import { startMonitor, type RunningMonitor } from '../../src/monitor/http.js';
import { MonitorText } from '../../src/monitor/errors.js';
import { makeTestCerts } from '../support/certs.js';
import { assertSameShape, eventually, fixture, fixtureText, get, getJson, recordingLogger } from './support.js';

interface ConnInfo {
  cid: number;
  name?: string;
  in_msgs: number;
  out_msgs: number;
  subscriptions: number;
  reason?: string;
  stop?: string;
  authorized_user?: string;
  subscriptions_list?: string[];
  subscriptions_list_detail?: Array<Record<string, unknown>>;
}
interface Connz {
  num_connections: number;
  total: number;
  offset: number;
  limit: number;
  connections: ConnInfo[];
}

describe('core monitoring endpoints', () => {
  let core: NatsServer;
  let monitor: RunningMonitor;
  const logger = recordingLogger();
  const clients: NatsConnection[] = [];
  let port: number;

  before(async () => {
    core = new NatsServer({ port: 0, host: '127.0.0.1' });
    await core.listen();
    monitor = await startMonitor({ core, host: '127.0.0.1', port: 0, logger });
    port = monitor.port;
    const url = `nats://127.0.0.1:${core.port}`;
    // Three clients with distinct traffic so every sort order is observable.
    // The publisher has a name and no subscription, like the captured internal connections.
    for (let i = 0; i < 3; i++) clients.push(await connect({ servers: url, name: i === 2 ? 'publisher' : undefined }));
    const [a, b, c] = clients;
    a.subscribe('orders.*');
    a.subscribe('orders.created');
    b.subscribe('invoices.>');
    for (let i = 0; i < 5; i++) c.publish('orders.created', new TextEncoder().encode('x'.repeat(10)));
    for (let i = 0; i < 2; i++) b.publish('invoices.paid', new TextEncoder().encode('y'));
    await Promise.all(clients.map((nc) => nc.flush()));
  });

  after(async () => {
    await Promise.all(clients.map((nc) => (nc.isClosed() ? undefined : nc.close())));
    await monitor.close();
    await core.close();
  });

  test('logs where it listens, as the Go server does', () => {
    assert.ok(logger.lines.includes(`[INF] Starting http monitor on 127.0.0.1:${port}`), logger.lines.join('\n'));
  });

  test('every document has the captured shape', async () => {
    assertSameShape(await getJson(port, '/varz'), fixture('varz.json'), { maps: ['$.http_req_stats'] });
    assertSameShape(await getJson(port, '/connz'), fixture('connz.json'));
    assertSameShape(await getJson(port, '/connz?subs=1'), fixture('connz_subs1.json'));
    assertSameShape(await getJson(port, '/subsz'), fixture('subsz.json'));
    assertSameShape(await getJson(port, '/subsz?subs=1'), fixture('subsz_subs1.json'));
    assertSameShape(await getJson(port, '/routez'), fixture('routez.json'));
    const health = await get(port, '/healthz');
    assert.equal(health.body, fixtureText('healthz.json'));
  });

  test('varz counts what the core counted', async () => {
    const v = (await getJson(port, '/varz')) as Record<string, unknown>;
    assert.equal(v.server_id, core.serverId);
    assert.equal(v.port, core.port);
    assert.equal(v.http_port, port);
    assert.equal(v.connections, 3);
    assert.equal(v.in_msgs, core.inMsgs);
    assert.equal(v.subscriptions, core.sublist.size);
    assert.equal(v.in_msgs, 7);
    assert.equal(v.out_msgs, 12);
    assert.equal(v.ping_interval, 120_000_000_000);
    assert.equal(v.write_deadline, 10_000_000_000);
    assert.match(v.start as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
  });

  test('headers: JSON type, Content-Length up to 2048 bytes, chunked above, no trailing newline', async () => {
    const small = await get(port, '/routez');
    assert.equal(small.headers['content-type'], 'application/json');
    assert.equal(small.headers['content-length'], String(Buffer.byteLength(small.body)));
    assert.ok(!small.body.endsWith('\n'));
    const nc = clients[1];
    const subs = Array.from({ length: 30 }, (_, i) => nc.subscribe(`load.${i}`));
    await nc.flush();
    try {
      const big = await get(port, '/subsz?subs=1');
      assert.ok(Buffer.byteLength(big.body) > 2048);
      assert.equal(big.headers['transfer-encoding'], 'chunked');
      assert.equal(big.headers['content-length'], undefined);
    } finally {
      for (const sub of subs) sub.unsubscribe();
      await nc.flush();
    }
  });

  test('connz sorting', async () => {
    const cids = async (sort: string) => ((await getJson(port, `/connz?sort=${sort}`)) as Connz).connections.map((c) => c.cid);
    const [a, b, c] = clients.map((nc) => nc.info!.client_id);
    assert.deepEqual(await cids('cid'), [a, b, c]);
    assert.deepEqual(await cids('start'), [a, b, c]);
    assert.deepEqual(await cids('subs'), [a, b, c]);
    assert.deepEqual(await cids('msgs_from'), [c, b, a]);
    assert.deepEqual(await cids('bytes_from'), [c, b, a]);
    assert.deepEqual(await cids('msgs_to'), [a, b, c]);
    const byUptime = ((await getJson(port, '/connz?sort=uptime')) as { connections: Array<{ start: string }> }).connections;
    const starts = byUptime.map((x) => Date.parse(x.start));
    assert.deepEqual(starts, [...starts].sort((x, y) => y - x), 'youngest first');
    for (const s of ['pending', 'bytes_to', 'last', 'idle', 'rtt']) assert.equal((await cids(s)).length, 3, s);
    const bad = await get(port, '/connz?sort=foo');
    assert.equal(bad.status, 400);
    assert.equal(bad.body, MonitorText.invalidSort('foo'));
    assert.ok(fixtureText('http-misc.txt').includes(bad.body));
    const stop = await get(port, '/connz?sort=stop');
    assert.deepEqual([stop.status, stop.body], [400, MonitorText.sortByStopNotClosed]);
    const reason = await get(port, '/connz?sort=reason&state=open');
    assert.deepEqual([reason.status, reason.body], [400, MonitorText.sortByReasonNotClosed]);
  });

  test('connz limit, offset and cid', async () => {
    const page = (await getJson(port, '/connz?limit=1&offset=1')) as Connz;
    assert.deepEqual([page.num_connections, page.total, page.offset, page.limit], [1, 3, 1, 1]);
    assert.equal(page.connections[0].cid, clients[1].info!.client_id);
    const past = (await getJson(port, '/connz?offset=10')) as Connz;
    assert.deepEqual([past.num_connections, past.total, past.connections.length], [0, 3, 0]);
    const defaults = (await getJson(port, '/connz?offset=-4&limit=0')) as Connz;
    assert.deepEqual([defaults.offset, defaults.limit, defaults.num_connections], [0, 1024, 3]);
    const cid = clients[2].info!.client_id;
    const one = (await getJson(port, `/connz?cid=${cid}`)) as Connz;
    assert.deepEqual([one.num_connections, one.total, one.limit, one.connections[0].cid], [1, 3, 1, cid]);
    const none = (await getJson(port, '/connz?cid=99999')) as Connz;
    assert.deepEqual([none.num_connections, none.connections], [0, []]);
    for (const [q, text] of [
      ['limit=abc', MonitorText.decodeInt('limit', 'abc', false)],
      ['offset=1x', MonitorText.decodeInt('offset', '1x', false)],
      ['cid=-2', MonitorText.decodeUint64('cid', '-2', false)],
      ['auth=maybe', MonitorText.decodeBool('auth', 'maybe')],
      ['subs=2', MonitorText.decodeBool('subs', '2')],
      ['state=gone', MonitorText.decodeState('gone')],
    ] as const) {
      const a = await get(port, `/connz?${q}`);
      assert.deepEqual([a.status, a.headers['content-type'], a.body], [400, 'text/plain; charset=utf-8', text], q);
    }
  });

  test('connz subscriptions: subs=1 lists subjects, subs=detail lists details', async () => {
    const a = clients[0].info!.client_id;
    const list = (await getJson(port, `/connz?cid=${a}&subs=1`)) as Connz;
    assert.deepEqual(list.connections[0].subscriptions_list!.slice().sort(), ['orders.*', 'orders.created']);
    const detail = (await getJson(port, `/connz?cid=${a}&subs=detail`)) as Connz;
    const d = detail.connections[0].subscriptions_list_detail!;
    const created = d.find((s) => s.subject === 'orders.created')!;
    assert.deepEqual(Object.keys(created), ['subject', 'sid', 'msgs', 'cid']);
    assert.equal(created.msgs, 5);
    assert.equal(created.cid, a);
    const captured = /GET \/connz\?subs=detail&cid=8\n[\s\S]*?\n\n(\{[\s\S]*?\n\})/.exec(fixtureText('http-misc.txt'))![1];
    assertSameShape(detail, JSON.parse(captured));
  });

  test('closed connections: state=closed, state=all, sort by stop and reason', async () => {
    const nc = await connect({ servers: `nats://127.0.0.1:${core.port}`, name: 'leaving' });
    nc.subscribe('bye');
    await nc.flush();
    const cid = nc.info!.client_id;
    await nc.close();
    // The server sees the socket close a moment after the client's close() resolves.
    const closed = await eventually(async () => {
      const doc = (await getJson(port, '/connz?state=closed')) as Connz;
      return doc.connections.some((c) => c.cid === cid) ? doc : undefined;
    }, 5000, 'the closed connection');
    const gone = closed.connections.find((c) => c.cid === cid)!;
    assert.equal(gone.reason, 'Client Closed');
    assert.equal(gone.name, 'leaving');
    assert.match(gone.stop!, /Z$/);
    const keys = Object.keys(gone);
    assert.deepEqual(keys.slice(0, 10), ['cid', 'kind', 'type', 'ip', 'port', 'start', 'last_activity', 'stop', 'reason', 'rtt']);
    const all = (await getJson(port, '/connz?state=all')) as Connz;
    assert.equal(all.total, 3 + closed.total);
    assert.ok(all.connections.some((c) => c.cid === cid));
    const any = (await getJson(port, '/connz?state=ANY')) as Connz;
    assert.equal(any.total, all.total);
    const byStop = await get(port, '/connz?state=closed&sort=stop');
    assert.equal(byStop.status, 200);
    const byReason = await get(port, '/connz?state=closed&sort=reason&subs=1');
    assert.equal(byReason.status, 200);
    const withSubs = (JSON.parse(byReason.body) as Connz).connections.find((c) => c.cid === cid)!;
    assert.deepEqual(withSubs.subscriptions_list, ['bye']);
    const one = (await getJson(port, `/connz?state=closed&cid=${cid}`)) as Connz;
    assert.equal(one.connections[0].cid, cid);
  });

  test('connz account filter: $G holds the clients, $SYS none, unknown accounts give null', async () => {
    assert.equal(((await getJson(port, '/connz?acc=$G')) as Connz).num_connections, 3);
    assert.deepEqual(((await getJson(port, '/connz?acc=$SYS')) as Connz).connections, []);
    assert.equal(((await getJson(port, '/connz?acc=nobody')) as Connz).connections, null);
  });

  test('subsz: statistics alone unless subscriptions are listed; test subject filter', async () => {
    clients[2].publish('orders.created');
    await clients[2].flush();
    const stats = (await getJson(port, '/subsz')) as Record<string, number>;
    assert.equal(stats.num_subscriptions, core.sublist.size);
    assert.ok(stats.num_matches >= 7);
    assert.ok(stats.cache_hit_rate > 0 && stats.cache_hit_rate < 1);
    assert.equal(stats.max_fanout, 2);
    const alias = (await getJson(port, '/subscriptionsz')) as Record<string, number>;
    assert.equal(alias.num_subscriptions, stats.num_subscriptions);
    const listed = (await getJson(port, '/subsz?subs=1&test=orders.created')) as { total: number; subscriptions_list: Array<{ subject: string; account: string }> };
    assert.deepEqual(listed.subscriptions_list.map((s) => s.subject).sort(), ['orders.*', 'orders.created']);
    assert.equal(listed.total, 2);
    assert.equal(listed.subscriptions_list[0].account, '$G');
    const nothing = (await getJson(port, '/subsz?subs=1&test=alpha')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(nothing), Object.keys(fixture('subsz.json') as object));
    const paged = (await getJson(port, '/subsz?subs=1&limit=1&offset=1')) as { total: number; offset: number; limit: number; subscriptions_list: unknown[] };
    assert.deepEqual([paged.total, paged.offset, paged.limit, paged.subscriptions_list.length], [1, 1, 1, 1]);
    const bad = await get(port, '/subsz?test=foo.*');
    assert.deepEqual([bad.status, bad.body], [400, MonitorText.invalidTestSubject('foo.*')]);
    assert.ok(fixtureText('http-misc.txt').includes(bad.body));
  });

  test('a queue subscription shows its group', async () => {
    const nc = clients[1];
    const sub = nc.subscribe('jobs', { queue: 'workers' });
    await nc.flush();
    const listed = (await getJson(port, '/subsz?subs=1&test=jobs')) as { subscriptions_list: Array<Record<string, unknown>> };
    assert.deepEqual(Object.keys(listed.subscriptions_list[0]), ['account', 'subject', 'qgroup', 'sid', 'msgs', 'cid']);
    assert.equal(listed.subscriptions_list[0].qgroup, 'workers');
    sub.unsubscribe();
    await nc.flush();
  });

  test('unknown paths are 404 with Go\'s text; no trailing-slash variants', async () => {
    for (const p of ['/nope', '/varz/', '/streaming/', '/streaming', '/streaming/serverz', '/connz/x']) {
      const a = await get(port, p);
      assert.equal(a.status, 404, p);
      assert.equal(a.body, MonitorText.notFound);
      assert.equal(a.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(a.headers['x-content-type-options'], 'nosniff');
    }
  });

  test('JSONP with ?callback', async () => {
    const a = await get(port, '/varz?callback=cb');
    assert.equal(a.headers['content-type'], 'application/javascript');
    assert.ok(a.body.startsWith('cb({\n  "server_id": '));
    assert.ok(a.body.endsWith('\n})'));
    const h = await get(port, '/healthz?callback=f');
    assert.equal(h.body, 'f({"status":"ok"})');
  });

  test('the index page lists the endpoints', async () => {
    const a = await get(port, '/');
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'text/html; charset=utf-8');
    for (const link of ['./varz', './connz', './subsz', './routez', './healthz']) assert.ok(a.body.includes(`href="${link}"`), link);
  });

  test('/metrics without a streaming server: core metrics only', async () => {
    const a = await get(port, '/metrics');
    assert.equal(a.status, 200);
    const sid = core.serverId;
    const lines = a.body.split('\n');
    assert.ok(lines.includes(`gnatsd_varz_connections{server_id="${sid}"} 3`));
    assert.ok(lines.includes(`gnatsd_connz_num_connections{server_id="${sid}"} 3`));
    assert.ok(lines.includes(`gnatsd_subsz_num_subscriptions{server_id="${sid}"} ${core.sublist.size}`));
    assert.ok(!lines.some((l) => l.startsWith('nss_')));
  });

  test('answers many concurrent requests while clients publish', async () => {
    const [, b, c] = clients;
    let publishing = true;
    const load = (async () => {
      while (publishing) {
        for (let i = 0; i < 200; i++) c.publish('orders.created');
        await c.flush();
      }
    })();
    const paths = ['/varz', '/connz?subs=1', '/subsz?subs=1', '/healthz', '/metrics', '/routez'];
    const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => get(port, paths[i % paths.length])));
    publishing = false;
    await load;
    await b.flush();
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
  });

  test('healthz decodes its JetStream options', async () => {
    assert.equal((await get(port, '/healthz?js-enabled-only=true')).body, '{"status":"ok"}');
    const bad = await get(port, '/healthz?js-server-only=nope');
    assert.deepEqual([bad.status, bad.body], [400, MonitorText.decodeBool('js-server-only', 'nope')]);
  });
});

describe('http_req_stats counts requests as nats-server does', () => {
  test('the sequence of the captured misc run gives the captured counts', async () => {
    const core = new NatsServer({ port: 0, host: '127.0.0.1' });
    await core.listen();
    const monitor = await startMonitor({ core, host: '127.0.0.1', port: 0, logger: recordingLogger() });
    const nc = await connect({ servers: `nats://127.0.0.1:${core.port}` });
    try {
      // Same requests, same order as http-misc.txt, up to its /varz?callback=cb.
      for (const p of ['/', '/streaming', '/streaming/', '/varz/', '/nope', '/connz?limit=abc', '/connz?sort=foo',
        `/connz?subs=detail&cid=${nc.info!.client_id}`, '/connz?state=closed', '/subsz?test=foo.*', '/subsz?subs=1&test=alpha']) {
        await get(monitor.port, p);
      }
      const v = (await getJson(monitor.port, '/varz')) as { http_req_stats: Record<string, number> };
      const captured = /cb\((\{[\s\S]*?\n\})\)/.exec(fixtureText('http-misc.txt'))![1];
      const expected = (JSON.parse(captured) as { http_req_stats: Record<string, number> }).http_req_stats;
      assert.deepEqual(v.http_req_stats, expected);
      const raw = (await get(monitor.port, '/varz')).body;
      assert.ok(raw.includes('"http_req_stats": {\n    "/": 1,\n    "/connz": 3,\n    "/subsz": 2,\n    "/varz": 2\n  }'));
    } finally {
      await nc.close();
      await monitor.close();
      await core.close();
    }
  });
});

describe('secrets', () => {
  test('no endpoint shows a password or a token', async () => {
    const secret = 's3cr3t-Pa55';
    const core = new NatsServer({ port: 0, host: '127.0.0.1', users: [{ user: 'alice', password: secret }] });
    await core.listen();
    const monitor = await startMonitor({ core, host: '127.0.0.1', port: 0, logger: recordingLogger() });
    const nc = await connect({ servers: `nats://127.0.0.1:${core.port}`, user: 'alice', pass: secret });
    try {
      nc.subscribe('x');
      await nc.flush();
      const connz = (await getJson(monitor.port, '/connz?auth=true')) as Connz;
      assert.equal(connz.connections[0].authorized_user, 'alice');
      const v = (await getJson(monitor.port, '/varz')) as Record<string, unknown>;
      assert.equal(v.auth_required, true);
      for (const p of ['/varz', '/connz?auth=1&subs=detail', '/subsz?subs=1', '/metrics', '/', '/dashboard/config']) {
        const a = await get(monitor.port, p);
        assert.ok(!a.body.includes(secret), p);
      }
    } finally {
      await nc.close();
      await monitor.close();
      await core.close();
    }

    const token = 'tok-9f8e7d';
    const core2 = new NatsServer({ port: 0, host: '127.0.0.1', authToken: token });
    await core2.listen();
    const monitor2 = await startMonitor({ core: core2, host: '127.0.0.1', port: 0, logger: recordingLogger() });
    const nc2 = await connect({ servers: `nats://127.0.0.1:${core2.port}`, token });
    try {
      const a = await get(monitor2.port, '/connz?auth=1&subs=1');
      assert.ok(!a.body.includes(token));
      assert.equal((JSON.parse(a.body) as Connz).connections[0].authorized_user, '[REDACTED]');
    } finally {
      await nc2.close();
      await monitor2.close();
      await core2.close();
    }
  });
});

describe('https monitoring', () => {
  test('-ms serves the same endpoints over TLS with the core certificate', async () => {
    const certs = makeTestCerts();
    const core = new NatsServer({ port: 0, host: '127.0.0.1', tls: { cert: certs.serverCert, key: certs.serverKey } });
    await core.listen();
    const logger = recordingLogger();
    const monitor = await startMonitor({ core, host: '127.0.0.1', httpsPort: 0, logger });
    try {
      assert.equal(monitor.port, 0);
      assert.ok(logger.lines.includes(`[INF] Starting https monitor on 127.0.0.1:${monitor.httpsPort}`));
      const body = await new Promise<string>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port: monitor.httpsPort, path: '/varz', rejectUnauthorized: false }, (res) => {
          let s = '';
          res.on('data', (c: Buffer) => (s += c.toString()));
          res.on('end', () => resolve(s));
        }).on('error', reject);
      });
      const v = JSON.parse(body) as Record<string, unknown>;
      assert.deepEqual([v.https_port, v.http_port, v.tls_required], [monitor.httpsPort, 0, true]);
    } finally {
      await monitor.close();
      await core.close();
      certs.cleanup();
    }
  });

  test('-ms without a certificate is refused', async () => {
    const core = new NatsServer({ port: 0, host: '127.0.0.1' });
    await core.listen();
    try {
      await assert.rejects(startMonitor({ core, host: '127.0.0.1', httpsPort: 0, logger: recordingLogger() }), { message: MonitorText.httpsNeedsTls });
    } finally {
      await core.close();
    }
  });
});
