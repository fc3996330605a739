/**
 * The shared store conformance suite on the JETSTREAM store, on a real 3-node
 * nats-server cluster with JetStream (R3 streams and bucket). Each test gets a
 * cluster ID of its own, whose streams and bucket are removed afterwards.
 */
import { after, before, describe } from 'node:test';

import { connect, type NatsConnection } from 'nats';

import { createStore } from '../../../src/stores/factory.js';
import { silentLogger } from '../../../src/util/logger.js';
import { JsCluster, NATS_SERVER_BINARY } from '../../support/js-cluster.js';
import { runStoreConformance } from '../conformance.js';
import { removeClusterData } from './helpers.js';

describe('JETSTREAM store', { skip: NATS_SERVER_BINARY ? false : 'nats-server is not installed' }, () => {
  let cluster: JsCluster;
  let nc: NatsConnection;
  let n = 0;
  before(async () => {
    cluster = await JsCluster.start(3);
    nc = await connect({ servers: cluster.urls });
  });
  after(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  runStoreConformance('jetstream', async () => {
    const clusterId = `conf-${process.pid}-${++n}`;
    const open = () => createStore('jetstream', { jetstream: { servers: cluster.urls, clusterId } }, silentLogger);
    return { store: await open(), reopen: open, cleanup: () => removeClusterData(nc, clusterId) };
  }, { persistent: true, name: 'JETSTREAM' });
});
