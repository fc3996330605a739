/**
 * `natstream fsck`: the command line (exit statuses, refusal while a server holds
 * the directory) and the record scan's resynchronisation after random damage
 * (seeded): every record the damage did not touch is kept, in order.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scanRecords } from '../../../src/fsck/scan.js';
import { startServer } from '../../../src/index.js';
import { makeMsg } from '../../../src/protocol/stan-msg.js';
import { decodeMsgProto } from '../../../src/protocol/stan-msg.js';
import { crc32For } from '../../../src/stores/file/crc32.js';
import { GO_SAMPLE } from './fixtures/go-sample.js';
import { crc32Ieee, parseRecordFile, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../../../../bin/natstream.js', import.meta.url));
const ENCRYPTED = fileURLToPath(new URL('../../../../test/fixtures/go-encrypted-stores.tgz', import.meta.url));

function natstream(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? -1 : 0, out: stdout + stderr });
    });
  });
}

/** A message log of n records, framed by hand (the test's own CRC). */
function messageLog(n: number): { buf: Buffer; offsets: number[] } {
  const parts: Buffer[] = [Buffer.from([1, 0, 0, 0])];
  const offsets: number[] = [];
  let off = 4;
  for (let seq = 1; seq <= n; seq++) {
    const payload = Buffer.from(makeMsg(seq, 'chan', '', Buffer.from(`data of message ${seq} `.repeat(1 + (seq % 4))), 1n).encoded);
    const head = Buffer.alloc(8);
    head.writeUInt32LE(payload.length, 0);
    head.writeUInt32LE(crc32Ieee(payload), 4);
    parts.push(head, payload);
    offsets.push(off);
    off += 8 + payload.length;
  }
  return { buf: Buffer.concat(parts), offsets };
}

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('natstream fsck', () => {
  it('keeps every record random damage did not touch (seeded)', () => {
    const crc32 = crc32For(0xedb88320);
    const rounds = Number(process.env.NATSTREAM_FSCK_ROUNDS ?? 200);
    for (let round = 0; round < rounds; round++) {
      const rnd = prng(round + 1);
      const { buf, offsets } = messageLog(60);
      const ends = offsets.map((o, i) => (i + 1 < offsets.length ? offsets[i + 1] : buf.length));
      const original = Buffer.from(buf);
      for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
        const at = 4 + Math.floor(rnd() * (buf.length - 4));
        const len = rnd() < 0.5 ? 1 : 1 + Math.floor(rnd() * 60);
        for (let p = at; p < Math.min(buf.length, at + len); p++) buf[p] = rnd() < 0.5 ? 0 : buf[p] ^ (1 + Math.floor(rnd() * 255));
      }
      // a record is touched when one of its bytes changed (zeroing a zero byte changes nothing)
      const touched = new Set<number>();
      offsets.forEach((o, i) => { if (!buf.subarray(o, ends[i]).equals(original.subarray(o, ends[i]))) touched.add(i + 1); });
      let last = 0;
      const scan = scanRecords(buf, false, crc32, (_t, payload) => {
        try {
          const seq = decodeMsgProto(payload).sequence;
          if (seq <= last) return 'out of order';
          last = seq;
          return null;
        } catch {
          return 'not a MsgProto';
        }
      });
      const kept = scan.records.map((r) => decodeMsgProto(buf.subarray(r.offset + 8, r.end)).sequence);
      const intact = Array.from({ length: 60 }, (_, i) => i + 1).filter((s) => !touched.has(s));
      assert.deepEqual(kept, intact, `round ${round}`);
      assert.ok(scan.damage.length > 0 || touched.size === 0, `round ${round}: damage listed`);
    }
  });

  it('finds nothing wrong in the directories the Go server wrote (the sample, both encrypted stores with their key)', async () => {
    const { dir, cleanup } = await tempDir('natstream-fsck-go-');
    try {
      for (const [name, hex] of Object.entries(GO_SAMPLE)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), Buffer.from(hex, 'hex'));
      }
      const sample = await natstream('fsck', '--dir', dir);
      assert.equal(sample.code, 0, sample.out);
      execFileSync('tar', ['xzf', ENCRYPTED, '-C', dir]);
      for (const c of ['AES', 'CHACHA']) {
        const r = await natstream('fsck', '--dir', path.join(dir, `enc-${c}`), '--encryption_key', 's3cret-master-key');
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /^8 file\(s\) checked, no damage\n$/);
      }
    } finally {
      await cleanup();
    }
  });

  it('command line: exit 0 when clean, 4 with damage, 16 on a usage error, 8 while a server holds the directory', async () => {
    const { dir, cleanup } = await tempDir('natstream-fsck-');
    const server = await startServer({ port: 0, host: '127.0.0.1', store: { type: 'FILE', dir } });
    try {
      await server.streaming!.store.createChannel('c').then(async (ch) => {
        for (let i = 1; i <= 5; i++) ch.msgs.store(makeMsg(i, 'c', '', Buffer.from(`m${i}`), 1n));
        await ch.msgs.flush();
      });
      const busy = await natstream('fsck', '--dir', dir, '--repair');
      assert.equal(busy.code, 8, busy.out);
      assert.match(busy.out, /is in use by a server \(pid \d+ on .*\); stop it first/);
      await server.close();

      const clean = await natstream('fsck', '--dir', dir);
      assert.equal(clean.code, 0, clean.out);
      assert.match(clean.out, /file\(s\) checked, no damage/);

      const dat = path.join(dir, 'c', 'msgs.1.dat');
      const recs = parseRecordFile(fs.readFileSync(dat), false);
      const b = fs.readFileSync(dat);
      b[recs[2].offset + 9] ^= 0xff;
      fs.writeFileSync(dat, b);
      const bad = await natstream('fsck', '--dir', dir);
      assert.equal(bad.code, 4, bad.out);
      assert.ok(bad.out.includes(`${dat} (channel "c"): offset ${recs[2].offset}: corrupted data, expected crc to be 0x`), bad.out);

      const usage = await natstream('fsck', '--bogus');
      assert.equal(usage.code, 16);
      assert.match(usage.out, /Usage: natstream fsck --dir <dir>/);
    } finally {
      await server.close();
      await cleanup();
    }
  });
});
