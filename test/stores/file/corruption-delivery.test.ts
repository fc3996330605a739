/**
 * A damaged record in the middle of a message log, met while a subscription
 * reads it (issue 15 item 4): every intact message is delivered, the damaged one
 * is reported once (log and /streaming/storez) and skipped, and the subscription
 * never stalls.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../../src/index.js';
import { makeMsg } from '../../../src/protocol/stan-msg.js';
import { FileStore } from '../../../src/stores/file/index.js';
import type { ServerInfo } from '../../../src/stores/store.js';
import { silentLogger } from '../../../src/util/logger.js';
import { Inbox, captureLogger, closeStan, connectStan, type Stan } from '../../streaming/harness.js';
import { parseIndexFile, tempDir } from './helpers.js';

const CLUSTER = 'damage-cluster';
const info: ServerInfo = {
  clusterId: CLUSTER, discovery: `_STAN.discover.${CLUSTER}`, publish: `_STAN.pub.${CLUSTER}`,
  subscribe: `_STAN.sub.${CLUSTER}`, unsubscribe: `_STAN.unsub.${CLUSTER}`, close: `_STAN.close.${CLUSTER}`,
  subClose: `_STAN.subclose.${CLUSTER}`, acksSubs: `_STAN.ack.${CLUSTER}`, nodeId: '',
};

async function populate(dir: string, channel: string, n: number): Promise<void> {
  const store = await FileStore.open({ dir }, silentLogger);
  await store.init(info);
  const ch = await store.createChannel(channel);
  const t0 = BigInt(Date.now()) * 1_000_000n;
  for (let i = 1; i <= n; i++) ch.msgs.store(makeMsg(i, channel, '', Buffer.from(`payload ${i}`), t0 + BigInt(i)));
  await ch.msgs.flush();
  await store.close();
}

/** Offset of the record header of `seq`, from the index file. */
function recordOffset(dir: string, channel: string, seq: number): number {
  const entries = parseIndexFile(fs.readFileSync(path.join(dir, channel, 'msgs.1.idx')));
  return entries.find((e) => e.seq === seq)!.offset;
}

function corrupt(file: string, at: number, how: (b: Buffer) => void): void {
  const buf = fs.readFileSync(file);
  const view = buf.subarray(at);
  how(view);
  fs.writeFileSync(file, buf);
}

async function start(dir: string, logs = captureLogger()): Promise<{ server: RunningServer; logs: ReturnType<typeof captureLogger> }> {
  const server = await startServer({
    port: 0, host: '127.0.0.1', clusterId: CLUSTER, store: { type: 'FILE', dir },
    monitor: { host: '127.0.0.1', port: 0 }, streamingLogger: logs,
  });
  return { server, logs };
}

async function subscribeAll(sc: Stan, channel: string): Promise<Inbox> {
  const sub = sc.subscribe(channel, sc.subscriptionOptions().setDeliverAllAvailable().setMaxInFlight(100_000));
  const inbox = new Inbox(sub);
  await new Promise<void>((resolve, reject) => { sub.once('ready', resolve); sub.once('error', reject); });
  return inbox;
}

describe('file store: damage met while delivering', () => {
  it('a byte flipped in the middle of 10,000 messages: 9,999 delivered, the bad one reported once and skipped', async () => {
    const { dir, cleanup } = await tempDir();
    let server: RunningServer | undefined;
    let sc: Stan | undefined;
    try {
      await populate(dir, 'flip', 10_000);
      const dat = path.join(dir, 'flip', 'msgs.1.dat');
      const bad = 5_005;
      const off = recordOffset(dir, 'flip', bad);
      corrupt(dat, off + 8 + 3, (b) => { b[0] ^= 0x10; });

      const started = await start(dir);
      server = started.server;
      sc = await connectStan(server.natsUrl, CLUSTER, 'reader');
      const inbox = await subscribeAll(sc, 'flip');
      const got = await inbox.take(9_999, 20_000);
      const seqs = got.map((r) => r.seq);
      assert.equal(seqs[bad - 2], bad - 1);
      assert.equal(seqs[bad - 1], bad + 1, 'the damaged message is skipped, the next ones follow');
      assert.equal(seqs[seqs.length - 1], 10_000);
      assert.equal(got[bad - 1].data.toString(), `payload ${bad + 1}`);

      // A second reader meets the same record: no second report.
      const inbox2 = await subscribeAll(sc, 'flip');
      await inbox2.take(9_999, 20_000);
      const reports = started.logs.lines.filter((l) => l.includes('Bad record in file'));
      assert.deepEqual(reports, [`[ERR] STREAM: Bad record in file "${dat}" at offset ${off}`]);
      assert.equal(started.logs.lines.filter((l) => l.includes('Corrupted record in file')).length, 1);

      const storez = await (await fetch(`${server.monitorUrl}/streaming/storez`)).json() as Record<string, unknown>;
      assert.deepEqual(storez.damaged, [{ channel: 'flip', file: dat, offset: off, sequence: bad, error: (storez.damaged as Array<{ error: string }>)[0].error }]);
      assert.match((storez.damaged as Array<{ error: string }>)[0].error, /^corrupted data, expected crc to be 0x/);
    } finally {
      if (sc) await closeStan(sc);
      await server?.close();
      await cleanup();
    }
  });

  it('a zeroed range: everything before the damage, then the next intact messages, each bad record reported once', async () => {
    const { dir, cleanup } = await tempDir();
    let server: RunningServer | undefined;
    let sc: Stan | undefined;
    try {
      await populate(dir, 'zero', 300);
      const dat = path.join(dir, 'zero', 'msgs.1.dat');
      // zero the records of 100..102
      const from = recordOffset(dir, 'zero', 100);
      const to = recordOffset(dir, 'zero', 103);
      corrupt(dat, from, (b) => b.fill(0, 0, to - from));

      const started = await start(dir);
      server = started.server;
      sc = await connectStan(server.natsUrl, CLUSTER, 'reader');
      const inbox = await subscribeAll(sc, 'zero');
      const got = await inbox.take(297, 10_000);
      const seqs = got.map((r) => r.seq);
      assert.deepEqual(seqs.slice(97, 100), [98, 99, 103]);
      assert.equal(seqs[seqs.length - 1], 300);
      assert.equal(started.logs.lines.filter((l) => l.includes('Bad record in file')).length, 3, 'one report per damaged record');
    } finally {
      if (sc) await closeStan(sc);
      await server?.close();
      await cleanup();
    }
  });
});
