/**
 * Bad input at start-up: streams altered by hand and KV records that do not
 * decode are reported clearly (the start fails naming what is wrong, or the
 * stream's limits are reported and set back), nothing is dropped silently.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { makeMsg } from '../../../src/protocol/stan-msg.js';
import { createStore } from '../../../src/stores/factory.js';
import { bucketName, streamName } from '../../../src/stores/jetstream/names.js';
import { DEFAULT_STORE_LIMITS } from '../../../src/stores/limits.js';
import type { ServerInfo, Store } from '../../../src/stores/store.js';
import type { Logger } from '../../../src/util/logger.js';
import { silentLogger } from '../../../src/util/logger.js';
import { NATS_SERVER_BINARY, useJsCluster } from '../../support/js-cluster.js';
import { removeClusterData } from './helpers.js';

const info = (cid: string): ServerInfo => ({
  clusterId: cid, discovery: `_STAN.discover.${cid}`, publish: 'p', subscribe: 's', unsubscribe: 'u', close: 'c',
  subClose: 'sc', acksSubs: 'a', nodeId: '',
});

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warn: (m: string) => { warnings.push(m); }, warnings };
}

describe('JETSTREAM store: bad input at start-up', { skip: NATS_SERVER_BINARY ? false : 'nats-server is not installed' }, () => {
  const js = useJsCluster(1);
  let n = 0;

  /** A store of a new cluster ID with channel `foo` holding 3 messages, closed. */
  async function seeded(): Promise<{ cid: string; open: (logger?: Logger) => Promise<Store> }> {
    const cid = `bad-${++n}`;
    const open = (logger: Logger = silentLogger) => createStore('jetstream', { jetstream: { servers: js.cluster.urls, clusterId: cid } }, logger);
    const s = await open();
    await s.init(info(cid));
    const { msgs } = await s.createChannel('foo');
    for (let i = 1; i <= 3; i++) msgs.store(makeMsg(i, 'foo', '', Buffer.from(`m${i}`), BigInt(i)));
    await msgs.flush();
    await s.close();
    return { cid, open };
  }

  it('a stream whose subjects were changed by hand fails the start, naming the stream', async () => {
    const { cid, open } = await seeded();
    const jsm = await js.nc.jetstreamManager();
    const name = streamName(cid, 'foo');
    const si = await jsm.streams.info(name);
    await jsm.streams.update(name, { ...si.config, subjects: ['elsewhere.>'] });
    const s = await open();
    try {
      await assert.rejects(s.recover(), (err: Error) => {
        assert.match(err.message, new RegExp(`stream ${name} of channel "foo" cannot be used: subjects are \\["elsewhere\\.>"\\], natstream needs exactly \\["stan\\.${cid}\\.foo"\\]`));
        return true;
      });
    } finally {
      await s.close();
      await removeClusterData(js.nc, cid);
    }
  });

  it('a stream whose limits were changed by hand is reported and set back; its messages are kept', async () => {
    const { cid, open } = await seeded();
    const jsm = await js.nc.jetstreamManager();
    const name = streamName(cid, 'foo');
    const si = await jsm.streams.info(name);
    await jsm.streams.update(name, { ...si.config, max_msgs: 50_000 });
    const logger = recordingLogger();
    const s = await open(logger);
    try {
      s.setLimits({ ...DEFAULT_STORE_LIMITS });
      const state = await s.recover();
      assert.equal(state!.channels.get('foo')!.channel.msgs.state().msgs, 3);
      assert.equal(logger.warnings.length, 1);
      assert.match(logger.warnings[0], new RegExp(`Stream ${name} of channel "foo" has other limits than configured \\(max_msgs: 50000 -> 1000000\\)`));
      assert.equal((await jsm.streams.info(name)).config.max_msgs, 1_000_000);
    } finally {
      await s.close();
      await removeClusterData(js.nc, cid);
    }
  });

  it('a KV record that does not decode fails the start, naming the key', async () => {
    const { cid, open } = await seeded();
    const kv = await js.nc.jetstream().views.kv(bucketName(cid));
    await kv.put('clients.c1', new TextEncoder().encode('{"id": "c1", "hbInbox": 7}'));
    await kv.put('subs.foo.1', new TextEncoder().encode('not json'));
    const s = await open();
    try {
      await assert.rejects(s.recover(), /KV key (clients\.c1 does not decode: field "hbInbox" is not a string|subs\.foo\.1 does not decode: not JSON)/);
    } finally {
      await s.close();
      await removeClusterData(js.nc, cid);
    }
  });

  it('a stream message whose STAN headers do not decode fails the start, naming the stream and sequence', async () => {
    const { cid, open } = await seeded();
    const { headers } = await import('nats');
    const h = headers();
    h.set('Stan-Timestamp', 'yesterday');
    await js.nc.jetstream().publish(`stan.${cid}.foo`, new Uint8Array([1]), { headers: h });
    const s = await open();
    try {
      await assert.rejects(s.recover(), new RegExp(`stream ${streamName(cid, 'foo')}: message 4: header Stan-Timestamp "yesterday" is not a timestamp`));
    } finally {
      await s.close();
      await removeClusterData(js.nc, cid);
    }
  });
});
