/**
 * Fills a file store directory with N messages of 128 B (once: a directory that
 * already holds a store is reused as is), through the FileStore API, as the
 * recovery case of bench/startup.ts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { makeMsg } from '../src/protocol/stan-msg.js';
import { FileStore } from '../src/stores/file/index.js';
import { silentLogger } from '../src/util/logger.js';

export async function fillFileStore(dir: string, messages: number, channels: number): Promise<string> {
  if (existsSync(path.join(dir, 'server.dat'))) return 'reused';
  const t0 = Date.now();
  // No fsync while filling: the bench reads the files back, durability is beside the point.
  const store = await FileStore.open({ dir, sync: false }, silentLogger, {
    limits: { maxChannels: 0, maxSubscriptions: 0, maxMsgs: 0, maxBytes: 0, maxAge: 0, maxInactivity: 0 },
  });
  await store.init({
    clusterId: 'test-cluster', discovery: '_STAN.discover.test-cluster', publish: '_STAN.pub.x', subscribe: '_STAN.sub.x',
    unsubscribe: '_STAN.unsub.x', close: '_STAN.close.x', subClose: '_STAN.subclose.x', acksSubs: '_STAN.acks.x', nodeId: '',
  });
  const data = new Uint8Array(128).fill(120);
  const perChannel = Math.ceil(messages / channels);
  for (let c = 0; c < channels; c++) {
    const name = `bench.${c}`;
    const ch = await store.createChannel(name);
    const ts = BigInt(Date.now()) * 1_000_000n;
    for (let seq = 1; seq <= perChannel && c * perChannel + seq <= messages; seq++) {
      ch.msgs.store(makeMsg(seq, name, '', data, ts + BigInt(seq)));
      if (seq % 50_000 === 0) await ch.msgs.flush();
    }
    await ch.msgs.flush();
  }
  await store.close();
  return `filled with ${messages} messages of 128 B in ${channels} channel(s) in ${Date.now() - t0} ms`;
}
