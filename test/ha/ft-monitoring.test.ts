/**
 * Monitoring of FT members running with `-ns` (no embedded NATS server): as
 * the Go server, they serve the /streaming/* endpoints only; /streaming/serverz
 * shows FT_STANDBY / FT_ACTIVE and /streaming/isFTActive answers 204 / 200,
 * and both change when the standby takes over.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { get, getJson } from '../monitor/support.js';
import { NATS_SERVER_BINARY, startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { NatstreamProcess } from '../support/natstream-process.js';
import { freePort } from '../support/ports.js';

describe('FT members on -ns: /streaming monitoring', { skip: NATS_SERVER_BINARY ? false : 'nats-server is not installed (.ci/run installs it)' }, () => {
  let cluster: NatsCluster;
  const procs: NatstreamProcess[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'natstream-ft-mon-'));
  before(async () => {
    cluster = await startNatsCluster(3);
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const state = async (port: number) => {
    const s = await getJson(port, '/streaming/serverz') as Record<string, unknown>;
    return [s.state, s.cluster_id, (await get(port, '/streaming/isFTActive')).status];
  };

  it('standby and active states, before and after a takeover', { timeout: 30_000 }, async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const member = (name: string, node: number, port: number) => {
      const p = new NatstreamProcess(name, ['-ns', cluster.nodes[node]!.url, '-cid', 'ftm', '--ft_group', 'g', '-st', 'FILE', '-dir', dir, '-m', String(port)]);
      procs.push(p);
      return p;
    };
    const a = member('A', 0, pa);
    await a.waitFor('Streaming Server is ready', 10_000);
    const b = member('B', 2, pb);
    await b.waitFor('Starting in standby mode', 10_000);
    await b.waitFor('Starting http monitor', 10_000);

    assert.deepEqual(await state(pa), ['FT_ACTIVE', 'ftm', 200]);
    assert.deepEqual(await state(pb), ['FT_STANDBY', '', 204]);
    assert.equal((await get(pb, '/varz')).status, 404, 'no core NATS endpoints without an embedded NATS server');

    await a.kill();
    await b.waitFor('Streaming Server is ready', 10_000);
    assert.deepEqual(await state(pb), ['FT_ACTIVE', 'ftm', 200]);
  });
});
