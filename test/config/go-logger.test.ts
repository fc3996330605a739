/** Log line format of the Go servers, switches, buffering, file output and reopen. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoggers, GoLogger, GoLogSink } from '../../src/config/go-logger.js';
import { prefixedLogger } from '../../src/util/logger.js';

// [13197] 2026/11/29 19:03:50.613279 [INF] STREAM: Starting nats-streaming-server[ticketing] version 0.25.3
const LINE = /^\[(\d+)\] (\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6}) \[(INF|WRN|ERR|FTL|DBG|TRC)\] (.*)$/;

function capture(options: ConstructorParameters<typeof GoLogSink>[0] = {}) {
  let text = '';
  const sink = new GoLogSink({ ...options, write: (t) => { text += t; } });
  return { sink, lines: () => { sink.flush(); return text.split('\n').slice(0, -1); } };
}

test('logger - the Go line shape: [pid] date time.micro [LVL] text', () => {
  const { sink, lines } = capture();
  const log = new GoLogger(sink, true, true);
  log.notice('Server is ready');
  log.warn('w');
  log.error('e');
  log.debug('d');
  log.trace('t');
  log.fatal('f');
  sink.close();
  const out = lines();
  assert.deepEqual(out.map((l) => LINE.exec(l)?.[9]), ['INF', 'WRN', 'ERR', 'DBG', 'TRC', 'FTL']);
  for (const l of out) {
    const m = LINE.exec(l)!;
    assert.equal(Number(m[1]), process.pid);
  }
  assert.equal(LINE.exec(out[0])![10], 'Server is ready');
});

test('logger - local time with microseconds, or UTC with --logtime_utc', () => {
  // 2024-01-02T03:04:05.000042Z
  const us = Date.UTC(2024, 0, 2, 3, 4, 5) * 1000 + 42;
  const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
  const p2 = (n: number) => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}/${p2(d.getMonth() + 1)}/${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.000042`;
  const a = capture({ pid: 7, nowMicros: () => us });
  new GoLogger(a.sink).notice('x');
  assert.deepEqual(a.lines(), [`[7] ${local} [INF] x`]);
  const b = capture({ pid: 7, nowMicros: () => us, utc: true });
  new GoLogger(b.sink).notice('x');
  assert.deepEqual(b.lines(), ['[7] 2024/01/02 03:04:05.000042 [INF] x']);
});

test('logger - -T=false drops the date and time', () => {
  const { sink, lines } = capture({ pid: 12, logtime: false });
  new GoLogger(sink).notice('Server is ready');
  assert.deepEqual(lines(), ['[12] [INF] Server is ready']);
});

test('logger - debug and trace only when switched on, per layer', () => {
  const text: string[] = [];
  const loggers = createLoggers(
    { debug: false, trace: true, streamDebug: true, streamTrace: false, logtime: false },
    { pid: 1, write: (t) => text.push(t) },
  );
  const stream = prefixedLogger(loggers.streaming, 'STREAM: ');
  loggers.nats.debug('nats debug');
  loggers.nats.trace('nats trace');
  stream.debug('stream debug');
  stream.trace('stream trace');
  assert.equal(stream.debugEnabled, true);
  assert.equal(stream.traceEnabled, false);
  loggers.sink.close();
  assert.equal(text.join(''), '[1] [TRC] nats trace\n[1] [DBG] STREAM: stream debug\n');
});

test('logger - lines are written together, once per turn of the event loop', async () => {
  const writes: string[] = [];
  const sink = new GoLogSink({ pid: 1, logtime: false, write: (t) => writes.push(t) });
  const log = new GoLogger(sink);
  log.notice('a');
  log.notice('b');
  assert.equal(writes.length, 0);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, ['[1] [INF] a\n[1] [INF] b\n']);
  log.fatal('c');
  assert.deepEqual(writes.slice(1), ['[1] [FTL] c\n']);
  sink.close();
});

test('logger - colors only on request (a terminal)', () => {
  const { sink, lines } = capture({ pid: 1, logtime: false, colors: true });
  new GoLogger(sink).notice('x');
  assert.deepEqual(lines(), ['[1] [\x1b[32mINF\x1b[0m] x']);
});

test('logger - -l appends to a file; reopen() starts a new one after rotation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'natstream-log-'));
  try {
    const file = join(dir, 'natstream.log');
    const sink = new GoLogSink({ pid: 3, logtime: false, file });
    const log = new GoLogger(sink);
    log.notice('one');
    sink.flush();
    renameSync(file, `${file}.1`);
    log.notice('two');
    assert.equal(sink.reopen(), true);
    log.notice('three');
    sink.close();
    assert.equal(readFileSync(`${file}.1`, 'utf8'), '[3] [INF] one\n[3] [INF] two\n');
    assert.equal(readFileSync(file, 'utf8'), '[3] [INF] three\n');
    const stderrSink = new GoLogSink({ write: () => {} });
    assert.equal(stderrSink.reopen(), false);
    stderrSink.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
