/**
 * The dashboard's data endpoints over HTTP: the Server-Sent Events feed
 * (/dashboard/events: config, history, then ticks) and the message browser
 * (/dashboard/messages: paging by sequence, time and last page; credentials
 * when authentication is on), and the close-client switch.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';

import { startServer } from '../../src/index.js';
import { DashboardText } from '../../src/monitor/errors.js';
import { get } from './support.js';
import { publish, startStack } from './stack.js';

const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

/** Reads SSE events until `n` arrived; the stream is closed afterwards. */
function readEvents(port: number, n: number): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/dashboard/events' }, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      let buf = '';
      const out: Array<{ event: string; data: Record<string, unknown> }> = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) out.push({ event, data: JSON.parse(data) as Record<string, unknown> });
          if (out.length === n) { req.destroy(); resolve(out); return; }
        }
      });
    });
    req.on('error', (err) => { if (!req.destroyed) reject(err); });
  });
}

describe('dashboard feed and message browser', () => {
  test('events: config, the history so far, then a tick a second with the documents', async () => {
    const stack = await startStack({ clusterId: 'feed', dashboard: { enabled: true, allowPublish: false } });
    try {
      const sc = await stack.connect('feeder');
      await publish(sc, 'orders', 'x');
      const events = await readEvents(stack.monitor.port, 4);
      assert.deepEqual(events.map((e) => e.event), ['config', 'history', 'tick', 'tick']);
      assert.deepEqual(events[0].data, { publish: false, close: false, authRequired: false, deadLetterPrefix: 'DLQ', charts: true });
      assert.ok(Array.isArray(events[1].data.samples) && (events[1].data.samples as unknown[]).length >= 1);
      const tick = events[3].data as { sample: { t: number; clients: number; channels: Record<string, number> }; serverz: { cluster_id: string };
        channelsz: { channels: Array<{ name: string }> }; clientsz: { clients: Array<{ id: string }> }; heartbeats: Record<string, [number, number]> };
      assert.equal(tick.serverz.cluster_id, 'feed');
      assert.equal(tick.sample.clients, 1);
      assert.ok('orders' in tick.sample.channels);
      assert.deepEqual(tick.channelsz.channels.map((c) => c.name), ['orders']);
      assert.deepEqual(tick.clientsz.clients.map((c) => c.id), ['feeder']);
      assert.equal(tick.heartbeats.feeder[1], 0);
    } finally {
      await stack.close();
    }
  });

  test('messages: by sequence, last page, from a time, limits and errors', async () => {
    const stack = await startStack({ clusterId: 'browse' });
    try {
      const sc = await stack.connect('writer');
      for (let i = 1; i <= 120; i++) await publish(sc, 'log', `line ${i}`);
      const port = stack.monitor.port;
      const page = async (q: string) => JSON.parse((await get(port, `/dashboard/messages?channel=log&${q}`)).body) as
        { from: number; first_seq: number; last_seq: number; dead_letters: boolean; messages: Array<{ seq: number; data: string; size: number }> };
      const first = await page('');
      assert.deepEqual([first.from, first.first_seq, first.last_seq, first.messages.length, first.dead_letters], [1, 1, 120, 50, false]);
      assert.equal(Buffer.from(first.messages[0].data, 'base64').toString(), 'line 1');
      assert.deepEqual((await page('from=100&limit=10')).messages.map((m) => m.seq), [100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
      assert.deepEqual((await page('last=1&limit=3')).messages.map((m) => m.seq), [118, 119, 120]);
      assert.deepEqual((await page('from=200')).messages, []);
      assert.equal((await page('time=0&limit=1')).messages[0].seq, 1);
      assert.deepEqual((await page(`time=${Date.now() + 60_000}`)).messages, []);
      assert.equal((await page('limit=100000')).messages.length, 120);
      const unknown = await get(port, '/dashboard/messages?channel=nope');
      assert.deepEqual([unknown.status, JSON.parse(unknown.body)], [404, { error: DashboardText.unknownChannel('nope') }]);
      assert.equal((await get(port, '/dashboard/messages?channel=log&from=x')).status, 400);
    } finally {
      await stack.close();
    }
  });

  test('with authentication on, reading messages and closing clients need a NATS user\'s credentials', async () => {
    const stack = await startStack({
      clusterId: 'guarded',
      dashboard: { enabled: true, allowPublish: false, allowClose: true },
      core: { users: [{ user: 'admin', password: 'pw-admin' }] },
    });
    try {
      const port = stack.monitor.port;
      const anonymous = await get(port, '/dashboard/messages?channel=x');
      assert.deepEqual([anonymous.status, anonymous.headers['www-authenticate']], [401, 'Basic realm="natstream monitor"']);
      const wrong = await get(port, '/dashboard/messages?channel=x', { headers: { Authorization: basic('admin', 'no') } });
      assert.equal(wrong.status, 401);
      const admin = await get(port, '/dashboard/messages?channel=x', { headers: { Authorization: basic('admin', 'pw-admin') } });
      assert.equal(admin.status, 404, 'past authentication: the channel does not exist');
      const close = (auth?: string) => get(port, '/dashboard/close-client', {
        method: 'POST', headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) }, body: JSON.stringify({ id: 'nobody' }),
      });
      assert.equal((await close()).status, 401);
      const unknown = await close(basic('admin', 'pw-admin'));
      assert.equal(unknown.status, 404, unknown.body);
    } finally {
      await stack.close();
    }
  });

  test('core NATS only: ticks carry /varz and no streaming documents', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', streaming: false, monitor: { host: '127.0.0.1', port: 0 } });
    try {
      const port = Number(new URL(server.monitorUrl!).port);
      const events = await readEvents(port, 4);
      assert.deepEqual(events.map((e) => e.event), ['config', 'history', 'tick', 'tick']);
      assert.deepEqual(events[1].data, { samples: [] });
      assert.equal(events[3].data.sample, null);
      assert.equal(events[3].data.serverz, undefined);
      assert.equal(typeof (events[3].data.varz as { connections: number }).connections, 'number');
    } finally {
      await server.close();
    }
  });

  test('closing a client is off by default', async () => {
    const stack = await startStack({ clusterId: 'noclose' });
    try {
      const r = await get(stack.monitor.port, '/dashboard/close-client', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"id":"x"}' });
      assert.deepEqual([r.status, JSON.parse(r.body)], [403, { error: DashboardText.closeDisabled }]);
    } finally {
      await stack.close();
    }
  });
});
