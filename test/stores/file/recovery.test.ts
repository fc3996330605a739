/**
 * Recovery of damaged directories: torn tails, flipped bytes, zero padding,
 * missing or damaged indexes, and the -file_truncate_bad_eof witness.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { makeMsg, type Msg } from '../../../src/protocol/stan-msg.js';
import { FileStore, FILE_STORE_ERRORS as E, TRUNCATE_WITNESS_FILE, type FileStoreOptions } from '../../../src/stores/file/index.js';
import type { ServerInfo, SubState } from '../../../src/stores/store.js';
import { silentLogger, type Logger } from '../../../src/util/logger.js';
import { capturingLogger, parseRecordFile, tempDir } from './helpers.js';

const info: ServerInfo = {
  clusterId: 'test-cluster', discovery: '_STAN.discover.test-cluster', publish: '_STAN.pub.test-cluster',
  subscribe: '_STAN.sub.test-cluster', unsubscribe: '_STAN.unsub.test-cluster', close: '_STAN.close.test-cluster',
  subClose: '_STAN.subclose.test-cluster', acksSubs: '_STAN.ack.test-cluster', nodeId: '',
};

const T0 = 1_700_000_000_000_000_000n;

function msg(seq: number): Msg {
  return makeMsg(seq, 'foo', '', Buffer.from(`message number ${seq}`), T0 + BigInt(seq));
}

function sub(): SubState {
  return {
    id: 0, clientId: 'c1', qGroup: '', inbox: '_INBOX.i', ackInbox: '_INBOX.a', maxInFlight: 10,
    ackWaitInSecs: 30, durableName: 'dur', lastSent: 0, isDurable: true, isClosed: false,
  };
}

/** A store with channel foo holding messages 1..n and one durable with pending 1..n. */
async function populate(dir: string, n: number, opts: Partial<FileStoreOptions> = {}): Promise<void> {
  const store = await FileStore.open({ dir, ...opts }, silentLogger);
  await store.init(info);
  await store.addClient({ id: 'c1', hbInbox: '_INBOX.hb', connId: Buffer.from('conn'), protocol: 1, pingInterval: 5, pingMaxOut: 3 });
  const foo = await store.createChannel('foo');
  for (let i = 1; i <= n; i++) foo.msgs.store(msg(i));
  await foo.msgs.flush();
  const s = sub();
  await foo.subs.createSub(s);
  for (let i = 1; i <= n; i++) foo.subs.addSeqPending(s.id, i);
  await foo.subs.flush();
  await store.close();
}

async function reopen(dir: string, logger: Logger = silentLogger, opts: Partial<FileStoreOptions> = {}) {
  const store = await FileStore.open({ dir, ...opts }, logger);
  try {
    const state = await store.recover();
    return { store, state };
  } catch (e) {
    await store.close();
    throw e;
  }
}

const datOf = (dir: string) => path.join(dir, 'foo', 'msgs.1.dat');
const idxOf = (dir: string) => path.join(dir, 'foo', 'msgs.1.idx');
/** Offset of the record header of message `seq` (all test messages of one size class). */
function recordOffset(dir: string, seq: number): number {
  return parseRecordFile(fs.readFileSync(datOf(dir)), false)[seq - 1].offset;
}

function flipByte(file: string, pos: number): void {
  const b = fs.readFileSync(file);
  b[pos] ^= 0x5a;
  fs.writeFileSync(file, b);
}

