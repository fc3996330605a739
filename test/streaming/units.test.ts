/** Unit tests of the pure pieces: names, queue member selection, NUIDs. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isValidChannelName, isValidClientId } from '../../src/streaming/channel-name.js';
import { Nuid } from '../../src/streaming/nuid.js';
import { QueueGroup } from '../../src/streaming/queue-group.js';
import type { Subscription } from '../../src/streaming/subscription.js';

describe('channel and client names', () => {
  it('channel names: no empty token, no wildcard anywhere, no slash', () => {
    for (const ok of ['foo', 'foo.bar', 'ticket:created', 'a-b_c', 'é.x', 'x'.repeat(300)]) assert.ok(isValidChannelName(ok), ok);
    for (const bad of ['', '.', '.foo', 'foo.', 'foo..bar', 'foo.*', 'foo.>', '*', '>', 'a*b', 'a>b', 'foo/bar']) {
      assert.ok(!isValidChannelName(bad), bad);
    }
  });

  it('client IDs: letters, digits, - and _ only', () => {
    for (const ok of ['a', 'orders-1', 'A_b-9']) assert.ok(isValidClientId(ok), ok);
    for (const bad of ['', 'bad id!', 'orders.1', 'a:b', 'é']) assert.ok(!isValidClientId(bad), bad);
  });
});

describe('queue member selection', () => {
  const member = (name: string, pending: number, stalled = false, hasFailedHB = false) =>
    ({ name, pending: { size: pending }, stalled, hasFailedHB }) as unknown as Subscription & { name: string };

  it('rotates the first member to the end when it is chosen (round-robin)', () => {
    const g = new QueueGroup('q', false);
    g.members.push(member('a', 0), member('b', 0));
    const picks = [];
    for (let i = 0; i < 4; i++) picks.push((g.pickMember() as unknown as { name: string }).name);
    assert.deepEqual(picks, ['a', 'b', 'a', 'b']);
  });

  it('prefers the member with the fewest pending; skips stalled members and failed heartbeats', () => {
    const g = new QueueGroup('q', false);
    g.members.push(member('busy', 3), member('stalled', 0, true), member('dead', 0, false, true), member('free', 1));
    assert.equal((g.pickMember() as unknown as { name: string }).name, 'free');
  });

  it('falls back to the first member when none qualifies', () => {
    const g = new QueueGroup('q', false);
    g.members.push(member('a', 1, true), member('b', 1, true));
    assert.equal((g.pickMember() as unknown as { name: string }).name, 'a');
    assert.equal(g.allStalled, true);
  });
});

describe('nuid', () => {
  it('22 characters of base 62, unique', () => {
    const n = new Nuid();
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const id = n.next();
      assert.match(id, /^[0-9A-Za-z]{22}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 10_000);
  });
});
