/** The FT heartbeat as the Go server sends it: CtrlMsg with Go's binary time encoding. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  decodeFtHeartbeat, decodeGoTime, encodeFtHeartbeat, encodeGoTime, ftSubject, goTimeBefore, goTimeFromMs,
} from '../../src/streaming/ft-heartbeat.js';

describe('FT heartbeat codec', () => {
  it('encodes the Unix epoch as Go time.MarshalBinary v1 does (seconds since year 1)', () => {
    // 62135596800 = 0x0E7791F700
    assert.deepEqual([...encodeGoTime(goTimeFromMs(0))], [1, 0, 0, 0, 0x0e, 0x77, 0x91, 0xf7, 0x00, 0, 0, 0, 0, 0, 0]);
  });

  it('decodes v1 and v2 (Go 1.20+) encodings and orders times', () => {
    const v2 = new Uint8Array([2, 0, 0, 0, 0x0e, 0x77, 0x91, 0xf7, 0x01, 0, 0, 0, 5, 0xff, 0xff, 0]);
    const t = decodeGoTime(v2)!;
    assert.deepEqual(t, { sec: 0x0e7791f701n, nsec: 5 });
    assert.equal(decodeGoTime(new Uint8Array([9, 1, 2])), null);
    const a = goTimeFromMs(1_700_000_000_123);
    const b = goTimeFromMs(1_700_000_000_124);
    assert.ok(goTimeBefore(a, b) && !goTimeBefore(b, a) && !goTimeBefore(a, a));
    assert.equal(a.nsec, 123_000_000);
  });

  it('round-trips a heartbeat and ignores other control messages', () => {
    const at = goTimeFromMs(Date.now());
    assert.deepEqual(decodeFtHeartbeat(encodeFtHeartbeat('srv1', at)), { serverId: 'srv1', activation: at });
    assert.equal(decodeFtHeartbeat(new Uint8Array([0x08, 0x02])), null, 'a ConnClose CtrlMsg');
    assert.equal(decodeFtHeartbeat(new Uint8Array([0xff, 0xff])), null, 'garbage');
    assert.equal(ftSubject('c1', 'g'), '_STAN.ft.c1.g');
  });
});
