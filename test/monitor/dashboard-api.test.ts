/**
 * The dashboard's HTTP side: static files, its configuration, and the publish
 * endpoint's switches (off by default, credentials and permissions when the
 * core server requires authentication, JSON bodies only).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardText } from '../../src/monitor/errors.js';
import { get, getJson } from './support.js';
import { startStack } from './stack.js';

const json = (body: unknown, auth?: string) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) },
  body: JSON.stringify(body),
});
const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

describe('dashboard HTTP', () => {
  test('static files, configuration, default: publishing off', async () => {
    const stack = await startStack({ clusterId: 'd1' });
    try {
      const port = stack.monitor.port;
      const page = await get(port, '/dashboard');
      assert.equal(page.status, 200);
      assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
      assert.ok(page.body.includes('<script src="./dashboard/app.js">'));
      assert.equal((await get(port, '/dashboard/app.js')).headers['content-type'], 'text/javascript; charset=utf-8');
      assert.equal((await get(port, '/dashboard/style.css')).headers['content-type'], 'text/css; charset=utf-8');
      for (const p of ['/dashboard/nope.js', '/dashboard/../package.json', '/dashboard/%2e%2e/package.json']) {
        assert.equal((await get(port, p)).status, 404, p);
      }
      const slash = await get(port, '/dashboard/');
      assert.deepEqual([slash.status, slash.headers.location], [301, '/dashboard']);
      assert.deepEqual(await getJson(port, '/dashboard/config'), { publish: false, close: false, authRequired: false, deadLetterPrefix: 'DLQ', charts: true });
      const refused = await get(port, '/dashboard/publish', json({ channel: 'a', message: 'b' }));
      assert.deepEqual([refused.status, JSON.parse(refused.body)], [403, { error: DashboardText.publishDisabled }]);
      assert.ok((await get(port, '/')).body.includes('href="./dashboard"'));
    } finally {
      await stack.close();
    }
  });

  test('a disabled dashboard is not served', async () => {
    const stack = await startStack({ clusterId: 'd2', dashboard: { enabled: false, allowPublish: true } });
    try {
      assert.equal((await get(stack.monitor.port, '/dashboard')).status, 404);
      assert.ok(!(await get(stack.monitor.port, '/')).body.includes('dashboard'));
    } finally {
      await stack.close();
    }
  });

  test('publish: JSON only, valid channel names, POST only', async () => {
    const stack = await startStack({ clusterId: 'd3', dashboard: { enabled: true, allowPublish: true } });
    try {
      const port = stack.monitor.port;
      assert.deepEqual(await getJson(port, '/dashboard/config'), { publish: true, close: false, authRequired: false, deadLetterPrefix: 'DLQ', charts: true });
      const ok = await get(port, '/dashboard/publish', json({ channel: 'greetings', message: 'hi' }));
      assert.equal(ok.status, 200, ok.body);
      assert.equal(JSON.parse(ok.body).channel, 'greetings');
      const ch = (await getJson(port, '/streaming/channelsz?channel=greetings')) as { msgs: number };
      assert.equal(ch.msgs, 1);
      // The short-lived publishing client is gone again.
      assert.equal(((await getJson(port, '/streaming/clientsz')) as { total: number }).total, 0);
      const form = await get(port, '/dashboard/publish', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'channel=x&message=y' });
      assert.equal(form.status, 400);
      assert.equal((await get(port, '/dashboard/publish', json({ channel: 'a.*' }))).status, 400);
      assert.equal((await get(port, '/dashboard/publish', json({ channel: 7 }))).status, 400);
      assert.equal((await get(port, '/dashboard/publish')).status, 405);
    } finally {
      await stack.close();
    }
  });

  test('with authentication on, publishing needs a NATS user\'s credentials and publish permission', async () => {
    const stack = await startStack({
      clusterId: 'd4',
      dashboard: { enabled: true, allowPublish: true },
      core: {
        users: [
          { user: 'admin', password: 'pw-admin' },
          { user: 'viewer', password: 'pw-viewer', permissions: { publish: { deny: ['_STAN.pub.>'] } } },
        ],
      },
    });
    try {
      const port = stack.monitor.port;
      assert.deepEqual(await getJson(port, '/dashboard/config'), { publish: true, close: false, authRequired: true, deadLetterPrefix: 'DLQ', charts: true });
      const anonymous = await get(port, '/dashboard/publish', json({ channel: 'c', message: 'm' }));
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers['www-authenticate'], 'Basic realm="natstream monitor"');
      assert.equal((await get(port, '/dashboard/publish', json({ channel: 'c' }, basic('admin', 'wrong')))).status, 401);
      const viewer = await get(port, '/dashboard/publish', json({ channel: 'c' }, basic('viewer', 'pw-viewer')));
      assert.equal(viewer.status, 403);
      assert.match(JSON.parse(viewer.body).error, /^not permitted to publish to _STAN\.pub\./);
      const admin = await get(port, '/dashboard/publish', json({ channel: 'c', message: 'm' }, basic('admin', 'pw-admin')));
      assert.equal(admin.status, 200, admin.body);
      assert.equal(((await getJson(port, '/streaming/channelsz?channel=c')) as { msgs: number }).msgs, 1);
    } finally {
      await stack.close();
    }
  });
});
