/** Users from the config file: bcrypt passwords and per-user publish/subscribe permissions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { startServer } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';

test('users with bcrypt passwords and publish/subscribe permissions', async () => {
  const server = await startServer({
    port: 0, host: '127.0.0.1', streaming: false,
    core: {
      users: [
        { user: 'orders', password: bcrypt.hashSync('pw1', 4), permissions: { publish: { allow: ['orders.>'] }, subscribe: { deny: ['secret.>'] } } },
        { user: 'admin', password: 'clear' },
      ],
    },
  });
  try {
    const c = await RawClient.connect(server.port);
    assert.match(await c.untilIncludes('\r\n'), /"auth_required":true/);
    c.consume();
    c.write('CONNECT {"verbose":false,"pedantic":false,"user":"orders","pass":"pw1"}\r\n' +
      'SUB orders.new 1\r\nSUB secret.plans 2\r\nPUB orders.new 2\r\nok\r\nPUB billing.new 2\r\nno\r\nPING\r\n');
    const got = await c.untilIncludes('PONG\r\n');
    assert.equal(got,
      `-ERR 'Permissions Violation for Subscription to "secret.plans"'\r\n` +
      'MSG orders.new 1 2\r\nok\r\n' +
      `-ERR 'Permissions Violation for Publish to "billing.new"'\r\n` +
      'PONG\r\n');
    assert.equal(c.closed, false, 'permission errors do not close the connection');
    c.close();

    const wrong = await RawClient.connect(server.port);
    await wrong.untilIncludes('\r\n');
    wrong.consume();
    wrong.write('CONNECT {"verbose":false,"user":"orders","pass":"nope"}\r\n');
    assert.equal(await wrong.untilClosed(), "-ERR 'Authorization Violation'\r\n");

    const admin = await RawClient.connect(server.port);
    await admin.untilIncludes('\r\n');
    admin.consume();
    admin.write('CONNECT {"verbose":false,"user":"admin","pass":"clear"}\r\nPUB billing.new 0\r\n\r\nPING\r\n');
    assert.equal(await admin.untilIncludes('PONG\r\n'), 'PONG\r\n');
    admin.close();
  } finally {
    await server.close();
  }
});
