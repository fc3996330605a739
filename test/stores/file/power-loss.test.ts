/**
 * Power loss (the LazyFS method of Jepsen's NATS analysis): a seeded random
 * workload runs on the file store with its I/O through a recording layer
 * (power-loss-fs.ts); then, at many random points of that run, the directory is
 * rebuilt as a power loss there could leave it (un-fsynced writes dropped, torn,
 * reordered or zero-filled) and a fresh store recovers it. At every point:
 *   - recovery succeeds (a torn tail is never fatal);
 *   - every message whose flush() resolved before the point is there, intact;
 *   - every subscription whose createSub resolved before the point is there, and
 *     every client whose addClient resolved (unless its deleteClient had begun);
 *     no client whose deleteClient resolved comes back;
 *   - no subscription position (lastSent, pending) is past the last stored message.
 *
 * Recovery runs with -file_truncate_bad_eof, the Go server's answer to an
 * incomplete last record (without it a torn tail stops the start-up, as in Go:
 * recovery.test.ts checks that).
 *
 * Bounded in `npm test` (4 × 250 points, a few seconds on tmpfs);
 * NATSTREAM_POWER_LOSS_POINTS raises the number of crash points per case,
 * NATSTREAM_POWER_LOSS_SEED picks other seeds.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { makeMsg } from '../../../src/protocol/stan-msg.js';
import { FileStore, type FileStoreOptions } from '../../../src/stores/file/index.js';
import { setFileIO } from '../../../src/stores/file/io.js';
import type { ChannelStore, ServerInfo } from '../../../src/stores/store.js';
import { capturingLogger } from './helpers.js';
import { CrashModel, IN_ORDER_FATES, REORDERING_FATES, RecordingIO, type Fate } from './power-loss-fs.js';
import { prng } from '../../support/prng.js';

const POINTS = Number(process.env.NATSTREAM_POWER_LOSS_POINTS ?? 250);
const BASE_SEED = Number(process.env.NATSTREAM_POWER_LOSS_SEED ?? 20261204);
const STEPS = 250;

const info: ServerInfo = {
  clusterId: 'c', discovery: 'd', publish: 'p', subscribe: 's', unsubscribe: 'u', close: 'x', subClose: 'sc', acksSubs: 'a', nodeId: '',
};
const T0 = 1_700_000_000_000_000_000n;

interface Acked { channel: string; seq: number; data: string; at: number }
interface SubModel { id: number; lastSent: number; pending: number[] }
interface ChannelModel { name: string; cs: ChannelStore; seq: number; acked: number; subs: SubModel[] }

/** What the workload was told is durable, each with the log length when it was told. */
interface Outcome {
  acked: Acked[];
  subs: Array<{ channel: string; id: number; at: number }>;
  /** Log lengths: when addClient resolved, when deleteClient was called and when it resolved. */
  clients: Map<string, { added: number; deleteCalled?: number; deleted?: number }>;
  opts: Partial<FileStoreOptions>;
}

