/**
 * The /streaming/* endpoints after the captures' ticketing scenario, driven
 * with node-nats-streaming: every document equals the captured one once the
 * values that differ on every run (ids, inboxes, times, byte counts) are set
 * aside; query options, 404 texts, JSONP; /metrics from the same state.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MonitorText } from '../../src/monitor/errors.js';
import { assertSameShape, eventually, fixture, fixtureText, get, getJson } from './support.js';
import { startStack, ticketingScenario, type Stack } from './stack.js';

/** Values that differ on every run; everything else must be equal to the capture. */
const VOLATILE = new Set([
  'server_id', 'now', 'start_time', 'uptime', 'version', 'go', 'inbox', 'ack_inbox', 'hb_inbox',
  'bytes', 'total_bytes', 'in_bytes', 'out_bytes', 'open_fds', 'max_fds',
]);

function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = VOLATILE.has(k) ? `<${typeof x}>` : normalize(x);
    return out;
  }
  return v;
}

describe('streaming monitoring endpoints after the ticketing scenario', () => {
  let stack: Stack;
  let port: number;

  before(async () => {
    stack = await startStack();
    port = stack.monitor.port;
    await ticketingScenario(stack);
    // Acks travel on their own: wait (bounded) until the server has settled on the
    // captured state; if it never does, the tests below show the difference.
    const settled = JSON.stringify(normalize(fixture('streaming_channelsz_subs1.json')));
    await eventually(async () => {
      const doc = await getJson(port, '/streaming/channelsz?subs=1');
      return JSON.stringify(normalize(doc)) === settled ? true : undefined;
    }, 5000, 'the scenario to settle').catch(() => undefined);
  });

  after(async () => {
    await stack.close();
  });

  const cases: Array<[string, string, string[]?]> = [
    ['/streaming/serverz', 'streaming_serverz.json'],
    ['/streaming/storez', 'streaming_storez.json'],
    ['/streaming/clientsz', 'streaming_clientsz.json'],
    ['/streaming/clientsz?subs=1', 'streaming_clientsz_subs1.json', ['$.clients[].subscriptions']],
    ['/streaming/clientsz?client=orders-1&subs=1', 'streaming_clientsz_client_orders-1_subs1.json', ['$.subscriptions']],
    ['/streaming/channelsz', 'streaming_channelsz.json'],
    ['/streaming/channelsz?subs=1', 'streaming_channelsz_subs1.json'],
    ['/streaming/channelsz?channel=ticket:created', 'streaming_channelsz_channel_ticket-created.json'],
    ['/streaming/channelsz?channel=ticket:created&subs=1', 'streaming_channelsz_channel_ticket-created_subs1.json'],
  ];

  for (const [path, file, maps] of cases) {
    test(`${path} equals ${file} but for run-specific values`, async () => {
      const a = await get(port, path);
      assert.equal(a.status, 200);
      assert.equal(a.headers['content-type'], 'application/json');
      const doc = JSON.parse(a.body);
      assertSameShape(doc, fixture(file), { maps });
      assert.deepEqual(normalize(doc), normalize(fixture(file)));
      // Same framing as the capture: indented, no trailing newline, chunked only above 2048 bytes.
      assert.ok(a.body.startsWith('{\n  "') && a.body.endsWith('}'));
      if (Buffer.byteLength(a.body) > 2048) assert.equal(a.headers['transfer-encoding'], 'chunked');
      else assert.equal(a.headers['content-length'], String(Buffer.byteLength(a.body)));
    });
  }

  test('ids and times are the running server\'s', async () => {
    const s = (await getJson(port, '/streaming/serverz')) as Record<string, string>;
    assert.equal(s.server_id, stack.streaming.serverId);
    assert.notEqual(s.server_id, stack.core.serverId);
    assert.match(s.server_id, /^[0-9A-Za-z]{22}$/);
    assert.match(s.now, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/);
    assert.match(s.start_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/);
    const ch = (await getJson(port, '/streaming/channelsz?channel=order:created&subs=1')) as { bytes: number; subscriptions: Array<{ inbox: string; ack_inbox: string }> };
    assert.ok(ch.bytes > 0);
    for (const sub of ch.subscriptions) assert.match(sub.inbox, /^_INBOX\./);
  });

  test('unknown client or channel: 404 with the captured text', async () => {
    for (const [path, file, text] of [
      ['/streaming/clientsz?client=no-such-client', 'streaming_clientsz_client_unknown_404.txt', MonitorText.clientNotFound('no-such-client')],
      ['/streaming/channelsz?channel=no-such-channel', 'streaming_channelsz_channel_unknown_404.txt', MonitorText.channelNotFound('no-such-channel')],
    ] as const) {
      const a = await get(port, path);
      assert.equal(a.status, 404);
      assert.equal(a.body, fixtureText(file));
      assert.equal(a.body, text + '\n');
      assert.equal(a.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(a.headers['x-content-type-options'], 'nosniff');
    }
  });

  test('subs is on only for subs=1; limit and offset paginate names and channels alike', async () => {
    for (const v of ['true', 'abc', '2']) {
      const doc = (await getJson(port, `/streaming/clientsz?subs=${v}`)) as { clients: Array<Record<string, unknown>> };
      assert.ok(doc.clients.every((c) => !('subscriptions' in c)), v);
    }
    const names = (await getJson(port, '/streaming/channelsz?offset=1&limit=1')) as Record<string, unknown>;
    assert.deepEqual([names.offset, names.limit, names.count, names.total, names.names], [1, 1, 1, 2, ['ticket:created']]);
    const chans = (await getJson(port, '/streaming/channelsz?subs=1&offset=1&limit=1')) as { count: number; total: number; channels: Array<{ name: string }> };
    assert.deepEqual([chans.count, chans.total, chans.channels.map((c) => c.name)], [1, 2, ['ticket:created']]);
    const past = (await getJson(port, '/streaming/channelsz?offset=5')) as Record<string, unknown>;
    assert.deepEqual([past.count, past.total, 'names' in past, 'channels' in past], [0, 2, false, false]);
    const defaults = (await getJson(port, '/streaming/channelsz?limit=abc&offset=-5')) as Record<string, unknown>;
    assert.deepEqual([defaults.offset, defaults.limit, defaults.count], [0, 1024, 2]);
    const clients = (await getJson(port, '/streaming/clientsz?limit=1&offset=1')) as { count: number; total: number; clients: Array<{ id: string }> };
    assert.deepEqual([clients.count, clients.total, clients.clients.map((c) => c.id)], [1, 2, ['tickets-1']]);
    const one = (await getJson(port, '/streaming/channelsz?channel=order:created')) as Record<string, unknown>;
    assert.ok(!('subscriptions' in one));
    assertSameShape(chans, fixture('streaming_channelsz_subs1.json'));
  });

  test('JSONP, the /streaming index page and isFTActive', async () => {
    const a = await get(port, '/streaming/serverz?callback=cb');
    assert.equal(a.headers['content-type'], 'application/javascript');
    assert.ok(a.body.startsWith('cb({\n  "cluster_id": "ticketing",'));
    const page = await get(port, '/streaming');
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    for (const p of ['serverz', 'storez', 'clientsz', 'channelsz']) assert.ok(page.body.includes(`./streaming/${p}`), p);
    const ft = await get(port, '/streaming/isFTActive');
    assert.deepEqual([ft.status, ft.body], [204, '']);
    for (const p of ['/streaming/', '/streaming/nope', '/streaming/serverz/']) assert.equal((await get(port, p)).status, 404, p);
  });

  test('/metrics exposes the exporter\'s streaming metric names with the live values', async () => {
    const a = await get(port, '/metrics');
    assert.equal(a.status, 200);
    assert.match(a.headers['content-type']!, /^text\/plain; version=0\.0\.4/);
    const text = a.body;
    const sid = stack.core.serverId;
    const has = (line: string) => assert.ok(text.split('\n').includes(line), `missing: ${line}`);
    has(`nss_chan_msgs_total{server_id="${sid}",channel="ticket:created"} 10`);
    has(`nss_chan_msgs_total{server_id="${sid}",channel="order:created"} 3`);
    has(`nss_chan_last_seq{server_id="${sid}",channel="ticket:created"} 10`);
    has(`nss_chan_first_seq{server_id="${sid}",channel="order:created"} 1`);
    has(`nss_server_msgs_total{server_id="${sid}"} 13`);
    has(`nss_server_channels{server_id="${sid}"} 2`);
    has(`nss_server_clients{server_id="${sid}"} 2`);
    has(`nss_server_subscriptions{server_id="${sid}"} 4`);
    has(`nss_client_subscriptions{server_id="${sid}",client_id="orders-1"} 2`);
    has(`nss_server_in_msgs{server_id="${sid}"} 13`);
    has(`nss_server_out_msgs{server_id="${sid}"} 20`);
    const slow = text.split('\n').find((l) => l.startsWith('nss_chan_subs_pending_count{') && l.includes('durable_name="slow-worker"'));
    assert.ok(slow, 'slow-worker pending');
    assert.match(slow, /client_id="tickets-1"/);
    assert.match(slow, /is_durable="true",is_offline="false"/);
    assert.ok(slow.endsWith(' 4'));
    const queue = text.split('\n').find((l) => l.startsWith('nss_chan_subs_last_sent{') && l.includes('queue_name="orders-service"'));
    assert.ok(queue && queue.includes('durable_name="orders-service"') && queue.endsWith(' 10'), queue);
    const offline = text.split('\n').find((l) => l.startsWith('nss_chan_subs_pending_count{') && l.includes('durable_name="tickets-service"'));
    assert.ok(offline && offline.includes('is_offline="true"') && offline.endsWith(' 1'), offline);
    has(`nss_chan_subs_max_inflight{server_id="${sid}",channel="ticket:created",client_id="tickets-1",inbox="${/inbox="([^"]+)"/.exec(slow)![1]}",queue_name="",is_durable="true",is_offline="false",durable_name="slow-worker"} 4`);
    // Core metrics under prometheus-nats-exporter's varz names, and the Node process metrics.
    has(`gnatsd_varz_connections{server_id="${sid}"} 2`);
    assert.match(text, new RegExp(`^gnatsd_varz_in_msgs\\{server_id="${sid}"\\} \\d+$`, 'm'));
    assert.match(text, /^gnatsd_varz_slow_consumers\{server_id="[A-Z0-9]+"\} 0$/m);
    assert.match(text, /^gnatsd_subsz_num_subscriptions\{server_id="[A-Z0-9]+"\} \d+$/m);
    assert.match(text, /^gnatsd_connz_num_connections\{server_id="[A-Z0-9]+"\} 2$/m);
    assert.match(text, /^nss_server_info\{server_id="[A-Z0-9]+",cluster_id="ticketing",version="0\.25\.6",go_version="node[^"]+",state="STANDALONE",role="",start_time="[^"]+"\} 1$/m);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
  });
});

describe('storez with per-channel limits', () => {
  test('the channels map shows the limits in force, unlimited as 0', async () => {
    const stack = await startStack({
      clusterId: 'limits',
      limits: {
        maxChannels: 10, maxMsgs: 500, maxBytes: 10_000, maxAge: 0, maxSubscriptions: 20, maxInactivity: 0,
        perChannel: { 'orders.>': { maxMsgs: 50 }, 'orders.eu': { maxAge: 60_000, maxBytes: -1 } },
      },
    });
    try {
      const doc = (await getJson(stack.monitor.port, '/streaming/storez')) as { limits: Record<string, unknown> };
      assert.deepEqual(doc.limits, {
        max_channels: 10, max_msgs: 500, max_bytes: 10_000, max_age: 0, max_subscriptions: 20, max_inactivity: 0,
        channels: {
          'orders.>': { max_msgs: 50, max_bytes: 10_000, max_age: 0, max_subscriptions: 20, max_inactivity: 0 },
          'orders.eu': { max_msgs: 50, max_bytes: 0, max_age: 60_000_000_000, max_subscriptions: 20, max_inactivity: 0 },
        },
      });
    } finally {
      await stack.close();
    }
  });
});
