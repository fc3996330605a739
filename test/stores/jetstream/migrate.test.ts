/**
 * `natstream migrate`: a FILE store (the Go server's layout, written by natstream's
 * file store) copied into JetStream, interrupted and run again, then checked:
 * sequences (a first sequence above 1 kept), timestamps, data, clients, durables
 * with their positions and pending sets; and the command line's report.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { connect, type NatsConnection } from 'nats';

import { migrate } from '../../../src/migrate/migrate.js';
import { makeMsg, type Msg } from '../../../src/protocol/stan-msg.js';
import { createStore } from '../../../src/stores/factory.js';
import type { RecoveredChannel, ServerInfo, SubState } from '../../../src/stores/store.js';
import { silentLogger } from '../../../src/util/logger.js';
import { JsCluster, NATS_SERVER_BINARY } from '../../support/js-cluster.js';
import { GO_SAMPLE } from '../file/fixtures/go-sample.js';

const CID = 'legacy';
const info: ServerInfo = {
  clusterId: CID, discovery: `_STAN.discover.${CID}`, publish: `_STAN.pub.x`, subscribe: `_STAN.sub.x`,
  unsubscribe: `_STAN.unsub.x`, close: `_STAN.close.x`, subClose: `_STAN.subclose.x`, acksSubs: `_STAN.ack.x`, nodeId: '',
};
const T0 = 1_700_000_000_000_000_123n;

function sub(over: Partial<SubState>): SubState {
  return {
    id: 0, clientId: 'c1', qGroup: '', inbox: '_INBOX.i', ackInbox: '_INBOX.a', maxInFlight: 100, ackWaitInSecs: 30,
    durableName: '', lastSent: 0, isDurable: false, isClosed: false, ...over,
  };
}

describe('natstream migrate: FILE store to JetStream', { skip: NATS_SERVER_BINARY ? false : 'nats-server is not installed' }, () => {
  let cluster: JsCluster;
  let nc: NatsConnection;
  let dir: string;
  const sent = new Map<string, Msg[]>();
  const subIds: number[] = [];

  before(async () => {
    cluster = await JsCluster.start(1);
    nc = await connect({ servers: cluster.urls });
    dir = await mkdtemp(path.join(tmpdir(), 'natstream-migrate-'));
    const fs = await createStore('file', { dir }, silentLogger);
    await fs.init(info);
    await fs.addClient({ id: 'c1', hbInbox: '_INBOX.hb', connId: Buffer.from('conn-1'), protocol: 1, pingInterval: 5, pingMaxOut: 3 });
    for (const [name, n] of [['orders.eu', 5000], ['audit', 1200]] as const) {
      const ch = await fs.createChannel(name);
      const list: Msg[] = [];
      // orders.eu starts at 2001, as a channel whose older messages were dropped by limits
      for (let i = name === 'orders.eu' ? 2001 : 1; i <= n; i++) {
        const m = makeMsg(i, name, i % 7 === 0 ? `reply.${i}` : '', Buffer.from(`${name} #${i}`), T0 + BigInt(i) * 1_000_003n);
        ch.msgs.store(m);
        list[i - 1] = m;
      }
      await ch.msgs.flush();
      sent.set(name, list);
      const durable = sub({ durableName: 'dur', isDurable: true, lastSent: 0 });
      await ch.subs.createSub(durable);
      const queue = sub({ qGroup: 'dq:workers', isDurable: true, clientId: 'c1' });
      await ch.subs.createSub(queue);
      subIds.push(durable.id, queue.id);
      for (const seq of [n - 3, n - 2, n - 1]) ch.subs.addSeqPending(durable.id, seq);
      ch.subs.ackSeqPending(durable.id, n - 2);
      await ch.subs.flush();
    }
    await fs.close();
  });
  after(async () => {
    await nc?.close();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('copies, resumes after an interruption, and verifies every channel', async () => {
    const to = { servers: cluster.urls };
    let calls = 0;
    await assert.rejects(migrate({
      from: `file:${dir}`, to, batch: 500,
      onProgress: () => { if (++calls === 2) throw new Error('interrupted'); },
    }), /interrupted/);
    const report = await migrate({ from: `file:${dir}`, to, batch: 500 });
    assert.equal(report.ok, true, JSON.stringify(report.channels));
    const eu = report.channels.find((c) => c.channel === 'orders.eu')!;
    assert.deepEqual([eu.first, eu.last, eu.count], [2001, 5000, 3000]);
    const copied = report.channels.reduce((n, c) => n + c.copied, 0);
    assert.equal(copied, 4200 - 1000, 'the second run went on where the first stopped (after 2 batches of 500)');

    // natstream reads it back as its JETSTREAM store
    const js = await createStore('jetstream', { jetstream: { servers: cluster.urls, clusterId: CID } }, silentLogger);
    try {
      const state = await js.recover();
      assert.ok(state);
      assert.deepEqual(state.info, info);
      assert.deepEqual(state.clients.map((c) => c.id), ['c1']);
      for (const [name, list] of sent) {
        const rc: RecoveredChannel = state.channels.get(name)!;
        const first = name === 'orders.eu' ? 2001 : 1;
        assert.equal(rc.channel.msgs.firstSequence(), first);
        assert.equal(rc.channel.msgs.lastSequence(), list.length);
        for (const seq of [first, first + 1, list.length - 7, list.length]) {
          const m = (await rc.channel.msgs.lookup(seq))!;
          const want = list[seq - 1];
          assert.equal(m.timestamp, want.timestamp);
          assert.equal(m.reply, want.reply);
          assert.deepEqual(Buffer.from(m.data), Buffer.from(want.data));
        }
        const subs = [...rc.subscriptions].sort((a, b) => a.sub.id - b.sub.id);
        assert.equal(subs.length, 2);
        assert.equal(subs[0].sub.durableName, 'dur');
        assert.equal(subs[0].sub.lastSent, list.length - 1);
        assert.deepEqual([...subs[0].pending].sort((a, b) => a - b), [list.length - 3, list.length - 1]);
        assert.equal(subs[1].sub.qGroup, 'dq:workers');
        // subscription IDs are kept and never reused
        const s = sub({});
        await rc.channel.subs.createSub(s);
        assert.ok(s.id > subs[1].sub.id);
      }
      // new STAN publishes continue the numbering
      const eu2 = state.channels.get('orders.eu')!.channel.msgs;
      assert.equal(eu2.store(makeMsg(5001, 'orders.eu', '', Buffer.from('new'), T0 + 10n ** 12n)), 5001);
      await eu2.flush();
    } finally {
      await js.close();
    }
  });

  it('a directory written by the Go server migrates with its durable position', async () => {
    const goDir = await mkdtemp(path.join(tmpdir(), 'natstream-go-sample-'));
    try {
      for (const [name, hex] of Object.entries(GO_SAMPLE)) {
        await mkdir(path.dirname(path.join(goDir, name)), { recursive: true });
        await writeFile(path.join(goDir, name), Buffer.from(hex, 'hex'));
      }
      const report = await migrate({ from: `file:${goDir}`, to: { servers: cluster.urls, clusterId: 'go-sample' } });
      assert.equal(report.ok, true, JSON.stringify(report.channels));
      const js = await createStore('jetstream', { jetstream: { servers: cluster.urls, clusterId: 'go-sample' } }, silentLogger);
      try {
        const state = (await js.recover())!;
        assert.equal(state.info.clusterId, 'ticketing');
        const foo = state.channels.get('foo')!;
        const texts = [];
        for (let seq = 1; seq <= 2; seq++) texts.push(Buffer.from((await foo.channel.msgs.lookup(seq))!.data).toString());
        assert.deepEqual(texts, ['hello', 'world']);
        const [dur] = foo.subscriptions;
        assert.equal(dur.sub.durableName, 'dur');
        assert.equal(dur.sub.lastSent, 2);
        assert.equal(dur.sub.isClosed, true);
        assert.deepEqual([...dur.pending], [2], 'seq 1 acknowledged, seq 2 still pending');
      } finally {
        await js.close();
      }
    } finally {
      await rm(goDir, { recursive: true, force: true });
    }
  });

  it('the command line prints a verified report (a run on a complete copy copies nothing)', () => {
    const bin = path.resolve('bin/natstream.js');
    const r = spawnSync(process.execPath, [bin, 'migrate', '--from', `file:${dir}`, '--to', 'jetstream', '-ns', cluster.urls, '-cid', 'legacy-2'],
      { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^cluster ID legacy-2: 1 clients, 2 channels/);
    assert.match(r.stdout, /OK +orders\.eu: seq 2001\.\.5000, 3000 msgs \(3000 copied now\), 2 subs, sha256 [0-9a-f]{16}/);
    assert.match(r.stdout, /OK +audit: seq 1\.\.1200, 1200 msgs/);
    assert.match(r.stderr, /100\.0% 4200\/4200 msgs/);
  });
});