async function runWorkload(dir: string, rec: RecordingIO, seed: number, opts: Partial<FileStoreOptions>): Promise<Outcome> {
  const rand = prng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rand() * a.length)];
  const out: Outcome = { acked: [], subs: [], clients: new Map(), opts };
  setFileIO(rec.io);
  try {
    const store = await FileStore.open({ ...opts, dir }, capturingLogger());
    await store.init(info);
    const channels: ChannelModel[] = [];
    const inflight: Promise<void>[] = [];
    let clients = 0;
    const live: string[] = [];
    for (let step = 0; step < STEPS; step++) {
      const r = rand();
      if (channels.length === 0 || (r < 0.03 && channels.length < 3)) {
        const name = `ch${channels.length}`;
        channels.push({ name, cs: await store.createChannel(name), seq: 0, acked: 0, subs: [] });
        continue;
      }
      const ch = pick(channels);
      if (r < 0.55) {
        const n = 1 + Math.floor(rand() * 4);
        for (let i = 0; i < n; i++) {
          const seq = ++ch.seq;
          const data = `${ch.name}:${seq}:${'x'.repeat(Math.floor(rand() * 700))}`;
          ch.cs.msgs.store(makeMsg(seq, ch.name, '', Buffer.from(data), T0 + BigInt(seq)));
          inflight.push(ch.cs.msgs.flush().then(() => {
            out.acked.push({ channel: ch.name, seq, data, at: rec.log.length });
            ch.acked = Math.max(ch.acked, seq);
          }));
        }
      } else if (r < 0.62) {
        const sub = {
          id: 0, clientId: `c${step}`, qGroup: '', inbox: `_INBOX.${step}`, ackInbox: `_ACK.${step}`, maxInFlight: 1024,
          ackWaitInSecs: 30, durableName: rand() < 0.5 ? `dur${step}` : '', lastSent: 0, isDurable: false, isClosed: false,
        };
        await ch.cs.subs.createSub(sub);
        out.subs.push({ channel: ch.name, id: sub.id, at: rec.log.length });
        ch.subs.push({ id: sub.id, lastSent: 0, pending: [] });
      } else if (r < 0.85 && ch.subs.length > 0) {
        // deliver only what was acknowledged as stored, as the server does
        const s = pick(ch.subs);
        for (let i = 0; i < 3 && s.lastSent < ch.acked; i++) {
          s.lastSent++;
          ch.cs.subs.addSeqPending(s.id, s.lastSent);
          s.pending.push(s.lastSent);
        }
        inflight.push(ch.cs.subs.flush());
      } else if (r < 0.95 && ch.subs.length > 0) {
        const s = pick(ch.subs);
        for (const seq of s.pending.splice(0, 1 + Math.floor(rand() * 3))) ch.cs.subs.ackSeqPending(s.id, seq);
        inflight.push(ch.cs.subs.flush());
      } else if (rand() < 0.6 || clients === 0) {
        clients++;
        const id = `cl${clients}-${step}`;
        await store.addClient({ id, hbInbox: `_HB.${clients}`, connId: Buffer.from(`conn${id}`), protocol: 1, pingInterval: 5, pingMaxOut: 3 });
        out.clients.set(id, { added: rec.log.length });
        live.push(id);
      } else {
        const id = live.splice(Math.floor(rand() * live.length), 1)[0];
        const c = out.clients.get(id)!;
        c.deleteCalled = rec.log.length;
        await store.deleteClient(id);
        c.deleted = rec.log.length;
        clients--;
      }
      // let the commit loops run now and then, so rounds interleave with new appends
      if (rand() < 0.3) await new Promise((res) => setImmediate(res));
      if (inflight.length > 40) await Promise.all(inflight.splice(0));
    }
    await Promise.all(inflight);
    await store.close();
  } finally {
    setFileIO(null);
  }
  return out;
}

