/**
 * `-ns`: the streaming layer as a client of a separate NATS server (Debian's
 * nats-server), through the official `nats` client. Applications connect to that
 * NATS server, not to natstream. .ci/run installs nats-server; without it the test skips.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { startServer, type RunningServer } from '../../src/index.js';
import { freePort } from '../support/ports.js';
import { RawClient } from '../support/raw-client.js';
import { closeStan, connectStan, Inbox, publish, subscribe } from './harness.js';

const BINARY = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim();

describe('streaming on an external NATS server (-ns)', { skip: BINARY ? false : 'nats-server is not installed (.ci/run installs it)' }, () => {
  let natsd: ChildProcess;
  let url = '';
  let server: RunningServer;

  before(async () => {
    const port = await freePort();
    natsd = spawn(BINARY, ['-a', '127.0.0.1', '-p', String(port), '--user', 'stan', '--pass', 's3cret'], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      try {
        const c = await RawClient.connect(port);
        await c.untilIncludes('\r\n');
        c.close();
        break;
      } catch (err) {
        if (i > 200) throw err;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    url = `nats://127.0.0.1:${port}`;
    server = await startServer({ clusterId: 'ext', connection: { natsServerUrl: url, user: 'stan', pass: 's3cret' } });
  });
  after(async () => {
    await server?.close();
    natsd?.kill();
  });

  it('node-nats-streaming clients of the NATS server reach natstream', async () => {
    assert.equal(server.core, undefined, 'no embedded core NATS');
    const opts = { url: `nats://stan:s3cret@${url.slice('nats://'.length)}` };
    const sub = await connectStan(opts.url, 'ext', 'ext-sub');
    const pub = await connectStan(opts.url, 'ext', 'ext-pub');
    const s = await subscribe(sub, 'ext.chan', null, sub.subscriptionOptions().setDeliverAllAvailable());
    const inbox = new Inbox(s);
    await publish(pub, 'ext.chan', 'one');
    await publish(pub, 'ext.chan', 'two');
    const got = await inbox.take(2);
    assert.deepEqual(got.map((r) => [r.seq, r.data]), [[1, 'one'], [2, 'two']]);
    assert.equal(server.streaming!.channels.get('ext.chan')!.store.msgs.lastSequence(), 2);
    await closeStan(pub);
    await closeStan(sub);
  });
});