describe('file store: recovery', () => {
  it('a torn last record (cut by hand) fails the start with file and offset; -file_truncate_bad_eof cuts it', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await populate(dir, 5);
      const off5 = recordOffset(dir, 5);
      fs.truncateSync(datOf(dir), fs.statSync(datOf(dir)).size - 3);

      const log = capturingLogger();
      await assert.rejects(reopen(dir, log), { message: E.recoverMsgStore('foo', datOf(dir), E.unexpectedEof) });
      const text = log.lines.join('\n');
      assert.match(text, /Verification of last message for file ".*msgs\.1\.dat" failed/);
      assert.ok(log.lines.includes(`[ERR] Unexpected EOF for file "${datOf(dir)}"`), text);
      assert.ok(log.lines.includes(`[ERR] Bad record in file "${datOf(dir)}" at offset ${off5}`), text);
      assert.ok(log.lines.includes(`[ERR] Restart with the ContinueOnUnexpectedEOF flag to truncate this file to this offset: ${off5}.`));

      const log2 = capturingLogger();
      const { store, state } = await reopen(dir, log2, { truncateBadEof: true });
      const msgs = state!.channels.get('foo')!.channel.msgs;
      assert.equal(msgs.lastSequence(), 4);
      assert.equal(msgs.state().msgs, 4);
      assert.equal(Buffer.from((await msgs.lookup(4))!.data).toString(), 'message number 4');
      assert.ok(log2.lines.includes(`[INF] File "${datOf(dir)}" has been truncated to offset: ${off5}`), log2.lines.join('\n'));
      assert.equal(fs.statSync(datOf(dir)).size, off5);
      assert.ok(fs.existsSync(path.join(dir, TRUNCATE_WITNESS_FILE)));
      await store.close();

      // not twice in a row
      await assert.rejects(FileStore.open({ dir, truncateBadEof: true }, silentLogger), { message: E.truncateConsecutive });
      // a start without the option removes the witness
      const again = await reopen(dir);
      assert.equal(again.state!.channels.get('foo')!.channel.msgs.lastSequence(), 4);
      await again.store.close();
      assert.ok(!fs.existsSync(path.join(dir, TRUNCATE_WITNESS_FILE)));
    } finally {
      await cleanup();
    }
  });

  it('a crash tail after the last index entry is indexed if complete, cut if torn (never acknowledged)', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await populate(dir, 6);
      const idx = fs.readFileSync(idxOf(dir));
      // index lost its last two entries; the data file keeps record 5 whole and half of 6
      fs.writeFileSync(idxOf(dir), idx.subarray(0, 4 + 4 * 32));
      const off6 = recordOffset(dir, 6);
      fs.truncateSync(datOf(dir), off6 + 10);

      const log = capturingLogger();
      const { store, state } = await reopen(dir, log);
      const msgs = state!.channels.get('foo')!.channel.msgs;
      assert.equal(msgs.lastSequence(), 5);
      assert.equal(Buffer.from((await msgs.lookup(5))!.data).toString(), 'message number 5');
      assert.ok(log.lines.some((l) => l.startsWith('[WRN]') && l.includes(`at offset ${off6}`)), log.lines.join('\n'));
      assert.equal(fs.statSync(datOf(dir)).size, off6);
      assert.deepEqual(fs.readFileSync(idxOf(dir)), idx.subarray(0, 4 + 5 * 32), 'index entry 5 rebuilt exactly');
      // carry on writing after the cut
      msgs.store(msg(6));
      await msgs.flush();
      await store.close();
      const again = await reopen(dir);
      const m = again.state!.channels.get('foo')!.channel.msgs;
      assert.equal(m.lastSequence(), 6);
      assert.equal(Buffer.from((await m.lookup(6))!.data).toString(), 'message number 6');
      await again.store.close();
    } finally {
      await cleanup();
    }
  });

  it('a flipped byte: lookups report it once with file and offset and skip it; a rebuild fails the start', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await populate(dir, 5);
      const off3 = recordOffset(dir, 3);
      flipByte(datOf(dir), off3 + 8 + 4);

      // With its index, only the last message is verified at start (as the Go server does).
      const log = capturingLogger();
      const { store, state } = await reopen(dir, log);
      const msgs = state!.channels.get('foo')!.channel.msgs;
      assert.equal(msgs.state().msgs, 5);
      assert.equal(Buffer.from((await msgs.lookupRange(1, 2, 10))[1].data).toString(), 'message number 2');
      assert.equal(await msgs.lookup(3), undefined);
      assert.ok(log.lines.some((l) => /^\[ERR\] Corrupted record in file ".*": corrupted data, expected crc to be 0x[0-9a-f]{8}, got 0x[0-9a-f]{8}$/.test(l)), log.lines.join('\n'));
      assert.ok(log.lines.includes(`[ERR] Bad record in file "${datOf(dir)}" at offset ${off3}`), log.lines.join('\n'));
      assert.equal(Buffer.from((await msgs.lookup(4))!.data).toString(), 'message number 4');
      assert.deepEqual((await msgs.lookupRange(1, 5, 10)).map((m) => m.sequence), [1, 2, 4, 5]);
      assert.equal(msgs.state().msgs, 4, 'the damaged message is no longer counted');
      assert.equal(log.lines.filter((l) => l.includes('Bad record in file')).length, 1, 'reported once');
      assert.deepEqual(store.damagedRecords().map((d) => [d.channel, d.file, d.offset, d.sequence]), [['foo', datOf(dir), off3, 3]]);
      await store.close();

      // Without the index the data file is read whole: the start fails, naming file and offset.
      fs.rmSync(idxOf(dir));
      const log2 = capturingLogger();
      await assert.rejects(reopen(dir, log2), (e: Error) => {
        assert.match(e.message, /^unable to recover message store for \[foo\]\(file: ".*msgs\.1\.dat"\): corrupted data, expected crc to be 0x/);
        return true;
      });
      assert.ok(log2.lines.some((l) => l.startsWith(`[ERR] Corrupted record in file "${datOf(dir)}": corrupted data`)), log2.lines.join('\n'));
      assert.ok(log2.lines.includes(`[ERR] Bad record in file "${datOf(dir)}" at offset ${off3}`));
      assert.ok(fs.existsSync(datOf(dir)), 'nothing deleted');
    } finally {
      await cleanup();
    }
  });

  it('a flipped byte in the last message or in subs.dat fails the start', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await populate(dir, 3);
      const subs = path.join(dir, 'foo', 'subs.dat');
      const recs = parseRecordFile(fs.readFileSync(subs), true);
      flipByte(subs, recs[2].offset + 9);
      await assert.rejects(reopen(dir), (e: Error) => {
        assert.match(e.message, /^unable to recover subscription store for \[foo\]: corrupted data, expected crc to be 0x/);
        return true;
      });
      flipByte(subs, recs[2].offset + 9); // repaired
      const off3 = recordOffset(dir, 3);
      flipByte(datOf(dir), off3 + 12);
      const log = capturingLogger();
      await assert.rejects(reopen(dir, log), /corrupted data/);
      assert.ok(log.lines.some((l) => l.includes('Verification of last message')), log.lines.join('\n'));
    } finally {
      await cleanup();
    }
  });

  it('zero-padded tails are cut and recovery goes on', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await populate(dir, 4);
      const files = [datOf(dir), idxOf(dir), path.join(dir, 'foo', 'subs.dat'), path.join(dir, 'clients.dat')];
      const sizes = files.map((f) => fs.statSync(f).size);
      for (const f of files) fs.appendFileSync(f, Buffer.alloc(100));
      const { store, state } = await reopen(dir);
      assert.equal(state!.channels.get('foo')!.channel.msgs.lastSequence(), 4);
      assert.deepEqual([...state!.channels.get('foo')!.subscriptions[0].pending].sort(), [1, 2, 3, 4]);
      assert.equal(state!.clients.length, 1);
      await store.close();
      assert.deepEqual(files.map((f) => fs.statSync(f).size), sizes);
    } finally {
      await cleanup();
    }
  });

  it('a missing or damaged index is rebuilt from the data file, byte for byte', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await populate(dir, 5);
      const idx = fs.readFileSync(idxOf(dir));
      fs.rmSync(idxOf(dir));
      let r = await reopen(dir);
      assert.equal(r.state!.channels.get('foo')!.channel.msgs.lastSequence(), 5);
      await r.store.close();
      assert.deepEqual(fs.readFileSync(idxOf(dir)), idx);

      flipByte(idxOf(dir), 4 + 32 + 3);
      const log = capturingLogger();
      r = await reopen(dir, log);
      const msgs = r.state!.channels.get('foo')!.channel.msgs;
      assert.equal(Buffer.from((await msgs.lookup(2))!.data).toString(), 'message number 2');
      await r.store.close();
      assert.ok(log.lines.some((l) => l.startsWith(`[ERR] Error with index file "${idxOf(dir)}": corrupted data`) &&
        l.endsWith('Truncating and recovering from data file')), log.lines.join('\n'));
      assert.deepEqual(fs.readFileSync(idxOf(dir)), idx);

      fs.truncateSync(idxOf(dir), idx.length - 7); // torn index entry
      r = await reopen(dir);
      await r.store.close();
      assert.deepEqual(fs.readFileSync(idxOf(dir)), idx);
    } finally {
      await cleanup();
    }
  });

  it('server.dat of the wrong size and unknown file versions are refused with the Go texts', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await populate(dir, 1);
      const server = path.join(dir, 'server.dat');
      const size = fs.statSync(server).size;
      fs.appendFileSync(server, Buffer.from([1]));
      await assert.rejects(reopen(dir), { message: E.recoverServerFile(server, E.incorrectFileSize(size, size + 1)) });
      fs.truncateSync(server, size);
      const b = fs.readFileSync(datOf(dir));
      b.writeUInt32LE(2, 0);
      fs.writeFileSync(datOf(dir), b);
      await assert.rejects(reopen(dir), { message: E.recoverMsgStore('foo', datOf(dir), E.unsupportedVersion(2)) });
    } finally {
      await cleanup();
    }
  });

  it('max_age applies to recovered messages; sequences continue after everything expired', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await populate(dir, 3); // timestamps in 2023: long expired for a 1 h max_age
      const store = await FileStore.open({ dir }, silentLogger);
      store.setLimits({ maxChannels: 100, maxSubscriptions: 1000, maxMsgs: 0, maxBytes: 0, maxAge: 3_600_000, maxInactivity: 0 });
      const state = await store.recover();
      const msgs = state!.channels.get('foo')!.channel.msgs;
      assert.equal(msgs.state().msgs, 0);
      assert.equal(msgs.firstSequence(), 4);
      assert.equal(msgs.lastSequence(), 3);
      await store.close();
    } finally {
      await cleanup();
    }
  });
});
