/**
 * Every file kind of the file store (msgs, idx, subs, clients, server) truncated,
 * bit-flipped and zeroed in its middle (issue 15 item 4). For each case:
 * either natstream starts (reporting what it cut or skips), or it refuses with the
 * file named (as the Go server does) and `natstream fsck` lists the damage with its
 * offset; after `fsck --repair` it starts. Then a subscriber from the start gets every intact
 * message before the damage, in order, and never stalls; damage met while
 * reading is listed by /streaming/storez.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { runFsck, FsckExit } from '../../../src/fsck/main.js';
import { startServer, type RunningServer } from '../../../src/index.js';
import { makeMsg } from '../../../src/protocol/stan-msg.js';
import { FileStore } from '../../../src/stores/file/index.js';
import type { ServerInfo, SubState } from '../../../src/stores/store.js';
import { silentLogger } from '../../../src/util/logger.js';
import { Inbox, captureLogger, closeStan, connectStan, type Stan } from '../../streaming/harness.js';
import { parseRecordFile, tempDir } from './helpers.js';

const CLUSTER = 'matrix';
const N = 40;
const info: ServerInfo = {
  clusterId: CLUSTER, discovery: `_STAN.discover.${CLUSTER}`, publish: `_STAN.pub.${CLUSTER}`,
  subscribe: `_STAN.sub.${CLUSTER}`, unsubscribe: `_STAN.unsub.${CLUSTER}`, close: `_STAN.close.${CLUSTER}`,
  subClose: `_STAN.subclose.${CLUSTER}`, acksSubs: `_STAN.ack.${CLUSTER}`, nodeId: '',
};

/** Channel foo with N messages; clients c0..c9 (odd ones deleted); a durable that got all and acked half. */
async function populate(dir: string): Promise<void> {
  const store = await FileStore.open({ dir }, silentLogger);
  await store.init(info);
  for (let i = 0; i < 10; i++) {
    await store.addClient({ id: `c${i}`, hbInbox: `_INBOX.hb${i}`, connId: Buffer.from(`conn${i}`), protocol: 1, pingInterval: 5, pingMaxOut: 3 });
  }
  for (let i = 1; i < 10; i += 2) await store.deleteClient(`c${i}`);
  const foo = await store.createChannel('foo');
  const t0 = BigInt(Date.now()) * 1_000_000n;
  for (let i = 1; i <= N; i++) foo.msgs.store(makeMsg(i, 'foo', '', Buffer.from(`message ${i}`), t0 + BigInt(i)));
  await foo.msgs.flush();
  const s: SubState = {
    id: 0, clientId: 'c0', qGroup: '', inbox: '_INBOX.i', ackInbox: '_INBOX.a', maxInFlight: 1000,
    ackWaitInSecs: 30, durableName: 'dur', lastSent: 0, isDurable: true, isClosed: false,
  };
  await foo.subs.createSub(s);
  for (let i = 1; i <= N; i++) foo.subs.addSeqPending(s.id, i);
  for (let i = 1; i <= N / 2; i++) foo.subs.ackSeqPending(s.id, i);
  await foo.subs.flush();
  await store.close();
}

type Kind = 'msgs' | 'idx' | 'subs' | 'clients' | 'server';
type How = 'truncated' | 'bit-flipped' | 'zeroed';

const FILES: Record<Kind, string> = {
  msgs: 'foo/msgs.1.dat', idx: 'foo/msgs.1.idx', subs: 'foo/subs.dat', clients: 'clients.dat', server: 'server.dat',
};

/** Damages the middle of the file; returns the byte range hit. For data files: the middle record. */
function damage(file: string, kind: Kind, how: How): { from: number; to: number } {
  const buf = fs.readFileSync(file);
  let from: number;
  let to: number;
  if (kind === 'idx') {
    const entries = (buf.length - 4) / 32;
    from = 4 + Math.floor(entries / 2) * 32;
    to = from + 32;
  } else {
    const recs = parseRecordFile(buf, kind === 'subs' || kind === 'clients');
    const r = recs[Math.floor(recs.length / 2)];
    from = r.offset;
    to = r.offset + 8 + r.size;
  }
  if (how === 'truncated') {
    fs.truncateSync(file, from + Math.floor((to - from) / 2));
  } else if (how === 'bit-flipped') {
    buf[to - 2] ^= 0x04;
    fs.writeFileSync(file, buf);
  } else {
    buf.fill(0, from, to);
    fs.writeFileSync(file, buf);
  }
  return { from, to };
}

async function fsck(dir: string, ...flags: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runFsck(['--dir', dir, ...flags], { out: (s) => { out += s; }, err: (s) => { out += s; } });
  return { code, out };
}

async function start(dir: string, logs: ReturnType<typeof captureLogger>): Promise<RunningServer> {
  return startServer({
    port: 0, host: '127.0.0.1', clusterId: CLUSTER, store: { type: 'FILE', dir },
    monitor: { host: '127.0.0.1', port: 0 }, streamingLogger: logs,
  });
}

