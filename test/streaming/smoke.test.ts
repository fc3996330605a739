import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { inboxOf, publish, startStan, subscribe, type Harness } from './harness.js';

describe('smoke', () => {
  let h: Harness;
  before(async () => { h = await startStan(); });
  after(async () => { await h.close(); });

  it('publishes and delivers with the real client', async () => {
    const sc = await h.connect('smoke-1');
    const sub = await subscribe(sc, 'foo', null, sc.subscriptionOptions().setDeliverAllAvailable());
    const inbox = inboxOf(sub);
    await publish(sc, 'foo', 'hello');
    await publish(sc, 'foo', 'world');
    const got = await inbox.take(2);
    assert.deepEqual(got.map((r) => [r.seq, r.data]), [[1, 'hello'], [2, 'world']]);
  });
});
