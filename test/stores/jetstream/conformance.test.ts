/**
 * The shared store conformance suite on the JETSTREAM store, on a real 3-node
 * nats-server cluster with JetStream (R3 streams and bucket). Each test gets a
 * cluster ID of its own, whose streams and bucket are removed afterwards.
 */
import { describe } from 'node:test';

import { createStore } from '../../../src/stores/factory.js';
import { silentLogger } from '../../../src/util/logger.js';
import { NATS_SERVER_BINARY, useJsCluster } from '../../support/js-cluster.js';
import { runStoreConformance } from '../conformance.js';
import { removeClusterData } from './helpers.js';

describe('JETSTREAM store', { skip: NATS_SERVER_BINARY ? false : 'nats-server is not installed' }, () => {
  const js = useJsCluster(3);
  let n = 0;

  runStoreConformance('jetstream', async () => {
    const clusterId = `conf-${process.pid}-${++n}`;
    const open = () => createStore('jetstream', { jetstream: { servers: js.cluster.urls, clusterId } }, silentLogger);
    return { store: await open(), reopen: open, cleanup: () => removeClusterData(js.nc, clusterId) };
  }, { persistent: true, name: 'JETSTREAM' });
});