/** Every message a new subscriber from the start gets; ends at the channel's last sequence (never a silent stall). */
async function readAll(server: RunningServer): Promise<number[]> {
  const sc: Stan = await connectStan(server.natsUrl, CLUSTER, 'reader');
  try {
    const sub = sc.subscribe('foo', sc.subscriptionOptions().setDeliverAllAvailable());
    const inbox = new Inbox(sub);
    await new Promise<void>((resolve, reject) => { sub.once('ready', resolve); sub.once('error', reject); });
    const ch = await (await fetch(`${server.monitorUrl}/streaming/channelsz?channel=foo`)).json() as { last_seq: number; msgs: number };
    await inbox.until((all) => all.length === ch.msgs, `${ch.msgs} messages up to ${ch.last_seq}`, 10_000);
    return inbox.all.map((r) => r.seq);
  } finally {
    await closeStan(sc);
  }
}

const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);

/** What each case must do: start, or refuse and be repaired by fsck; then deliver `expect`. */
interface Outcome { starts: boolean; expect: number[]; skipped?: number; needsClusterId?: boolean; zeroCut?: boolean }

const MIDDLE = N / 2 + 1; // the middle record of msgs.1.dat holds this sequence
const ALL = range(1, N);

function outcome(kind: Kind, how: How): Outcome {
  switch (kind) {
    case 'msgs':
      // A cut data file fails the last-message check and the rebuild meets the torn record (as in Go).
      if (how === 'truncated') return { starts: false, expect: range(1, MIDDLE - 1) };
      return { starts: true, expect: ALL.filter((s) => s !== MIDDLE), skipped: MIDDLE };
    case 'idx':
      return { starts: true, expect: ALL };
    case 'subs':
    case 'clients':
      // A zeroed record is cut like a zero-padded tail, as in Go (a crash can leave one), and reported.
      if (how === 'zeroed') return { starts: true, expect: ALL, zeroCut: true };
      return { starts: false, expect: ALL };
    case 'server':
      return { starts: false, expect: ALL, needsClusterId: true };
  }
}

describe('file store: every file kind damaged', () => {
  for (const kind of ['msgs', 'idx', 'subs', 'clients', 'server'] as Kind[]) {
    for (const how of ['truncated', 'bit-flipped', 'zeroed'] as How[]) {
      it(`${kind} ${how}`, async () => {
        const { dir, cleanup } = await tempDir('natstream-matrix-');
        let server: RunningServer | undefined;
        const want = outcome(kind, how);
        try {
          await populate(dir);
          const file = path.join(dir, FILES[kind]);
          const hit = damage(file, kind, how);
          const logs = captureLogger();
          let startError: Error | undefined;
          try {
            server = await start(dir, logs);
          } catch (e) {
            startError = e as Error;
          }
          assert.equal(startError === undefined, want.starts, `start: ${startError?.message}`);
          if (startError) {
            // Go's subscription-store error names the channel; its log names the file (below)
            assert.ok(startError.message.includes(kind === 'subs' ? 'subscription store for [foo]' : file), startError.message);
            if (kind !== 'server') {
              assert.ok(logs.lines.some((l) => l.includes(`Bad record in file "${file}" at offset ${hit.from}`)), logs.lines.join('\n'));
            }
            const listed = await fsck(dir);
            assert.equal(listed.code, FsckExit.damaged, listed.out);
            assert.ok(listed.out.includes(`${file}`), listed.out);
            if (kind !== 'server') assert.ok(listed.out.includes(`${file}${kind === 'clients' ? '' : ' (channel "foo")'}: offset ${hit.from}: `), listed.out);
            if (want.needsClusterId) {
              const refused = await fsck(dir, '--repair');
              assert.equal(refused.code, FsckExit.damaged, refused.out);
              assert.ok(refused.out.includes(`not repaired: ${file} (give --cluster_id to write it anew)`), refused.out);
            }
            const repaired = await fsck(dir, '--repair', ...(want.needsClusterId ? ['--cluster_id', CLUSTER] : []));
            assert.equal(repaired.code, FsckExit.repaired, repaired.out);
            assert.equal((await fsck(dir)).code, FsckExit.clean, 'nothing left after the repair');
            server = await start(dir, captureLogger());
          }
          if (want.zeroCut) {
            assert.ok(logs.lines.some((l) => l.includes(`File "${file}" has a zeroed record header at offset ${hit.from} with data after it`)), logs.lines.join('\n'));
          }
          const seqs = await readAll(server!);
          assert.deepEqual(seqs, want.expect);
          const storez = await (await fetch(`${server!.monitorUrl}/streaming/storez`)).json() as { damaged?: Array<{ sequence: number; offset: number; file: string }> };
          if (want.skipped !== undefined) {
            assert.deepEqual(storez.damaged?.map((d) => [d.file, d.offset, d.sequence]), [[file, hit.from, want.skipped]]);
            assert.equal(logs.lines.filter((l) => l.includes('Bad record in file')).length, 1, 'reported once');
            await server!.close();
            server = undefined;
            const listed = await fsck(dir);
            assert.equal(listed.code, FsckExit.damaged);
            assert.ok(listed.out.includes(`${file} (channel "foo"): offset ${hit.from}: `), listed.out);
          } else {
            assert.equal(storez.damaged, undefined);
          }
        } finally {
          await server?.close();
          await cleanup();
          for (const d of fs.readdirSync(path.dirname(dir))) if (d.startsWith(`${path.basename(dir)}.fsck-`)) fs.rmSync(path.join(path.dirname(dir), d), { recursive: true, force: true });
        }
      });
    }
  }
});
