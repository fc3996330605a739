/**
 * The write path: group commit (concurrent flushes share one fsync per file),
 * flush resolving only once the bytes are in the file, -file_sync=false with
 * the auto-sync task, and CRC polynomials.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeMsg } from '../../../src/protocol/stan-msg.js';
import { crc32For } from '../../../src/stores/file/crc32.js';
import { FileStore } from '../../../src/stores/file/index.js';
import { PLAIN_FS_IO, setFileIO } from '../../../src/stores/file/io.js';
import type { ServerInfo } from '../../../src/stores/store.js';
import { silentLogger } from '../../../src/util/logger.js';
import { tempDir } from './helpers.js';


const info: ServerInfo = {
  clusterId: 'c', discovery: 'd', publish: 'p', subscribe: 's', unsubscribe: 'u', close: 'x', subClose: 'sc', acksSubs: 'a', nodeId: '',
};
const T0 = 1_700_000_000_000_000_000n;

/** Counts fdatasync calls made through the store's I/O seam (its only data sync). */
let syncs = 0;

describe('file store: write path', () => {
  beforeEach(() => {
    syncs = 0;
    setFileIO({
      ...PLAIN_FS_IO,
      fdatasync: (fd, cb) => {
        syncs++;
        PLAIN_FS_IO.fdatasync(fd, cb);
      },
    });
  });
  afterEach(() => setFileIO(null));

  it('group commit: 200 concurrent publish+flush share one fsync per file, each resolved after its bytes are written', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const store = await FileStore.open({ dir }, silentLogger);
      await store.init(info);
      const { msgs } = await store.createChannel('foo');
      const dat = path.join(dir, 'foo', 'msgs.1.dat');
      syncs = 0;
      const flushes: Promise<void>[] = [];
      for (let i = 1; i <= 200; i++) {
        msgs.store(makeMsg(i, 'foo', '', Buffer.from(`m${i}`), T0 + BigInt(i)));
        flushes.push(msgs.flush());
      }
      await Promise.all(flushes);
      assert.equal(syncs, 2, 'one fdatasync for msgs.1.dat, one for msgs.1.idx');
      const size200 = fs.statSync(dat).size;

      // more publishers while that batch is on its way: one more round, not one per flush
      syncs = 0;
      const late: Array<Promise<number>> = [];
      for (let i = 201; i <= 260; i++) {
        msgs.store(makeMsg(i, 'foo', '', Buffer.from(`m${i}`), T0 + BigInt(i)));
        const want = (msgs as unknown as { write: { dat: { size: number } } }).write.dat.size;
        late.push(msgs.flush().then(() => fs.statSync(dat).size - want));
        if (i === 230) await new Promise((r) => setImmediate(r));
      }
      for (const shortBy of await Promise.all(late)) assert.ok(shortBy >= 0, 'flush resolved before its bytes were in the file');
      assert.ok(syncs >= 2 && syncs <= 4, `${syncs} fdatasync calls for 60 flushes`);
      assert.ok(fs.statSync(dat).size > size200);
      await store.close();
    } finally {
      await cleanup();
    }
  });

  it('-file_sync=false: flush writes without fsync; the auto-sync task syncs later', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const store = await FileStore.open({ dir, sync: false, autoSync: 30 }, silentLogger);
      await store.init(info);
      const { msgs, subs } = await store.createChannel('foo');
      syncs = 0;
      msgs.store(makeMsg(1, 'foo', '', Buffer.from('one'), T0));
      await msgs.flush();
      assert.equal(syncs, 0);
      assert.ok(fs.statSync(path.join(dir, 'foo', 'msgs.1.dat')).size > 4, 'written at flush');
      subs.addSeqPending(1, 1);
      await subs.flush();
      assert.equal(syncs, 0);
      const end = Date.now() + 3000;
      while (syncs < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      assert.ok(syncs >= 3, `auto sync ran (${syncs} fdatasync calls: msgs .dat/.idx, subs.dat)`);
      await store.close();
    } finally {
      await cleanup();
    }
  });

  it('CRC-32: IEEE by default, other polynomials as Go builds them', async () => {
    const check = Buffer.from('123456789');
    assert.equal(crc32For(0xedb88320)(check), 0xcbf43926);
    assert.equal(crc32For(0x82f63b78)(check), 0xe3069283); // Castagnoli
    const { dir, cleanup } = await tempDir();
    try {
      const store = await FileStore.open({ dir, crcPoly: 0x82f63b78 }, silentLogger);
      await store.init(info);
      const { msgs } = await store.createChannel('foo');
      msgs.store(makeMsg(1, 'foo', '', Buffer.from('castagnoli'), T0));
      await msgs.flush();
      await store.close();
      const b = fs.readFileSync(path.join(dir, 'foo', 'msgs.1.dat'));
      assert.equal(b.readUInt32LE(8), crc32For(0x82f63b78)(b.subarray(12)));
      const same = await FileStore.open({ dir, crcPoly: 0x82f63b78 }, silentLogger);
      assert.equal((await same.recover())!.channels.get('foo')!.channel.msgs.lastSequence(), 1);
      await same.close();
      const other = await FileStore.open({ dir }, silentLogger);
      await assert.rejects(other.recover(), /corrupted data/);
      await other.close();
    } finally {
      await cleanup();
    }
  });
});
