/**
 * Split brain: the active server of an FT group is paused (SIGSTOP) long
 * enough for the standby to give up on its heartbeats, then resumed (SIGCONT).
 * The group must end with exactly one active server, never two writers.
 * - SQL: the standby takes the StoreLock row over; the resumed server finds
 *   the row taken and aborts (`lost store lock, aborting`).
 * - FILE: the paused server still holds the kernel lock, so the standby never
 *   becomes active; the resumed server goes on serving.
 * And the opposite: a clean stop releases the SQL row, which the standby takes
 * at once, without waiting for the row to stand still.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startTestDatabase, type TestDatabase } from '../support/databases.js';
import { NATS_SERVER_BINARY, startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { NatstreamProcess } from '../support/natstream-process.js';
import { closeStan, connectStan, publish } from '../streaming/harness.js';

const CID = 'ftsb';

describe('FT group split brain and clean stop (3-node nats-server cluster)', { skip: NATS_SERVER_BINARY ? false : 'nats-server is not installed (.ci/run installs it)' }, () => {
  let cluster: NatsCluster;
  const procs: NatstreamProcess[] = [];
  let db: TestDatabase | undefined;
  let dir = '';

  const member = (name: string, node: number, storeArgs: string[]) => {
    const p = new NatstreamProcess(name, ['-ns', cluster.nodes[node]!.url, '-cid', CID, '--ft_group', 'grp', ...storeArgs]);
    procs.push(p);
    return p;
  };
  /** A publish from a new client on node 2 is acknowledged (by whichever server is active). */
  const acked = async (clientId: string) => {
    const sc = await connectStan(cluster.nodes[1]!.url, CID, clientId, { ackTimeout: 3000 });
    try {
      assert.ok(await publish(sc, 'sb', 'x'));
    } finally {
      await closeStan(sc);
    }
  };

  before(async () => {
    cluster = await startNatsCluster(3);
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await cluster?.stop();
    await db?.shutdown().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SQL (PostgreSQL): the resumed active finds the lock taken and stops; the new one serves', { timeout: 40_000 }, async () => {
    db = await startTestDatabase('postgres');
    await db.reset();
    const store = ['-st', 'SQL', '--sql_driver', 'postgres', '--sql_source', db.source];
    const a = member('A', 0, store);
    await a.waitFor('Streaming Server is ready', 10_000);
    const b = member('B', 2, [...store, '-SD']);
    await b.waitFor('Starting in standby mode', 10_000);
    a.signal('SIGSTOP');
    await b.waitFor('Streaming Server is ready', 15_000);
    a.signal('SIGCONT');
    const exit = await a.exited;
    assert.equal(exit.code, 1, 'the resumed server exits');
    assert.match(a.output, /\[FTL\] STREAM: (lost store lock, aborting|ft: serverID "[^"]+" claims to be active, aborting)/);
    assert.ok(b.running, 'the new active server goes on');
    assert.match(b.output, /ft: store lock taken over from [0-9A-Za-z]{22} \(tick \d+ did not move for \d+ ms\)/);
    await acked('sb-sql');
    const rows = await db.admin().query('SELECT id, tick FROM StoreLock');
    assert.equal(rows.length, 1);
    assert.match(String(rows[0]![0]), /^[0-9A-Za-z]{22}$/, 'the owner id is NUID-shaped, as the Go server writes it');
  });

  it('SQL (PostgreSQL): a clean stop (SIGTERM) of the active releases the row; the standby takes it without a takeover', { timeout: 30_000 }, async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await db!.reset();
    const store = ['-st', 'SQL', '--sql_driver', 'postgres', '--sql_source', db!.source];
    const a = member('A1', 0, store);
    await a.waitFor('Streaming Server is ready', 10_000);
    const b = member('B1', 2, [...store, '-SD']);
    await b.waitFor('Starting in standby mode', 10_000);
    a.signal('SIGTERM');
    assert.equal((await a.exited).code, 143);
    await b.waitFor('Streaming Server is ready', 10_000);
    assert.match(b.output, /ft: missed heartbeats, trying the store lock/);
    assert.doesNotMatch(b.output, /store lock taken over from/, 'the row was free: no 4.5 s wait');
    const rows = await db!.admin().query('SELECT id FROM StoreLock');
    assert.match(String(rows[0]![0]), /^[0-9A-Za-z]{22}$/);
  });

  it('FILE: the standby cannot take the kernel lock of a paused server; one active throughout', { timeout: 30_000 }, async () => {
    await Promise.all(procs.map((p) => p.kill()));
    dir = mkdtempSync(path.join(tmpdir(), 'natstream-ft-sb-'));
    const store = ['-st', 'FILE', '-dir', dir];
    const a = member('A2', 0, store);
    await a.waitFor('Streaming Server is ready', 10_000);
    const b = member('B2', 2, store);
    await b.waitFor('Starting in standby mode', 10_000);
    a.signal('SIGSTOP');
    await b.waitFor('ft: unable to get store lock at this time, going back to standby', 10_000);
    a.signal('SIGCONT');
    await acked('sb-file');
    assert.ok(a.running && b.running);
    assert.doesNotMatch(b.output, /Server is active/);
  });
});
