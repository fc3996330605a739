/**
 * Cost of encryption at rest and of fsck on the file store, through the store API
 * (no network): stores N messages (flushing every 1,000, fsync on), reads them back
 * in batches, with and without `--encrypt` (AES and CHACHA), then times
 * `natstream fsck` on the plain store. Prints rates and the ratio to the plain store.
 *
 *   npx tsc -p . && node dist/bench/crypto-store.js [messages=100000] [size=128]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runFsck } from '../src/fsck/main.js';
import { makeMsg } from '../src/protocol/stan-msg.js';
import { CryptoStore } from '../src/stores/crypto/crypto-store.js';
import { FileStore } from '../src/stores/file/index.js';
import type { Store } from '../src/stores/store.js';
import { silentLogger } from '../src/util/logger.js';

const N = Number(process.argv[2] ?? 100_000);
const SIZE = Number(process.argv[3] ?? 128);
const info = {
  clusterId: 'bench', discovery: 'd', publish: 'p', subscribe: 's', unsubscribe: 'u', close: 'c', subClose: 'sc',
  acksSubs: 'a', nodeId: '',
};

async function run(cipher: string | null, dir: string): Promise<{ write: number; read: number }> {
  const fileStore = await FileStore.open({ dir }, silentLogger);
  const store: Store = cipher === null ? fileStore : new CryptoStore(fileStore, { cipher, key: 'bench key' }, {});
  await store.init(info);
  const ch = await store.createChannel('bench');
  const data = Buffer.alloc(SIZE, 0x61);
  const t0 = performance.now();
  for (let i = 1; i <= N; i++) {
    ch.msgs.store(makeMsg(i, 'bench', '', data, BigInt(i)));
    if (i % 1000 === 0) await ch.msgs.flush();
  }
  await ch.msgs.flush();
  const t1 = performance.now();
  let read = 0;
  for (let seq = 1; seq <= N;) {
    const batch = await ch.msgs.lookupRange(seq, N, 4096);
    read += batch.length;
    seq = batch[batch.length - 1].sequence + 1;
  }
  const t2 = performance.now();
  if (read !== N) throw new Error(`read ${read} of ${N}`);
  await store.close();
  return { write: N / ((t1 - t0) / 1000), read: N / ((t2 - t1) / 1000) };
}

const root = mkdtempSync(path.join(tmpdir(), 'natstream-bench-crypto-'));
try {
  const plain = await run(null, path.join(root, 'plain'));
  const rows: Array<[string, { write: number; read: number }]> = [['plain', plain]];
  for (const c of ['AES', 'CHACHA']) rows.push([c, await run(c, path.join(root, c))]);
  console.log(`file store, ${N} messages of ${SIZE} B (store + flush every 1,000 with fsync; read back in batches of 4,096)`);
  for (const [name, r] of rows) {
    console.log(`${name.padEnd(7)} write ${Math.round(r.write).toString().padStart(8)} msgs/s (${(r.write / plain.write).toFixed(2)}x plain)` +
      `   read ${Math.round(r.read).toString().padStart(8)} msgs/s (${(r.read / plain.read).toFixed(2)}x plain)`);
  }
  const t = performance.now();
  const code = await runFsck(['--dir', path.join(root, 'plain')], { out: () => undefined, err: (s) => process.stderr.write(s) });
  const s = (performance.now() - t) / 1000;
  console.log(`fsck    ${N} messages checked in ${s.toFixed(2)} s (${Math.round(N / s)} records/s), exit ${code}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
