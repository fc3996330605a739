/**
 * "Acked means stored" under kill -9: a natstream child process on the file
 * store takes async publishes from a client that records every PubAck; the
 * child is killed at a random moment, restarted on the same directory, and so
 * on for several cycles. Every acknowledged message must then be in the channel
 * exactly once, in publish order. (A message the server stored but could not
 * acknowledge before dying may be there too, at most once.)
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectStan, type Stan } from '../../streaming/harness.js';
import { freePort } from '../../support/ports.js';
import { tempDir } from './helpers.js';

const CLI = fileURLToPath(new URL('../../../../bin/natstream.js', import.meta.url));
const CYCLES = 10;
const CLUSTER = 'crash-cluster';
const CHANNEL = 'crash';

/** A small deterministic PRNG: the kill moments vary per cycle but every run is the same. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

interface Child {
  proc: ChildProcess;
  url: string;
  stderr: string[];
}

async function startChild(dir: string): Promise<Child> {
  const port = await freePort();
  const proc = spawn(process.execPath, [CLI, '-st', 'FILE', '-dir', dir, '-a', '127.0.0.1', '-p', String(port), '-cid', CLUSTER],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        stderr.push(l);
        if (l.includes('Streaming Server is ready')) resolve();
      }
    };
    proc.stderr!.on('data', onData);
    proc.once('exit', (code, sig) => reject(new Error(`natstream exited (${code ?? sig}) before ready:\n${stderr.join('\n')}${buf}`)));
  });
  return { proc, url: `nats://127.0.0.1:${port}`, stderr };
}

async function kill9(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = once(c.proc, 'exit');
  c.proc.kill('SIGKILL');
  await exited;
}

/** Publishes `${cycle}-${n}` without waiting for acks (at most 2000 in flight) until stopped. */
function publishLoop(sc: Stan, cycle: number, acked: string[], published: string[]): { stop: () => void; firstAck: Promise<void> } {
  let stopped = false;
  let inFlight = 0;
  let resolveFirst!: () => void;
  const firstAck = new Promise<void>((r) => (resolveFirst = r));
  let n = 0;
  const pump = () => {
    while (!stopped && inFlight < 2000) {
      const payload = `${cycle}-${n++}`;
      published.push(payload);
      inFlight++;
      try {
        sc.publish(CHANNEL, payload, (err: unknown) => {
          inFlight--;
          if (!err) {
            acked.push(payload);
            resolveFirst();
          }
        });
      } catch {
        stopped = true; // connection gone
      }
    }
    if (!stopped) setTimeout(pump, 1);
  };
  pump();
  return { stop: () => { stopped = true; }, firstAck };
}

/** Every message of the channel, in sequence order. */
async function readAll(url: string): Promise<Array<{ seq: number; data: string }>> {
  const sc = await connectStan(url, CLUSTER, 'reader');
  try {
    const out: Array<{ seq: number; data: string }> = [];
    const sub = sc.subscribe(CHANNEL, sc.subscriptionOptions().setDeliverAllAvailable().setMaxInFlight(10_000));
    let last = 0;
    sub.on('message', (m: { getSequence(): number; getData(): string }) => {
      out.push({ seq: m.getSequence(), data: m.getData() });
    });
    // the channel's last sequence is found with a final marker publish
    const marker = await new Promise<number>((resolve, reject) => {
      sub.once('ready', () => sc.publish(CHANNEL, 'marker', (err: unknown) => (err ? reject(err) : resolve(0))));
      sub.once('error', reject);
    });
    void marker;
    const end = Date.now() + 20_000;
    while (!(out.length > 0 && out[out.length - 1].data === 'marker')) {
      if (Date.now() > end) throw new Error(`reader got ${out.length} messages, no marker`);
      await new Promise((r) => setTimeout(r, 20));
      if (out.length !== last) last = out.length;
    }
    return out.slice(0, -1);
  } finally {
    await new Promise<void>((resolve) => { sc.once('close', () => resolve()); sc.close(); });
  }
}

describe('file store: crash safety', () => {
  it(`every acknowledged message survives kill -9, exactly once and in order (${CYCLES} cycles)`, { timeout: 120_000 }, async () => {
    const { dir, cleanup } = await tempDir();
    const rand = prng(20240601);
    const acked: string[] = [];
    const published: string[] = [];
    let child: Child | null = null;
    try {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        child = await startChild(dir);
        const sc = await connectStan(child.url, CLUSTER, `pub-${cycle}`, { reconnect: false, maxPubAcksInflight: 100_000 });
        sc.on('error', () => {});
        sc.nc.on('error', () => {}); // the dying connection reports errors we expect
        // node-nats-streaming completes pending publishes *without* an error when its
        // connection closes; make that an error so only real PubAcks count as acked.
        const cleanup0 = sc.cleanupOnClose.bind(sc);
        sc.cleanupOnClose = (err?: Error) => cleanup0(err ?? new Error('connection closed'));
        const lost = new Promise<void>((resolve) => {
          sc.nc.once('disconnect', () => resolve());
          sc.nc.once('close', () => resolve());
        });
        const ackedBefore = acked.length;
        const loop = publishLoop(sc, cycle, acked, published);
        await loop.firstAck;
        await new Promise((r) => setTimeout(r, 20 + Math.floor(rand() * 250)));
        await kill9(child);
        loop.stop();
        // Let the client read what the server sent before dying (late PubAcks), then drop it.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([lost, new Promise((r) => { timer = setTimeout(r, 2000); })]);
        clearTimeout(timer);
        sc.cleanupOnClose(new Error('server killed')); // stops its ping timer, fails unacked publishes
        sc.nc.close();
        assert.ok(acked.length > ackedBefore, `cycle ${cycle} got PubAcks`);
      }

      child = await startChild(dir);
      const stored = await readAll(child.url);
      const count = new Map<string, number>();
      const seqOf = new Map<string, number>();
      for (const m of stored) {
        count.set(m.data, (count.get(m.data) ?? 0) + 1);
        seqOf.set(m.data, m.seq);
      }
      for (const [data, n] of count) assert.equal(n, 1, `message ${data} stored ${n} times`);
      const missing = acked.filter((p) => !count.has(p));
      assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged messages lost`);
      // in publish order: sequences grow along the publish order of the acked messages
      const publishIndex = new Map(published.map((p, i) => [p, i]));
      const inOrder = [...acked].sort((a, b) => publishIndex.get(a)! - publishIndex.get(b)!);
      for (let i = 1; i < inOrder.length; i++) {
        assert.ok(seqOf.get(inOrder[i])! > seqOf.get(inOrder[i - 1])!, `${inOrder[i]} after ${inOrder[i - 1]}`);
      }
      // sequences have no gaps
      stored.forEach((m, i) => assert.equal(m.seq, i + 1));
      // nothing that was never published
      for (const m of stored) assert.ok(publishIndex.has(m.data), `unexpected ${m.data}`);
    } finally {
      if (child) await kill9(child);
      await cleanup();
    }
  });
});
