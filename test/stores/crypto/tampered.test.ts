/**
 * A message that does not authenticate (altered ciphertext with a valid record
 * CRC) in an encrypted file store: the server starts (the newest message proves the
 * key), reports the message once with the Go library's error (log and
 * /streaming/storez) and skips it; the durable that had it pending and a new
 * subscriber get every other message.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { FsckExit, runFsck } from '../../../src/fsck/main.js';
import { startServer, type RunningServer } from '../../../src/index.js';
import { Inbox, captureLogger, closeStan, connectStan, publish, type Stan } from '../../streaming/harness.js';
import { crc32Ieee, parseRecordFile, protoFields, tempDir } from '../file/helpers.js';

function start(dir: string, logs = captureLogger()): Promise<RunningServer> {
  return startServer({
    port: 0, host: '127.0.0.1', clusterId: 'tamper', streamingLogger: logs,
    store: { type: 'FILE', dir, encryption: { cipher: 'AES', key: 'tamper key' } },
  });
}

async function durable(sc: Stan): Promise<Inbox> {
  const o = sc.subscriptionOptions().setDurableName('d').setManualAckMode(true).setDeliverAllAvailable().setAckWait(60_000);
  const sub = sc.subscribe('ch', o);
  const inbox = new Inbox(sub);
  await new Promise<void>((resolve, reject) => { sub.once('ready', resolve); sub.once('error', reject); });
  return inbox;
}

describe('encryption at rest: a message that does not authenticate', () => {
  it('is reported once with the Go error and skipped; every other message is delivered', async () => {
    const { dir, cleanup } = await tempDir('natstream-tamper-');
    let server: RunningServer | undefined;
    let sc: Stan | undefined;
    try {
      server = await start(dir);
      sc = await connectStan(server.natsUrl, 'tamper', 'c');
      const first = await durable(sc);
      for (const d of ['one', 'two', 'three']) await publish(sc, 'ch', d);
      await first.take(3);
      await closeStan(sc); // the durable goes offline with 1..3 pending
      sc = undefined;
      await server.close();
      server = undefined;

      // Alter the tag of message 2 and give its record a valid CRC again.
      const dat = path.join(dir, 'ch', 'msgs.1.dat');
      const buf = fs.readFileSync(dat);
      const rec = parseRecordFile(buf, false)[1];
      const data = protoFields(rec.payload).find(([n]) => n === 4)![1] as Buffer; // a view into buf
      data[data.length - 1] ^= 0x01;
      buf.writeUInt32LE(crc32Ieee(rec.payload), rec.offset + 4);
      fs.writeFileSync(dat, buf);

      const logs = captureLogger();
      server = await start(dir, logs);
      sc = await connectStan(server.natsUrl, 'tamper', 'c');
      const resumed = await durable(sc);
      const again = await resumed.take(2);
      assert.deepEqual(again.map((r) => [r.seq, r.redelivered, r.data.toString()]), [[1, true, 'one'], [3, true, 'three']]);
      const sub = sc.subscribe('ch', sc.subscriptionOptions().setDeliverAllAvailable());
      const all = await new Inbox(sub).take(2);
      assert.deepEqual(all.map((r) => r.data.toString()), ['one', 'three']);

      const reports = logs.lines.filter((l) => l.includes('Unable to read message'));
      assert.deepEqual(reports, ['[ERR] STREAM: Unable to read message 2 of channel "ch": cipher: message authentication failed']);
      assert.deepEqual(server.streaming!.store.damagedRecords!(), [{ channel: 'ch', sequence: 2, error: 'cipher: message authentication failed' }]);
      await closeStan(sc);
      sc = undefined;
      await server.close();
      server = undefined;

      // fsck finds it only with the key, and --repair drops it.
      const run = async (...args: string[]) => {
        let out = '';
        const code = await runFsck(['--dir', dir, ...args], { out: (t) => { out += t; }, err: (t) => { out += t; } }, {});
        return { code, out };
      };
      assert.equal((await run()).code, FsckExit.clean);
      const listed = await run('--encryption_key', 'tamper key');
      assert.equal(listed.code, FsckExit.damaged, listed.out);
      assert.ok(listed.out.includes(`${dat} (channel "ch"): offset ${rec.offset}: message 2: cipher: message authentication failed`), listed.out);
      const wrongKey = await run('--encryption_key', 'another key');
      assert.equal(wrongKey.code, FsckExit.damaged);
      const repaired = await run('--encryption_key', 'tamper key', '--repair');
      assert.equal(repaired.code, FsckExit.repaired, repaired.out);
      assert.equal((await run('--encryption_key', 'tamper key')).code, FsckExit.clean);
      fs.rmSync(/originals copied to (.*)\n/.exec(repaired.out)![1], { recursive: true, force: true });
    } finally {
      if (sc) await closeStan(sc);
      await server?.close();
      await cleanup();
    }
  });
});
