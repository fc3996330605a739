import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sublist } from '../../src/nats/sublist.js';
import type { Subscription } from '../../src/nats/subscription.js';
import { isValidLiteralSubject, isValidSubject } from '../../src/protocol/subject.js';

function sub(subject: string, sid: string, queue = ''): Subscription {
  return { subject, queue, sid, conn: null, handler: null, max: 0, delivered: 0, closed: false };
}
const sids = (l: Sublist, subject: string) => l.match(subject).psubs.map((s) => s.sid);

test('sublist - literal, * and > matching', () => {
  const l = new Sublist();
  for (const [s, id] of [['foo.bar', '1'], ['foo.*', '2'], ['foo.>', '3'], ['>', '4'], ['*.bar', '5'], ['foo', '6']] as const) {
    l.insert(sub(s, id));
  }
  // The order nats-server delivers in (captured case D89).
  assert.deepEqual(sids(l, 'foo.bar'), ['4', '5', '3', '1', '2']);
  assert.deepEqual(sids(l, 'foo'), ['4', '6']);
  assert.deepEqual(sids(l, 'foo.bar.baz'), ['4', '3']);
  assert.deepEqual(sids(l, 'x.bar'), ['4', '5']);
  assert.deepEqual(sids(l, 'nope.nope.nope'), ['4']);
});

test('sublist - wildcard tokens published literally match as ordinary tokens', () => {
  const l = new Sublist();
  l.insert(sub('foo.*', '1'));
  l.insert(sub('foo.x', '2'));
  l.insert(sub('foo.>', '3'));
  assert.deepEqual(sids(l, 'foo.*'), ['3', '1']);
});

test('sublist - queue groups come back one array per group', () => {
  const l = new Sublist();
  l.insert(sub('foo', 'a', 'q1'));
  l.insert(sub('foo', 'b', 'q1'));
  l.insert(sub('foo.*', 'c', 'q1'));
  l.insert(sub('foo', 'd', 'q2'));
  l.insert(sub('foo', 'p'));
  const r = l.match('foo');
  assert.deepEqual(r.psubs.map((s) => s.sid), ['p']);
  assert.deepEqual(r.qsubs.map((g) => g.map((s) => s.sid)).sort(), [['a', 'b'], ['d']]);
});

test('sublist - removal prunes, the cache is invalidated on change, results stay stable', () => {
  const l = new Sublist();
  const a = sub('a.b.c', '1');
  l.insert(a);
  const before = l.match('a.b.c');
  assert.equal(l.match('a.b.c'), before, 'second match comes from the cache');
  assert.equal(l.cacheHits, 1);
  assert.equal(l.remove(a), true);
  assert.equal(l.remove(a), false);
  assert.deepEqual(before.psubs.map((s) => s.sid), ['1'], 'an earlier result is not mutated');
  assert.deepEqual(sids(l, 'a.b.c'), []);
  assert.equal(l.size, 0);
  assert.deepEqual(l.all(), []);
});

test('sublist - the cache is bounded', () => {
  const l = new Sublist(16);
  l.insert(sub('>', '1'));
  for (let i = 0; i < 100; i++) l.match(`s.${i}`);
  assert.ok(l.cacheEntries <= 16);
});

test('subject validation', () => {
  for (const s of ['foo', 'foo.bar', 'foo.*', 'foo.>', '>', '*', 'foo*', 'a>b']) assert.ok(isValidSubject(s), s);
  for (const s of ['', 'foo..bar', '.foo', 'foo.', 'foo.>.bar', 'a b']) assert.ok(!isValidSubject(s), s);
  assert.ok(isValidLiteralSubject('foo>'));
  assert.ok(!isValidLiteralSubject('foo.*'));
  assert.ok(!isValidLiteralSubject('foo.>'));
});
