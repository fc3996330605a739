/** Go value syntaxes: time.ParseDuration, strconv.ParseInt (base 0), strconv.ParseBool, sizes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatGoDuration, parseGoBool, parseGoDurationMs, parseGoDurationNs, parseGoInt,
} from '../../src/config/go-values.js';
import { parseSizeFlag } from '../../src/config/size.js';

test('durations - Go syntax', () => {
  const ok: Array<[string, bigint]> = [
    ['0', 0n], ['+0', 0n], ['-0', 0n], ['5s', 5_000_000_000n], ['1m30s', 90_000_000_000n],
    ['1h30m', 5_400_000_000_000n], ['300ms', 300_000_000n], ['1.5h', 5_400_000_000_000n],
    ['.5s', 500_000_000n], ['1.s', 1_000_000_000n], ['100ns', 100n], ['2us', 2000n],
    ['2\u00b5s', 2000n], ['2\u03bcs', 2000n], ['-1s', -1_000_000_000n], ['1h1m1s1ms1us1ns', 3_661_001_001_001n],
    ['24h', 86_400_000_000_000n], ['0s', 0n], ['0.000000001s', 1n],
  ];
  for (const [s, ns] of ok) {
    const r = parseGoDurationNs(s);
    assert.ok(r.ok, `${s}: ${r.ok ? '' : r.error}`);
    assert.equal(r.value, ns, s);
  }
});

test('durations - errors carry Go\'s texts', () => {
  const bad: Array<[string, string]> = [
    ['5', 'time: missing unit in duration "5"'],
    ['abc', 'time: invalid duration "abc"'],
    ['', 'time: invalid duration ""'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['.s', 'time: invalid duration ".s"'],
    ['1.5.5s', 'time: missing unit in duration "1.5.5s"'],
    ['9999999999h', 'time: invalid duration "9999999999h"'],
    ['s', 'time: invalid duration "s"'],
  ];
  for (const [s, msg] of bad) {
    const r = parseGoDurationNs(s);
    assert.ok(!r.ok, s);
    assert.equal(r.error, msg, s);
  }
});

test('durations - milliseconds for option objects', () => {
  const r = parseGoDurationMs('1m');
  assert.ok(r.ok);
  assert.equal(r.value, 60_000);
});

test('durations - Go\'s String() form', () => {
  const cases: Array<[bigint, string]> = [
    [0n, '0s'], [1n, '1ns'], [1500n, '1.5\u00b5s'], [300_000_000n, '300ms'], [1_000_000_000n, '1s'],
    [1_500_000_000n, '1.5s'], [60_000_000_000n, '1m0s'], [3_600_000_000_000n, '1h0m0s'],
    [3_723_500_000_000n, '1h2m3.5s'], [-5_000_000_000n, '-5s'], [86_400_000_000_000n, '24h0m0s'],
  ];
  for (const [ns, s] of cases) assert.equal(formatGoDuration(ns), s);
});

test('integers - strconv.ParseInt with base 0', () => {
  const ok: Array<[string, number]> = [
    ['0', 0], ['42', 42], ['-1', -1], ['+7', 7], ['0x1F', 31], ['0X1f', 31], ['0o17', 15], ['017', 15],
    ['0b101', 5], ['1_000', 1000], ['0x_1f', 31], ['9223372036854775807', 9223372036854775807],
  ];
  for (const [s, n] of ok) {
    const r = parseGoInt(s);
    assert.ok(r.ok, `${s}: ${r.ok ? '' : r.error}`);
    assert.equal(r.value, n, s);
  }
  const bad: Array<[string, string]> = [
    ['', 'parse error'], ['-', 'parse error'], ['08', 'parse error'], ['1e3', 'parse error'], ['0x', 'parse error'],
    ['1_', 'parse error'], ['_1', 'parse error'], ['1.5', 'parse error'], [' 1', 'parse error'],
    ['9223372036854775808', 'value out of range'], ['-9223372036854775809', 'value out of range'],
    ['99999999999999999999x', 'value out of range'],
  ];
  for (const [s, why] of bad) {
    const r = parseGoInt(s);
    assert.ok(!r.ok, s);
    assert.equal(r.error, why, s);
  }
});

test('booleans - strconv.ParseBool', () => {
  for (const s of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(parseGoBool(s), true);
  for (const s of ['0', 'f', 'F', 'false', 'FALSE', 'False']) assert.equal(parseGoBool(s), false);
  for (const s of ['yes', 'on', 'tRuE', '', '2']) assert.equal(parseGoBool(s), null);
});

test('sizes - the config format\'s integers and suffixes', () => {
  const ok: Array<[string, number]> = [
    ['0', 0], ['1024', 1024], ['1k', 1000], ['1K', 1000], ['1kb', 1024], ['1KB', 1024], ['1Ki', 1024],
    ['1KiB', 1024], ['1m', 1_000_000], ['1MB', 1_048_576], ['1mib', 1_048_576], ['1g', 1_000_000_000],
    ['1GB', 1_073_741_824], ['2t', 2e12], ['1tb', 1024 ** 4], ['1p', 1e15], ['1e', 1e18], ['-1', -1],
    ['1024000000', 1_024_000_000],
  ];
  for (const [s, n] of ok) {
    const r = parseSizeFlag('mb', s);
    assert.ok(r.ok, `${s}: ${r.ok ? '' : r.error}`);
    assert.equal(r.value, n, s);
  }
  // captured: `-mb 1XB` -> mb should be a size, got '1XB'
  const bad: Array<[string, string]> = [
    ['1XB', "mb should be a size, got '1XB'"],
    ['abc', "mb should be a size, got 'abc'"],
    ['1.5', "mb should be a size, got '1.5'"],
    ['true', "mb should be a size, got 'true'"],
    ['', "mb should be a size, got ''"],
    ['10s', "mb should be a size, got '10s'"],
  ];
  for (const [s, msg] of bad) {
    const r = parseSizeFlag('mb', s);
    assert.ok(!r.ok, s);
    assert.equal(r.error, msg, s);
  }
});
