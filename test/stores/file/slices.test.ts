/**
 * Slicing and limits on disk: rotation by count and size, removal of whole old
 * slices (or their archiving through the script), channel deletion, and the
 * automatic slice limits derived from the channel limits.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { makeMsg } from '../../../src/protocol/stan-msg.js';
import { DEFAULT_STORE_LIMITS } from '../../../src/stores/limits.js';
import { FileStore } from '../../../src/stores/file/index.js';
import type { ServerInfo, StoreLimits } from '../../../src/stores/store.js';
import { silentLogger } from '../../../src/util/logger.js';
import { capturingLogger, listFiles, tempDir } from './helpers.js';

const info: ServerInfo = {
  clusterId: 'c', discovery: 'd', publish: 'p', subscribe: 's', unsubscribe: 'u', close: 'x', subClose: 'sc', acksSubs: 'a', nodeId: '',
};
const T0 = 1_700_000_000_000_000_000n;
const limits = (over: Partial<StoreLimits>): StoreLimits => ({ ...DEFAULT_STORE_LIMITS, ...over });
const msg = (seq: number, size = 10) => makeMsg(seq, 'foo', '', Buffer.alloc(size, 97), T0 + BigInt(seq));
const sliceFiles = (dir: string) => listFiles(dir).filter((f) => f.startsWith('foo/msgs.'));

describe('file store: slices', () => {
  it('rotates by count and deletes slices whose messages were all removed by limits', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const store = await FileStore.open({ dir, sliceMaxMsgs: 4 }, silentLogger);
      store.setLimits(limits({ maxMsgs: 6 }));
      await store.init(info);
      const { msgs } = await store.createChannel('foo');
      for (let i = 1; i <= 10; i++) msgs.store(msg(i));
      await msgs.flush();
      // slices: 1..4 (all removed -> deleted), 5..8, 9..10; messages 5..10 kept
      assert.deepEqual(sliceFiles(dir), ['foo/msgs.2.dat', 'foo/msgs.2.idx', 'foo/msgs.3.dat', 'foo/msgs.3.idx']);
      assert.equal(msgs.firstSequence(), 5);
      assert.deepEqual((await msgs.lookupRange(1, 10, 100)).map((m) => m.sequence), [5, 6, 7, 8, 9, 10]);
      await store.close();

      const again = await FileStore.open({ dir, sliceMaxMsgs: 4 }, silentLogger);
      again.setLimits(limits({ maxMsgs: 3 })); // lowered: applied at recovery
      const state = await again.recover();
      const rm = state!.channels.get('foo')!.channel.msgs;
      assert.equal(rm.firstSequence(), 8);
      assert.equal(rm.lastSequence(), 10);
      assert.deepEqual((await rm.lookupRange(1, 10, 100)).map((m) => m.sequence), [8, 9, 10]);
      rm.store(msg(11)); // drops 8, the last message of slice 2
      await rm.flush();
      await again.close();
      assert.deepEqual(sliceFiles(dir), ['foo/msgs.3.dat', 'foo/msgs.3.idx']);
    } finally {
      await cleanup();
    }
  });

  it('rotates by size (payload + 40 bytes a message) and derives slice limits from channel limits', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const one = msg(1, 100).encoded.length + 40;
      const store = await FileStore.open({ dir, sliceMaxBytes: one * 3 }, silentLogger);
      await store.init(info);
      const { msgs } = await store.createChannel('foo');
      for (let i = 1; i <= 7; i++) msgs.store(msg(i, 100));
      await msgs.flush();
      assert.deepEqual(sliceFiles(dir).filter((f) => f.endsWith('.dat')), ['foo/msgs.1.dat', 'foo/msgs.2.dat', 'foo/msgs.3.dat']);
      await store.close();

      // all slice options 0: a quarter of max_msgs (8 -> 2 messages a slice)
      const { dir: dir2, cleanup: cleanup2 } = await tempDir();
      try {
        const s2 = await FileStore.open({ dir: dir2, sliceMaxMsgs: 0, sliceMaxBytes: 0, sliceMaxAge: 0 }, silentLogger);
        s2.setLimits(limits({ maxMsgs: 8, maxBytes: 0 }));
        await s2.init(info);
        const c = await s2.createChannel('foo');
        for (let i = 1; i <= 5; i++) c.msgs.store(msg(i));
        await c.msgs.flush();
        await s2.close();
        assert.deepEqual(sliceFiles(dir2).filter((f) => f.endsWith('.dat')), ['foo/msgs.1.dat', 'foo/msgs.2.dat', 'foo/msgs.3.dat']);
      } finally {
        await cleanup2();
      }
    } finally {
      await cleanup();
    }
  });

  it('archives removed slices through -file_slice_archive_script', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const archive = path.join(dir, 'archive');
      fs.mkdirSync(archive);
      const script = path.join(dir, 'archive.sh');
      fs.writeFileSync(script, `#!/bin/sh\necho "$1" > "${archive}/channel"\nmv "$2" "$3" "${archive}/"\necho archived\n`, { mode: 0o755 });
      const log = capturingLogger();
      const store = await FileStore.open({ dir, sliceMaxMsgs: 2, sliceArchiveScript: script }, log);
      store.setLimits(limits({ maxMsgs: 2 }));
      await store.init(info);
      const { msgs } = await store.createChannel('foo');
      for (let i = 1; i <= 5; i++) msgs.store(msg(i));
      await msgs.flush();
      await store.close(); // waits for the scripts
      assert.deepEqual(fs.readdirSync(archive).sort(), ['channel', 'msgs.1.dat.bak', 'msgs.1.idx.bak']);
      assert.equal(fs.readFileSync(path.join(archive, 'channel'), 'utf8'), 'foo\n');
      assert.ok(log.lines.some((l) => l.includes('Output of archive script for foo') && l.includes('archived')), log.lines.join('\n'));
      assert.ok(!fs.existsSync(path.join(dir, 'foo', 'msgs.1.dat')));
    } finally {
      await cleanup();
    }
  });

  it('deleting a channel removes its directory', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const store = await FileStore.open({ dir }, silentLogger);
      await store.init(info);
      const { msgs } = await store.createChannel('foo');
      msgs.store(msg(1));
      msgs.store(msg(2)); // not flushed: deletion must not need it
      await store.deleteChannel('foo');
      assert.ok(!fs.existsSync(path.join(dir, 'foo')));
      await store.close();
    } finally {
      await cleanup();
    }
  });
});
