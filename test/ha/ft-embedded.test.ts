/**
 * FT group members inside one process, each on its embedded NATS server, on one
 * FILE directory: the states and monitoring of the Go server (FT_STANDBY /
 * FT_ACTIVE in /streaming/serverz, /streaming/isFTActive 204 / 200), and a
 * standby that recovers the whole state once the active one closes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { startServer, type RunningServer } from '../../src/index.js';
import { get, getJson } from '../monitor/support.js';
import { captureLogger, closeStan, connectStan, publish, subscribe } from '../streaming/harness.js';

const TIMINGS = { hbIntervalMs: 100, hbMissedMs: 150 };

describe('FT group members on embedded NATS servers (FILE)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'natstream-ft-emb-'));
  const servers: RunningServer[] = [];
  const aborts: string[] = [];
  after(async () => {
    for (const s of servers) await s.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const member = async () => {
    const logger = captureLogger();
    const s = await startServer({
      port: 0, host: '127.0.0.1', clusterId: 'ftemb', ftGroup: 'grp', store: { type: 'FILE', dir },
      monitor: { port: 0 }, logger, ft: { timings: TIMINGS, onAbort: (why) => aborts.push(why) },
    });
    servers.push(s);
    return { s, logger, port: Number(new URL(s.monitorUrl!).port) };
  };

  it('one active, one standby; the standby takes over with the whole state when the active closes', { timeout: 20_000 }, async () => {
    const a = await member();
    await a.logger.waitFor('Streaming Server is ready');
    const b = await member();
    await b.logger.waitFor('Starting in standby mode');
    await b.logger.waitFor('ft: unable to get store lock at this time, going back to standby');

    assert.equal((await get(a.port, '/streaming/isFTActive')).status, 200);
    assert.equal((await get(b.port, '/streaming/isFTActive')).status, 204);
    const sa = await getJson(a.port, '/streaming/serverz') as Record<string, unknown>;
    const sb = await getJson(b.port, '/streaming/serverz') as Record<string, unknown>;
    assert.deepEqual([sa.state, sa.cluster_id], ['FT_ACTIVE', 'ftemb']);
    assert.deepEqual([sb.state, sb.cluster_id], ['FT_STANDBY', '']);
    assert.ok(!b.logger.lines.some((l) => l.includes('Recovering the state')), 'a standby reads nothing');

    const pub = await connectStan(a.s.natsUrl, 'ftemb', 'p1');
    await publish(pub, 'orders', 'one');
    await publish(pub, 'orders', 'two');
    await closeStan(pub);

    await a.s.close();
    await b.logger.waitFor('Streaming Server is ready', 10_000);
    assert.ok(b.logger.lines.some((l) => l.includes('STREAM: Server is active')));
    assert.ok(b.logger.lines.some((l) => l.includes('STREAM: Recovered 1 channel(s)')));
    assert.equal((await get(b.port, '/streaming/isFTActive')).status, 200);
    assert.equal((await getJson(b.port, '/streaming/serverz') as Record<string, unknown>).state, 'FT_ACTIVE');

    const c = await connectStan(b.s.natsUrl, 'ftemb', 'c1');
    const sub = await subscribe(c, 'orders', null, c.subscriptionOptions().setDeliverAllAvailable());
    const got = await sub.__inbox.take(2);
    assert.deepEqual(got.map((r: { data: string }) => r.data), ['one', 'two']);
    await closeStan(c);
    assert.deepEqual(aborts, []);
  });
});
