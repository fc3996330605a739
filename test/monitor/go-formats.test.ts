/** The Go encodings the monitoring bodies depend on: JSON layout, times, durations, query decoding. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { goJsonCompact, goJsonIndent } from '../../src/monitor/go-json.js';
import { formatGoTime, goDurationNs, goUptime } from '../../src/monitor/go-time.js';
import { BadQuery, Query, decodeBool, decodeInt, decodeUint64, streamingOffsetLimit, streamingSubsOption } from '../../src/monitor/query.js';
import { MonitorText } from '../../src/monitor/errors.js';
import { fixtureText } from './support.js';

describe('Go JSON encoding', () => {
  test('re-encoding every captured document reproduces it byte for byte', () => {
    for (const name of [
      'varz.json', 'connz.json', 'connz_subs1.json', 'subsz.json', 'subsz_subs1.json', 'routez.json',
      'streaming_serverz.json', 'streaming_storez.json', 'streaming_clientsz.json', 'streaming_clientsz_subs1.json',
      'streaming_clientsz_client_orders-1_subs1.json', 'streaming_channelsz.json', 'streaming_channelsz_subs1.json',
      'streaming_channelsz_channel_ticket-created.json', 'streaming_channelsz_channel_ticket-created_subs1.json',
    ]) {
      const text = fixtureText(name);
      assert.equal(goJsonIndent(JSON.parse(text)), text, name);
    }
    assert.equal(goJsonCompact(JSON.parse(fixtureText('healthz.json'))), fixtureText('healthz.json'));
  });

  test('HTML characters, U+2028/9 and control characters are escaped as Go does', () => {
    assert.equal(goJsonCompact('_STAN.pub.x.> <a&b>'), '"_STAN.pub.x.\\u003e \\u003ca\\u0026b\\u003e"');
    assert.equal(goJsonCompact('\u2028\u2029'), '"\\u2028\\u2029"');
    assert.equal(goJsonCompact('a\nb\tc\rd\b\f\u0001"\\'), '"a\\nb\\tc\\rd\\u0008\\u000c\\u0001\\"\\\\"');
    assert.equal(goJsonCompact('µs 😀'), '"µs 😀"');
    assert.equal(goJsonCompact('\ud800x'), '"\ufffdx"');
  });

  test('layout: empty containers, undefined members skipped, maps sorted by key bytes', () => {
    assert.equal(goJsonIndent({ a: [], b: {}, c: undefined, d: null }), '{\n  "a": [],\n  "b": {},\n  "d": null\n}');
    assert.equal(goJsonCompact(new Map([['b', 1], ['10', 2], ['9', 3], ['A', 4]])), '{"10":2,"9":3,"A":4,"b":1}');
    assert.equal(goJsonIndent([1, [2]]), '[\n  1,\n  [\n    2\n  ]\n]');
  });

  test('floats print as Go prints float64', () => {
    assert.equal(goJsonCompact([1, 0.5, 0.14705882352941177, 1e21, 1e-7, 0]), '[1,0.5,0.14705882352941177,1e+21,1e-7,0]');
  });
});

describe('Go time formats', () => {
  test('RFC 3339 in UTC with trailing zeros of the fraction dropped', () => {
    const t = Date.UTC(2026, 10, 29, 18, 54, 46, 657);
    assert.equal(formatGoTime(t), '2026-11-29T18:54:46.657Z');
    assert.equal(formatGoTime(t + 0.395224), '2026-11-29T18:54:46.657395Z');
    assert.equal(formatGoTime(Date.UTC(2026, 0, 2, 3, 4, 5)), '2026-01-02T03:04:05Z');
    assert.equal(formatGoTime(Date.UTC(2026, 0, 2, 3, 4, 5, 100)), '2026-01-02T03:04:05.1Z');
  });

  test('local time carries the zone offset, Z in UTC', () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'America/New_York';
      assert.equal(formatGoTime(Date.UTC(2026, 10, 29, 18, 54, 46, 5), true), '2026-11-29T13:54:46.005-05:00');
      process.env.TZ = 'Asia/Kolkata';
      assert.equal(formatGoTime(Date.UTC(2026, 10, 29, 18, 54, 46), true), '2026-11-30T00:24:46+05:30');
      process.env.TZ = 'UTC';
      assert.equal(formatGoTime(Date.UTC(2026, 10, 29, 18, 54, 46), true), '2026-11-29T18:54:46Z');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  test('uptime in the servers\' compact form', () => {
    assert.equal(goUptime(0), '0s');
    assert.equal(goUptime(1999), '1s');
    assert.equal(goUptime(300_000), '5m0s');
    assert.equal(goUptime((3 * 3600 + 4 * 60 + 5) * 1000), '3h4m5s');
    assert.equal(goUptime(((2 * 24 + 3) * 3600 + 4 * 60 + 5) * 1000), '2d3h4m5s');
    assert.equal(goUptime(((367 * 24 + 3) * 3600 + 4 * 60 + 5) * 1000), '1y2d3h4m5s');
  });

  test('time.Duration.String for rtt', () => {
    assert.equal(goDurationNs(0), '0s');
    assert.equal(goDurationNs(999), '999ns');
    assert.equal(goDurationNs(613_000), '613µs');
    assert.equal(goDurationNs(1_859_484), '1.859484ms');
    assert.equal(goDurationNs(2_000_000), '2ms');
    assert.equal(goDurationNs(1_500_000_000), '1.5s');
    assert.equal(goDurationNs(60_000_000_000), '1m0s');
    assert.equal(goDurationNs(3_723_000_000_000), '1h2m3s');
    assert.equal(goDurationNs(-1_500_000), '-1.5ms');
  });
});

describe('query decoding', () => {
  const bad = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof BadQuery);
      return err.text;
    }
    assert.fail('no error');
  };

  test('the captured 400 texts', () => {
    const misc = fixtureText('http-misc.txt');
    const text = bad(() => decodeInt(new Query('limit=abc'), 'limit'));
    assert.equal(text, 'Error decoding int for \'limit\': strconv.Atoi: parsing "abc": invalid syntax');
    assert.ok(misc.includes(text));
  });

  test('ints, uint64s and bools take Go strconv syntax', () => {
    assert.equal(decodeInt(new Query('offset=-3'), 'offset'), -3);
    assert.equal(decodeInt(new Query('offset=%2B3'), 'offset'), 3);
    assert.equal(decodeInt(new Query(''), 'offset'), 0);
    assert.equal(bad(() => decodeInt(new Query('limit=99999999999999999999'), 'limit')), MonitorText.decodeInt('limit', '99999999999999999999', true));
    assert.equal(bad(() => decodeInt(new Query('limit=1.5'), 'limit')), MonitorText.decodeInt('limit', '1.5', false));
    assert.equal(decodeUint64(new Query('cid=8'), 'cid'), 8);
    assert.equal(bad(() => decodeUint64(new Query('cid=-1'), 'cid')), 'Error decoding uint64 for \'cid\': strconv.ParseUint: parsing "-1": invalid syntax');
    for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(decodeBool(new Query(`subs=${t}`), 'subs'), true);
    for (const f of ['0', 'f', 'false', 'FALSE']) assert.equal(decodeBool(new Query(`subs=${f}`), 'subs'), false);
    assert.equal(bad(() => decodeBool(new Query('subs=yes'), 'subs')), 'Error decoding boolean for \'subs\': strconv.ParseBool: parsing "yes": invalid syntax');
  });

  test('url.ParseQuery rules: first value wins, + is a space, bad escapes and ; drop the pair', () => {
    const q = new Query('a=1&a=2&b=x+y%21&c=%zz&d=1;2&e&channel=ticket:created');
    assert.equal(q.get('a'), '1');
    assert.equal(q.get('b'), 'x y!');
    assert.equal(q.get('c'), '');
    assert.equal(q.get('d'), '');
    assert.equal(q.get('e'), '');
    assert.equal(q.get('channel'), 'ticket:created');
    assert.equal(new Query('channel=caf%C3%A9').get('channel'), 'café');
  });

  test('streaming endpoints fall back to defaults silently; subs is on only for the integer 1', () => {
    assert.deepEqual(streamingOffsetLimit(new Query('limit=abc')), { offset: 0, limit: 1024 });
    assert.deepEqual(streamingOffsetLimit(new Query('offset=-5')), { offset: 0, limit: 1024 });
    assert.deepEqual(streamingOffsetLimit(new Query('offset=1&limit=1')), { offset: 1, limit: 1 });
    assert.deepEqual(streamingOffsetLimit(new Query('limit=0')), { offset: 0, limit: 1024 });
    assert.equal(streamingSubsOption(new Query('subs=1')), true);
    assert.equal(streamingSubsOption(new Query('subs=%2B1')), true);
    assert.equal(streamingSubsOption(new Query('subs=true')), false);
    assert.equal(streamingSubsOption(new Query('subs=abc')), false);
  });
});
