/**
 * `natstream bench`: stan-bench's flags and summary lines against natstream
 * in-process (small -n), the subcommand through bin/natstream.js, and the
 * report formatting of the nats.go bench package.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it, test } from 'node:test';

import { startServer, type RunningServer } from '../../src/index.js';
import { parseBenchArgs, runBench, type BenchOptions } from '../../src/cli/bench.js';
import { commaFormat, humanBytes, msgsPerClient, report, sample } from '../../src/cli/bench-report.js';
import { freePort } from '../support/ports.js';

const BIN = fileURLToPath(new URL('../../../bin/natstream.js', import.meta.url));

function options(argv: string[]): BenchOptions {
  const o = parseBenchArgs(argv);
  assert.ok(!('error' in o), JSON.stringify(o));
  return o as BenchOptions;
}

describe('natstream bench against natstream', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1', clusterId: 'bench-cluster' });
  });
  after(async () => { await server.close(); });

  it('publishers and subscribers: the stan-bench lines, per-client lines, latency', async () => {
    const o = options(['-s', server.natsUrl, '-c', 'bench-cluster', '-np', '2', '-ns', '2', '-n', '400', '-ms', '64', 'bench.a']);
    let out = '';
    let err = '';
    const r = await runBench(o, { out: (t) => { out += t; }, err: (t) => { err += t; }, tty: false });
    assert.equal(err, 'Starting benchmark [msgs=400, msgsize=64, pubs=2, subs=2]\n');
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0], /^NATS Streaming Pub\/Sub stats: [\d,]+ msgs\/sec ~ [\d.]+ [KMG]?B\/sec$/);
    assert.match(lines[1], /^ Pub stats: [\d,]+ msgs\/sec ~ /);
    assert.match(lines[2], /^ {2}\[1\] [\d,]+ msgs\/sec ~ .* \(200 msgs\)$/);
    assert.match(lines[3], /^ {2}\[2\] .* \(200 msgs\)$/);
    assert.match(lines[4], /^ {2}min [\d,]+ \| avg [\d,]+ \| max [\d,]+ \| stddev [\d,]+ msgs$/);
    assert.match(lines[5], /^ Sub stats: /);
    assert.match(lines[6], /^ {2}\[1\] .* \(400 msgs\)$/);
    assert.match(lines[9], /^Latency \(publish to delivery\): p50 [\d.]+ (us|ms) \| p99 [\d.]+ (us|ms) \| max .* \(800 msgs\)$/);
    assert.deepEqual(r.subs.map((s) => s.jobMsgs), [400, 400]);
    assert.equal(r.latencies.length, 800);
    assert.ok(r.latencies.every((v) => v >= 0 && v < 60_000));
    assert.equal(server.streaming!.channels.get('bench.a')!.msgs, 400);
  });

  it('-qgroup: the group gets every message once; -sync; -io skips what was there', async () => {
    const o = options(['-s', server.natsUrl, '-c', 'bench-cluster', '-np', '1', '-ns', '2', '-qgroup', 'g', '-sync', '-io', '-n', '100', 'bench.a']);
    const r = await runBench(o, { out: () => {}, err: () => {}, tty: false });
    assert.equal(r.subs.reduce((n, s) => n + s.jobMsgs, 0), 100);
    assert.equal(server.streaming!.channels.get('bench.a')!.msgs, 500);
  });

  it('through bin/natstream.js: exit 0 and the summary on stdout', async () => {
    const child = spawn(process.execPath, [BIN, 'bench', '-s', server.natsUrl, '-c', 'bench-cluster', '-np', '1', '-n', '50', 'bench.cli'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.match(out, /^Pub stats: [\d,]+ msgs\/sec ~ /);
  });

  it('a wrong cluster ID is reported, not hung on', async () => {
    const o = options(['-s', server.natsUrl, '-c', 'nobody', '-np', '1', '-n', '1', 'x']);
    await assert.rejects(runBench(o, { out: () => {}, err: () => {}, tty: false }), /cluster ID "nobody"/);
  });
});

const NATS_SERVER = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim();

describe('natstream bench through a real nats-server (natstream on it with -ns), with -u/-pw', {
  skip: NATS_SERVER ? false : 'nats-server is not installed (.ci/run installs it)',
}, () => {
  let natsd: ChildProcess;
  let server: RunningServer;
  let url = '';
  before(async () => {
    const port = await freePort();
    natsd = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '--user', 'bench', '--pass', 'pw'], { stdio: 'ignore' });
    url = `nats://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
        s.on('error', () => resolve(false));
      });
      if (up) break;
      if (i > 200) throw new Error('nats-server did not start');
      await new Promise((r) => setTimeout(r, 25));
    }
    server = await startServer({ clusterId: 'bench-ext', connection: { natsServerUrl: url, user: 'bench', pass: 'pw' } });
  });
  after(async () => {
    await server?.close();
    natsd?.kill();
  });

  it('publishes and receives every message', async () => {
    const o = options(['-s', url, '-c', 'bench-ext', '-u', 'bench', '-pw', 'pw', '-np', '1', '-ns', '1', '-n', '300', 'ext']);
    let out = '';
    const r = await runBench(o, { out: (t) => { out += t; }, err: () => {}, tty: false });
    assert.deepEqual(r.subs.map((s) => s.jobMsgs), [300]);
    assert.match(out, /^NATS Streaming Pub\/Sub stats: /);
  });
});

test('flags: stan-bench names and defaults; the subject is required', () => {
  const o = options(['x']);
  assert.deepEqual([o.numPubs, o.numSubs, o.numMsgs, o.msgSize, o.maxPubAcksInFlight, o.clusterId, o.clientId, o.servers],
    [10, 0, 100_000, 128, 512, 'test-cluster', 'benchmark', ['nats://127.0.0.1:4222']]);
  const p = options(['--np=3', '-ns', '4', '-cluster', 'c', '-s', 'nats://a:1,nats://b:2', '-io', '-sync', 'subj']);
  assert.deepEqual([p.numPubs, p.numSubs, p.clusterId, p.servers, p.ignoreOld, p.sync, p.subject],
    [3, 4, 'c', ['nats://a:1', 'nats://b:2'], true, true, 'subj']);
  assert.match((parseBenchArgs([]) as { error: string }).error, /^Usage: natstream bench /);
  assert.match((parseBenchArgs(['-np', 'x', 's']) as { error: string }).error, /invalid value "x" for flag -np/);
});

test('report text: the nats.go bench formats', () => {
  assert.equal(commaFormat(1234567), '1,234,567');
  assert.equal(commaFormat(999), '999');
  assert.equal(humanBytes(512), '512.00 B');
  assert.equal(humanBytes(1536 * 1024), '1.50 MB');
  assert.deepEqual(msgsPerClient(10, 3), [4, 3, 3]);
  const text = report('NATS Streaming', [sample(1000, 128, 0, 1000)], []);
  assert.equal(text, 'Pub stats: 1,000 msgs/sec ~ 125.00 KB/sec\n');
  assert.equal(report('NATS Streaming', [], []), 'No publisher or subscribers. Nothing to report.');
});

test('progress bar: drawn on a terminal only, ends at 100 % and a newline', async () => {
  const { Progress } = await import('../../src/cli/progress.js');
  let drawn = '';
  const p = new Progress((t) => { drawn += t; }, 10);
  p.add(10);
  p.done();
  assert.match(drawn, /\r\[=+\] 100% 10\/10 msgs, \d+ msgs\/s \n$/);
  const silent = new Progress(null, 10);
  silent.add(3);
  silent.done();
});
