/** Dead letters on the JETSTREAM store: delivery counts survive a restart (KV bucket STAN_<cluster>__deliveries). */
import { after, before, describe } from 'node:test';

import { JsCluster, NATS_SERVER_BINARY } from '../support/js-cluster.js';
import { restartCase } from './dead-letter-suite.js';

describe('dead letters: JETSTREAM store', { skip: NATS_SERVER_BINARY ? false : 'nats-server is not installed' }, () => {
  let cluster: JsCluster;
  before(async () => { cluster = await JsCluster.start(1); });
  after(async () => { await cluster?.stop(); });
  restartCase(async () => ({ type: 'JETSTREAM' }), () => ({ natsServerUrl: cluster.urls }));
});
