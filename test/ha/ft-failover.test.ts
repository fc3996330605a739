/**
 * FT groups on a real 3-node nats-server cluster: two natstream processes
 * (`node bin/natstream.js -ns ... --ft_group grp`) on one FILE directory or one
 * SQL database (PostgreSQL, MariaDB), clients on a third node. kill -9 of the
 * active under load: the standby takes over, the same client connections go
 * on, and no acknowledged message is lost.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';

import { startTestDatabase, type TestDatabase } from '../support/databases.js';
import { FailoverLoad } from '../support/ft-load.js';
import { NATS_SERVER_BINARY, startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { NatstreamProcess } from '../support/natstream-process.js';

const GO_BINARY = spawnSync('sh', ['-c', 'command -v nats-streaming-server'], { encoding: 'utf8' }).stdout.trim();
const CID = 'ftc';

interface Group {
  cluster: NatsCluster;
  procs: NatstreamProcess[];
}

function member(g: Group, name: string, node: number, storeArgs: string[], command?: string): NatstreamProcess {
  const p = new NatstreamProcess(name, ['-ns', g.cluster.nodes[node]!.url, '-cid', CID, '--ft_group', 'grp', ...storeArgs], command);
  g.procs.push(p);
  return p;
}

/** kill -9 of the active under load; returns after the checks. */
async function failoverUnderLoad(t: TestContext, g: Group, storeArgs: string[], standbyCommand?: string): Promise<void> {
  const a = member(g, 'A', 0, storeArgs);
  await a.waitFor('Streaming Server is ready', 10_000);
  const b = member(g, 'B', 2, storeArgs, standbyCommand);
  await b.waitFor('Starting in standby mode', 10_000);
  const load = new FailoverLoad({ url: g.cluster.nodes[1]!.url, clusterId: CID, ackTimeoutMs: 1000 });
  try {
    await load.start();
    await load.untilAcked(200, 10_000);
    load.markKill();
    const killedAt = Date.now();
    await a.kill();
    await b.waitFor('Streaming Server is ready', 15_000);
    const takeoverMs = Date.now() - killedAt;
    assert.match(b.output, /Server is active[\s\S]*Recovering the state\.\.\.[\s\S]*Recovered 1 channel\(s\)/);
    const before = load.acked.size;
    await load.untilAcked(before + 200, 15_000);
    await load.stopPublishing();
    const r = await load.report(8_000);
    t.diagnostic(`takeover (kill to standby ready)=${takeoverMs} ms acked=${r.acked} publish errors (timeouts during failover)=${r.publishErrors} missing=${r.missing} ` +
      `duplicates=${r.duplicates} redeliveries=${r.redeliveries} publish gap=${r.gapMs} ms`);
    assert.equal(r.missing, 0, 'every acknowledged message is delivered after the failover');
    assert.ok(r.gapMs > 0, 'publishing resumed on the new active server');
  } finally {
    await load.close();
  }
}

async function stopAll(g: Group): Promise<void> {
  await Promise.all(g.procs.map((p) => p.kill()));
  g.procs.length = 0;
}

describe('FT group failover under load (3-node nats-server cluster)', { skip: NATS_SERVER_BINARY ? false : 'nats-server is not installed (.ci/run installs it)' }, () => {
  const g: Group = { cluster: undefined as unknown as NatsCluster, procs: [] };
  const dbs = new Map<string, TestDatabase>();
  let dir = '';

  before(async () => {
    const [cluster, pg, my] = await Promise.all([startNatsCluster(3), startTestDatabase('postgres'), startTestDatabase('mysql')]);
    g.cluster = cluster;
    dbs.set('postgres', pg).set('mysql', my);
  });
  after(async () => {
    await stopAll(g);
    await g.cluster?.stop();
    for (const db of dbs.values()) await db.shutdown().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('FILE store on a shared directory: kill -9 of the active, 0 acked messages lost', { timeout: 30_000 }, async (t) => {
    dir = mkdtempSync(path.join(tmpdir(), 'natstream-ft-'));
    try {
      await failoverUnderLoad(t, g, ['-st', 'FILE', '-dir', dir]);
    } finally {
      await stopAll(g);
    }
  });

  for (const driver of ['postgres', 'mysql'] as const) {
    it(`SQL store on ${driver === 'postgres' ? 'PostgreSQL' : 'MariaDB'}: kill -9 of the active, 0 acked messages lost`, { timeout: 30_000 }, async (t) => {
      const db = dbs.get(driver)!;
      await db.reset();
      try {
        await failoverUnderLoad(t, g, ['-st', 'SQL', '--sql_driver', driver, '--sql_source', db.source]);
      } finally {
        await stopAll(g);
      }
    });
  }

  it('mixed group: a Go nats-streaming-server standby takes over from natstream', {
    skip: GO_BINARY ? false : 'the Go nats-streaming-server binary is not installed on this machine',
    timeout: 30_000,
  }, async (t) => {
    const d = mkdtempSync(path.join(tmpdir(), 'natstream-ft-go-'));
    try {
      await failoverUnderLoad(t, g, ['-st', 'FILE', '-dir', d], GO_BINARY);
    } finally {
      await stopAll(g);
      rmSync(d, { recursive: true, force: true });
    }
  });
});
