/**
 * Channel partitioning on a 3-node nats-server cluster: servers with one
 * cluster ID each serve their own channels (`partitioning: true` and their
 * `store_limits { channels }`); an overlapping newcomer refuses to start with
 * the Go server's error; clients on any node reach every owner.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startServer, type RunningServer } from '../../src/index.js';
import { encodeChannelList, decodeChannelList } from '../../src/streaming/partitioning.js';
import { NATS_SERVER_BINARY, startLoneNode, startNatsCluster, type LoneNode, type NatsCluster } from '../support/nats-cluster.js';
import { NatstreamProcess } from '../support/natstream-process.js';
import { captureLogger, closeStan, connectStan, publish, subscribe } from '../streaming/harness.js';
import { DEFAULT_STORE_LIMITS } from '../../src/stores/limits.js';

const CID = 'parts';

describe('channel list encoding (Go: uint16 little-endian length + bytes)', () => {
  it('round-trips and matches the Go layout', () => {
    assert.deepEqual([...encodeChannelList(['ab', 'é'])], [2, 0, 0x61, 0x62, 2, 0, 0xc3, 0xa9]);
    assert.deepEqual(decodeChannelList(encodeChannelList(['ticket:created', 'x'])), ['ticket:created', 'x']);
    assert.throws(() => decodeChannelList(new Uint8Array([5, 0, 1])), /unable to decode channel/);
  });
});

describe('partitioning on a 3-node nats-server cluster', { skip: NATS_SERVER_BINARY ? false : 'nats-server is not installed (.ci/run installs it)' }, () => {
  let cluster: NatsCluster;
  const servers: RunningServer[] = [];
  const procs: NatstreamProcess[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'natstream-parts-'));

  const partition = async (node: number, channels: string[]) => {
    const perChannel = Object.create(null) as Record<string, object>;
    for (const c of channels) perChannel[c] = {};
    const logger = captureLogger();
    const s = await startServer({
      clusterId: CID, connection: { natsServerUrl: cluster.nodes[node]!.url }, streamingLogger: logger,
      streaming: { partitioning: true, limits: { ...DEFAULT_STORE_LIMITS, perChannel } },
    });
    servers.push(s);
    return { s, logger };
  };

  before(async () => {
    cluster = await startNatsCluster(3);
  });
  after(async () => {
    for (const s of servers) await s.close().catch(() => undefined);
    await Promise.all(procs.map((p) => p.kill()));
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('partitioning without a channel list is refused', async () => {
    const conf = path.join(dir, 'none.conf');
    writeFileSync(conf, `streaming { cluster_id: ${CID}, partitioning: true }\n`);
    const p = new NatstreamProcess('none', ['-ns', cluster.nodes[0]!.url, '-sc', conf]);
    procs.push(p);
    assert.equal((await p.exited).code, 1);
    assert.match(p.output, /\[FTL\] STREAM: Failed to start: stan: no configured channel/);
  });

  it('owners serve their channels; an overlapping server refuses to start; unowned channels time out', { timeout: 30_000 }, async () => {
    const one = await partition(0, ['ticket:created', 'order:created']);
    assert.ok(one.logger.lines.some((l) => l === '[INF] STREAM: ticket:created'), 'channels listed at start');

    const serverId = one.s.streaming!.serverId;
    await assert.rejects(partition(1, ['order:created', 'payment:created']),
      { message: `channel "order:created" causes conflict with channels on server "${serverId}"` });

    // The CLI's fatal line and exit status, from a config file as operators write it.
    const conf = path.join(dir, 'overlap.conf');
    writeFileSync(conf, `streaming { cluster_id: ${CID}, partitioning: true, store_limits { channels { "payment:created": {}, "ticket:created": {} } } }\n`);
    const p = new NatstreamProcess('overlap', ['-ns', cluster.nodes[2]!.url, '-sc', conf]);
    procs.push(p);
    const exit = await p.exited;
    assert.equal(exit.code, 1);
    assert.match(p.output, new RegExp(`\\[FTL\\] STREAM: Failed to start: channel "ticket:created" causes conflict with channels on server "${serverId}"`));

    const three = await partition(2, ['payment:created']);
    const sc = await connectStan(cluster.nodes[1]!.url, CID, 'part-client', { ackTimeout: 1500 });
    try {
      const sub = await subscribe(sc, 'payment:created', null, sc.subscriptionOptions().setDeliverAllAvailable());
      assert.ok(await publish(sc, 'ticket:created', 't1'));
      assert.ok(await publish(sc, 'payment:created', 'p1'));
      const [got] = await sub.__inbox.take(1);
      assert.equal(got.data, 'p1');
      await assert.rejects(publish(sc, 'unknown:ch', 'u'), /timeout/i);
      assert.equal(one.s.streaming!.channels.get('ticket:created')?.lastSeq, 1);
      assert.equal(one.s.streaming!.channels.has('payment:created'), false);
      assert.equal(three.s.streaming!.channels.get('payment:created')?.lastSeq, 1);
      assert.equal(three.s.streaming!.channels.has('ticket:created'), false);
    } finally {
      await closeStan(sc);
    }
  });

  it('a wildcard in the channel list is refused at start, as by the Go server', async () => {
    const conf = path.join(dir, 'wild.conf');
    writeFileSync(conf, `streaming { cluster_id: ${CID}, partitioning: true, store_limits { channels { "ticket:*": {} } } }\n`);
    const p = new NatstreamProcess('wild', ['-ns', cluster.nodes[0]!.url, '-sc', conf]);
    procs.push(p);
    assert.equal((await p.exited).code, 1);
    assert.match(p.output, /invalid channel name "ticket:\*"/);
  });
});

describe('partitioning across a NATS network split that heals', { skip: NATS_SERVER_BINARY ? false : 'nats-server is not installed (.ci/run installs it)' }, () => {
  const nodes: LoneNode[] = [];
  const procs: NatstreamProcess[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'natstream-parts-split-'));
  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    for (const n of nodes) await n.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('servers that started apart with one channel in common stop once the cluster joins them, as Go servers', { timeout: 30_000 }, async () => {
    const x = await startLoneNode('x');
    const y = await startLoneNode('y');
    nodes.push(x, y);
    const server = (name: string, node: LoneNode, channels: string[]) => {
      const conf = path.join(dir, `${name}.conf`);
      writeFileSync(conf, `streaming { cluster_id: split, partitioning: true, store_limits { channels { ${channels.map((c) => `"${c}": {}`).join(', ')} } } }\n`);
      const p = new NatstreamProcess(name, ['-ns', node.url, '-sc', conf]);
      procs.push(p);
      return p;
    };
    const a = server('A', x, ['dup']);
    const b = server('B', y, ['dup', 'other']);
    await a.waitFor('Streaming Server is ready', 10_000);
    await b.waitFor('Streaming Server is ready', 10_000);
    // The split heals: a third node routes to both.
    nodes.push(await startLoneNode('z', [x.routeUrl, y.routeUrl]));
    // Each sends its list again; the first to get an answer naming "dup" stops (the
    // other stops too when it hears the answer before its peer is gone, as Go servers).
    const first = await Promise.race([a.exited.then(() => a), b.exited.then(() => b)]);
    assert.equal(first.process.exitCode, 1);
    assert.match(first.output, /\[FTL\] STREAM: Partitioning error: channel "dup" causes conflict with channels on server "[0-9A-Za-z]+"/);
  });
});
