/**
 * The HA manifests (infra/k8s/ha/), checked for consistency and run for real:
 * the natstream Deployment's container args, with only the NATS URL and the
 * SQL source remapped to the test's 3-node nats-server cluster and PostgreSQL,
 * give one active server and one standby in one FT group.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

import { startTestDatabase, type TestDatabase } from '../support/databases.js';
import { NATS_SERVER_BINARY, startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { NatstreamProcess } from '../support/natstream-process.js';
import { closeStan, connectStan, publish } from '../streaming/harness.js';
import { get } from '../monitor/support.js';
import { freePort } from '../support/ports.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const manifest = (file: string): any[] => parseAllDocuments(readFileSync(root + file, 'utf8')).map((d) => d.toJS());

describe('Kubernetes HA manifests', () => {
  it('the nats-server StatefulSet routes to each of its own pods through its headless Service', () => {
    const docs = manifest('infra/k8s/ha/nats-cluster.yaml');
    const sts = docs.find((d) => d.kind === 'StatefulSet');
    const headless = docs.find((d) => d.kind === 'Service' && d.spec.clusterIP === 'None');
    assert.equal(sts.spec.serviceName, headless.metadata.name);
    assert.equal(sts.spec.replicas, 3);
    const conf: string = docs.find((d) => d.kind === 'ConfigMap').data['nats.conf'];
    const routes = [...conf.matchAll(/nats:\/\/([a-z0-9-]+)\.([a-z0-9-]+):6222/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(routes, [0, 1, 2].map((i) => [`${sts.metadata.name}-${i}`, headless.metadata.name]));
    assert.ok(docs.some((d) => d.kind === 'Service' && d.metadata.name === 'nats-srv'), 'the Service applications use');
  });

  describe('the natstream FT Deployment, run with its args', { skip: NATS_SERVER_BINARY ? false : 'nats-server is not installed (.ci/run installs it)' }, () => {
    let cluster: NatsCluster;
    let db: TestDatabase;
    const procs: NatstreamProcess[] = [];
    before(async () => {
      cluster = await startNatsCluster(3);
      db = await startTestDatabase('postgres');
      await db.reset();
    });
    after(async () => {
      await Promise.all(procs.map((p) => p.kill()));
      await cluster?.stop();
      await db?.shutdown();
    });

    it('two replicas: one active, one standby; clients of the cluster are served', { timeout: 30_000 }, async () => {
      const depl = manifest('infra/k8s/ha/natstream-ft.yaml').find((d) => d.kind === 'Deployment');
      assert.equal(depl.spec.replicas, 2);
      const args: string[] = depl.spec.template.spec.containers[0].args;
      assert.ok(args.includes('--ft_group'));
      const probe = depl.spec.template.spec.containers[0].livenessProbe.httpGet;
      const ports = [await freePort(), await freePort()];
      const run = (monitorPort: number) => args.map((a, i) =>
        (args[i - 1] === '-ns' ? cluster.urls : args[i - 1] === '-m' ? String(monitorPort) : a === '$(SQL_SOURCE)' ? db.source : a));
      const a = new NatstreamProcess('replica-1', run(ports[0]!));
      procs.push(a);
      await a.waitFor('Streaming Server is ready', 15_000);
      const b = new NatstreamProcess('replica-2', run(ports[1]!));
      procs.push(b);
      await b.waitFor('Starting in standby mode', 15_000);
      for (const [port, state] of [[ports[0]!, 'FT_ACTIVE'], [ports[1]!, 'FT_STANDBY']] as const) {
        const r = await get(port, probe.path);
        assert.equal(r.status, 200, 'the liveness probe passes on the active and the standby');
        assert.equal(JSON.parse(r.body).state, state);
      }
      const sc = await connectStan(cluster.nodes[1]!.url, 'ticketing', 'k8s-client');
      try {
        assert.ok(await publish(sc, 'ticket:created', '{"id":"t1"}'));
      } finally {
        await closeStan(sc);
      }
      assert.doesNotMatch(b.output, /Server is active/);
    });
  });
});