async function checkPoint(model: CrashModel, point: number, out: Outcome, rand: () => number, scratch: string, truncateBadEof: boolean): Promise<string | null> {
  const img = fs.mkdtempSync(path.join(scratch, 'img-'));
  model.advance(point);
  const fates = model.materialize(img, rand);
  const logger = capturingLogger();
  const why = (s: string) => `crash point ${point}: ${s}\n  fates: ${JSON.stringify([...fates])}\n  log: ${logger.lines.slice(-8).join('\n       ')}`;
  let store: FileStore | null = null;
  try {
    store = await FileStore.open({ ...out.opts, truncateBadEof, dir: img }, logger);
    let state;
    try {
      state = await store.recover();
    } catch (e) {
      return why(`recovery failed: ${(e as Error).message}`);
    }
    const due = out.acked.filter((a) => a.at <= point);
    if (state === null) {
      const anyClient = [...out.clients.values()].some((c) => c.added <= point);
      return due.length > 0 || anyClient ? why(`nothing recovered, ${due.length} acked messages lost`) : null;
    }
    const stored = new Map<string, Map<number, string>>();
    for (const [name, ch] of state.channels) {
      const all = await ch.channel.msgs.lookupRange(1, ch.channel.msgs.lastSequence(), Number.MAX_SAFE_INTEGER);
      stored.set(name, new Map(all.map((m) => [m.sequence, Buffer.from(m.data).toString()])));
    }
    for (const a of due) {
      const ch = stored.get(a.channel);
      if (!ch) return why(`channel ${a.channel} lost with acked message ${a.seq}`);
      const data = ch.get(a.seq);
      if (data === undefined) return why(`acked message ${a.channel}#${a.seq} lost`);
      if (data !== a.data) return why(`acked message ${a.channel}#${a.seq} altered`);
    }
    for (const s of out.subs) {
      if (s.at > point) continue;
      const ch = state.channels.get(s.channel);
      if (!ch?.subscriptions.some((r) => r.sub.id === s.id)) return why(`subscription ${s.channel}/${s.id} lost`);
    }
    const recovered = new Set(state.clients.map((c) => c.id));
    for (const [id, c] of out.clients) {
      const mustBe = c.added <= point && (c.deleteCalled === undefined || c.deleteCalled > point);
      const mustNot = c.deleted !== undefined && c.deleted <= point;
      if (mustBe && !recovered.has(id)) return why(`client ${id} lost`);
      if (mustNot && recovered.has(id)) return why(`deleted client ${id} came back`);
    }
    for (const [name, ch] of state.channels) {
      const last = ch.channel.msgs.lastSequence();
      for (const r of ch.subscriptions) {
        if (r.sub.lastSent > last) return why(`${name} sub ${r.sub.id} lastSent ${r.sub.lastSent} > last stored ${last}`);
        for (const p of r.pending) if (p > last) return why(`${name} sub ${r.sub.id} pending ${p} > last stored ${last}`);
      }
    }
    return null;
  } finally {
    await store?.close().catch(() => {});
    fs.rmSync(img, { recursive: true, force: true });
  }
}

const WORKLOADS: Array<{ name: string; opts: Partial<FileStoreOptions> }> = [
  { name: 'defaults', opts: {} },
  { name: 'small slices, tiny buffers, eager compaction', opts: { sliceMaxMsgs: 7, bufferSize: 256, compactInterval: 0.001, compactMinFileSize: 0, compactFragmentation: 5 } },
];

async function crashTest(w: { opts: Partial<FileStoreOptions> }, seed: number, fates: readonly Fate[], truncateBadEof = true): Promise<void> {
  // The layer models durability itself: a RAM-backed directory (no real fsync cost) keeps the test fast.
  const ram = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(ram, 'natstream-powerloss-'));
  const cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const rec = new RecordingIO(path.join(dir, 'store'));
    const out = await runWorkload(path.join(dir, 'store'), rec, seed, w.opts);
    assert.ok(out.acked.length > 100, `workload acked ${out.acked.length} messages`);
    const rand = prng(seed * 7 + 1);
    const points = Array.from({ length: POINTS }, () => Math.floor(rand() * (rec.log.length + 1))).sort((a, b) => a - b);
    const model = new CrashModel(rec.log, fates);
    const failures: string[] = [];
    for (const p of points) {
      const f = await checkPoint(model, p, out, rand, dir, truncateBadEof);
      if (f) failures.push(f);
      if (failures.length >= 5) break;
    }
    assert.deepEqual(failures, [], `seed ${seed}, ${rec.log.length} logged ops:\n${failures.join('\n')}`);
  } finally {
    await cleanup();
  }
}

describe('file store: power loss at random points', () => {
  for (const [i, w] of WORKLOADS.entries()) {
    it(`${w.name}; writes lost, torn or zero-filled in order: ${POINTS} crash points, 0 acked lost, recovery never fails, positions never ahead`, async () => {
      await crashTest(w, BASE_SEED + i, IN_ORDER_FATES);
    });
  }
  for (const [i, w] of WORKLOADS.entries()) {
    // A torn sector can leave a whole-looking record with a bad CRC in the un-synced
    // tail: -file_truncate_bad_eof cuts there too (bad-record.ts says why that is safe).
    it(`${w.name}; writes reordered or torn at sector grain: ${POINTS} crash points, same invariants`, async () => {
      await crashTest(w, BASE_SEED + 100 + i, REORDERING_FATES);
    });
  }
});
