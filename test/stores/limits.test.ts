/** Store limits: validation texts, per-channel resolution, the banner block. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_STORE_LIMITS, friendlyBytes, goDuration, printLimits, resolveChannelLimits, validateLimits,
} from '../../src/stores/limits.js';
import type { StoreLimits } from '../../src/stores/store.js';

const L = (over: Partial<StoreLimits>): StoreLimits => ({ ...DEFAULT_STORE_LIMITS, ...over });

describe('store limits', () => {
  it('defaults are the Go server\'s', () => {
    assert.deepEqual({ ...DEFAULT_STORE_LIMITS }, {
      maxChannels: 100, maxSubscriptions: 1000, maxMsgs: 1_000_000, maxBytes: 1_024_000_000, maxAge: 0, maxInactivity: 0,
    });
  });

  it('negative values and bad per-channel keys are refused with the Go texts', () => {
    assert.throws(() => validateLimits(L({ maxChannels: -1 })), { message: 'max channels limit cannot be negative (-1)' });
    assert.throws(() => validateLimits(L({ maxSubscriptions: -1 })), { message: 'max subscriptions limit cannot be negative (-1)' });
    assert.throws(() => validateLimits(L({ maxBytes: -3 })), { message: 'max bytes limit cannot be negative (-3)' });
    assert.throws(() => validateLimits(L({ maxAge: -1 })), { message: 'max age limit cannot be negative (-1)' });
    assert.throws(() => validateLimits(L({ perChannel: { 'foo..bar': {} } })), { message: 'invalid channel name "foo..bar"' });
    assert.throws(() => validateLimits(L({ maxChannels: 1, perChannel: { a: {}, b: {} } })),
      { message: 'too many channels defined (2). The max channels limit is set to 1' });
    validateLimits(L({ maxChannels: 1, perChannel: { a: {}, 'b.*': {}, '>': {} } }));
  });

  it('per-channel limits inherit from wider keys and the globals; negative means unlimited', () => {
    const limits = L({
      maxMsgs: 100, perChannel: { '>': { maxBytes: 1000 }, 'foo.*': { maxMsgs: 10 }, 'foo.bar': { maxMsgs: -1, maxAge: 5000 } },
    });
    const base = { maxSubscriptions: 1000, maxMsgs: 100, maxBytes: 1_024_000_000, maxAge: 0, maxInactivity: 0 };
    assert.deepEqual(resolveChannelLimits(limits, 'foo.bar'), { ...base, maxMsgs: 0, maxBytes: 1000, maxAge: 5000 });
    assert.deepEqual(resolveChannelLimits(limits, 'foo.baz'), { ...base, maxMsgs: 10, maxBytes: 1000 });
    assert.deepEqual(resolveChannelLimits(limits, 'other'), { ...base, maxBytes: 1000 });
    assert.deepEqual(resolveChannelLimits(L({ maxMsgs: 100 }), 'x'), base);
  });

  it('sizes and durations print like Go', () => {
    assert.equal(friendlyBytes(135), '135 B');
    assert.equal(friendlyBytes(1_024_000_000), '976.56 MB');
    assert.equal(friendlyBytes(2048), '2.00 KB');
    assert.equal(goDuration(3_600_000), '1h0m0s');
    assert.equal(goDuration(90_000), '1m30s');
    assert.equal(goDuration(1500), '1.5s');
    assert.equal(goDuration(250), '250ms');
  });

  it('the banner block with per-channel limits', () => {
    const lines = printLimits(L({ perChannel: { 'foo.*': { maxMsgs: 10 }, 'foo.bar': { maxBytes: 2048 } } }));
    assert.equal(lines[0], '---------- Store Limits ----------');
    assert.equal(lines[1], 'Channels:                  100 *');
    assert.ok(lines.includes('foo.*'));
    assert.ok(lines.some((l) => /^ foo\.bar$/.test(l)), 'nested key indented');
    assert.ok(lines.some((l) => l.includes('|-> Messages') && l.endsWith('10')));
    assert.ok(lines.some((l) => l.includes('|-> Bytes') && l.endsWith('2.00 KB')));
    assert.match(lines.find((l) => l.includes('List of Channels'))!, /^-+ List of Channels -+$/);
  });
});
