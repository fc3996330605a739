/**
 * Encryption at rest on the file store (issue 15 item 7): stores the Go server
 * 0.25.3 encrypted (AES and CHACHA, test/fixtures/go-encrypted-stores.tgz, contents
 * in ../shared/spec/captures/scale-out-go.md) open in natstream with the same key;
 * what natstream encrypts is the Go byte format (checked by an independent
 * decoder) and reads back; a wrong key fails with the Go library's error; the key
 * shows up in no log line and no monitoring document.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../../../src/index.js';
import { Inbox, captureLogger, closeStan, connectStan, publish, type Stan } from '../../streaming/harness.js';
import { parseRecordFile, protoFields, tempDir } from '../file/helpers.js';
import { specOpen } from './spec-decoder.js';

const FIXTURE = fileURLToPath(new URL('../../../../test/fixtures/go-encrypted-stores.tgz', import.meta.url));
const GO_KEY = 's3cret-master-key';

async function start(dir: string, cipher: string, key: string, logs = captureLogger()): Promise<RunningServer> {
  return startServer({
    port: 0, host: '127.0.0.1', clusterId: 'ticketing', store: { type: 'FILE', dir, encryption: { cipher, key } },
    monitor: { host: '127.0.0.1', port: 0 }, streamingLogger: logs, logger: logs,
  });
}

async function listen(sc: Stan, channel: string, qGroup: string | null, o: unknown): Promise<Inbox> {
  const sub = qGroup === null ? sc.subscribe(channel, o) : sc.subscribe(channel, qGroup, o);
  const inbox = new Inbox(sub);
  await new Promise<void>((resolve, reject) => { sub.once('ready', resolve); sub.once('error', reject); });
  return inbox;
}

/** The data field of every record of a message log, by sequence. */
function storedData(file: string): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (const r of parseRecordFile(fs.readFileSync(file), false)) {
    const f = protoFields(r.payload);
    const seq = Number(f.find(([n]) => n === 1)![1]);
    const data = f.find(([n]) => n === 4)?.[1] as Buffer | undefined;
    out.set(seq, data ?? Buffer.alloc(0));
  }
  return out;
}

async function monitoringText(server: RunningServer): Promise<string> {
  const paths = ['/varz', '/streaming/serverz', '/streaming/storez', '/streaming/channelsz?subs=1', '/streaming/clientsz?subs=1'];
  const bodies = await Promise.all(paths.map(async (p) => (await fetch(`${server.monitorUrl}${p}`)).text()));
  return bodies.join('\n');
}

for (const cipher of ['AES', 'CHACHA']) {
  describe(`encryption at rest: the Go server's ${cipher} store`, () => {
    it('delivers the recorded messages and resumes the durable queue with 4 and 5', async () => {
      const { dir: tmp, cleanup } = await tempDir('natstream-enc-');
      let server: RunningServer | undefined;
      let sc: Stan | undefined;
      try {
        execFileSync('tar', ['xzf', FIXTURE, '-C', tmp]);
        const dir = path.join(tmp, `enc-${cipher}`);
        // The independent decoder reads the Go files: the format is the one the spec describes.
        const goData = storedData(path.join(dir, 'ticket:created', 'msgs.1.dat'));
        const opened = specOpen(GO_KEY, 'ticket:created', goData.get(1)!);
        assert.equal(opened.code, cipher === 'AES' ? 1 : 2);
        assert.equal(opened.clear.toString(), '{"id":"t1","price":10}');

        const logs = captureLogger();
        server = await start(dir, cipher.toLowerCase(), GO_KEY, logs);
        sc = await connectStan(server.natsUrl, 'ticketing', 'reader');
        const tickets = await (await listen(sc, 'ticket:created', null, sc.subscriptionOptions().setDeliverAllAvailable())).take(5);
        assert.deepEqual(tickets.map((r) => [r.seq, r.data.toString()]),
          [1, 2, 3, 4, 5].map((i) => [i, `{"id":"t${i}","price":${i * 10}}`]));
        const orders = await (await listen(sc, 'order:created', null, sc.subscriptionOptions().setDeliverAllAvailable())).take(2);
        assert.deepEqual(orders.map((r) => [r.seq, r.data.toString()]), [[1, ''], [2, 'plain text']]);

        const qo = sc.subscriptionOptions().setDurableName('orders-service').setManualAckMode(true).setDeliverAllAvailable();
        const queue = await listen(sc, 'ticket:created', 'orders-service', qo);
        const again = await queue.take(2);
        assert.deepEqual(again.map((r) => [r.seq, r.redelivered, r.data.toString()]),
          [[4, true, '{"id":"t4","price":40}'], [5, true, '{"id":"t5","price":50}']]);

        const seen = logs.lines.join('\n') + (await monitoringText(server));
        assert.ok(!seen.includes(GO_KEY), 'the key is never logged or shown');
      } finally {
        if (sc) await closeStan(sc);
        await server?.close();
        await cleanup();
      }
    });

    it('a wrong key fails the start with the Go library\'s error', async () => {
      const { dir: tmp, cleanup } = await tempDir('natstream-enc-');
      try {
        execFileSync('tar', ['xzf', FIXTURE, '-C', tmp]);
        const expected = cipher === 'AES' ? 'cipher: message authentication failed' : 'chacha20poly1305: message authentication failed';
        await assert.rejects(start(path.join(tmp, `enc-${cipher}`), cipher, 'not-the-key'), (e: Error) => {
          assert.ok(e.message.endsWith(expected), e.message);
          assert.ok(e.message.includes('ticket:created') || e.message.includes('order:created'), e.message);
          return true;
        });
      } finally {
        await cleanup();
      }
    });
  });
}

describe('encryption at rest: what natstream writes', () => {
  it('is the Go byte format (nonce counter from last sequence + 1) and reads back after a restart; the environment key wins', async () => {
    const { dir, cleanup } = await tempDir('natstream-enc-');
    let server: RunningServer | undefined;
    let sc: Stan | undefined;
    const key = 'natstream key ✓';
    const saved = process.env.NATS_STREAMING_ENCRYPTION_KEY;
    try {
      const logs = captureLogger();
      server = await start(dir, 'CHACHA', key, logs);
      sc = await connectStan(server.natsUrl, 'ticketing', 'writer');
      for (const d of ['one', '', 'three', 'four']) await publish(sc, 'rt.chan', d);
      const seen = logs.lines.join('\n') + (await monitoringText(server));
      assert.ok(!seen.includes(key));
      await closeStan(sc);
      sc = undefined;
      await server.close();
      server = undefined;

      const dat = path.join(dir, 'rt.chan', 'msgs.1.dat');
      let stored = storedData(dat);
      assert.equal(stored.get(2)!.length, 0, 'empty data stays empty');
      const counters: bigint[] = [];
      for (const [seq, clear] of [[1, 'one'], [3, 'three'], [4, 'four']] as const) {
        const o = specOpen(key, 'rt.chan', stored.get(seq)!);
        assert.equal(o.code, 2);
        assert.equal(o.clear.toString(), clear);
        assert.equal(stored.get(seq)!.length, 1 + 12 + clear.length + 16);
        counters.push(o.nonce.readBigUInt64BE(4));
      }
      assert.deepEqual(counters, [1n, 2n, 3n], 'last 8 nonce bytes: last sequence + 1, counting up per encrypted message');

      // Restart: the flag's key is wrong, the environment's wins (as in the Go server).
      process.env.NATS_STREAMING_ENCRYPTION_KEY = key;
      server = await start(dir, 'AES', 'wrong key');
      sc = await connectStan(server.natsUrl, 'ticketing', 'reader');
      await publish(sc, 'rt.chan', 'five');
      const all = await (await listen(sc, 'rt.chan', null, sc.subscriptionOptions().setDeliverAllAvailable())).take(5);
      assert.deepEqual(all.map((r) => r.data.toString()), ['one', '', 'three', 'four', 'five']);
      await closeStan(sc);
      sc = undefined;
      await server.close();
      server = undefined;
      stored = storedData(dat);
      const five = specOpen(key, 'rt.chan', stored.get(5)!);
      assert.equal(five.code, 1, 'new messages use the cipher now chosen; old ones keep theirs');
      assert.equal(five.nonce.readBigUInt64BE(4), 5n);
    } finally {
      if (saved === undefined) delete process.env.NATS_STREAMING_ENCRYPTION_KEY;
      else process.env.NATS_STREAMING_ENCRYPTION_KEY = saved;
      if (sc) await closeStan(sc);
      await server?.close();
      await cleanup();
    }
  });

  it('wraps the memory store too', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1', clusterId: 'mem', store: { encryption: { cipher: 'AES', key: 'k' } } });
    let sc: Stan | undefined;
    try {
      sc = await connectStan(server.natsUrl, 'mem', 'c');
      await publish(sc, 'm', 'hello');
      const got = await (await listen(sc, 'm', null, sc.subscriptionOptions().setDeliverAllAvailable())).take(1);
      assert.equal(got[0].data.toString(), 'hello');
    } finally {
      if (sc) await closeStan(sc);
      await server.close();
    }
  });

  it('refuses an unknown cipher and a missing key with the Go texts', async () => {
    const saved = process.env.NATS_STREAMING_ENCRYPTION_KEY;
    delete process.env.NATS_STREAMING_ENCRYPTION_KEY;
    try {
      await assert.rejects(startServer({ port: 0, host: '127.0.0.1', store: { encryption: { cipher: 'DES', key: 'k' } } }), /^Error: encryption cipher not supported$/);
      await assert.rejects(startServer({ port: 0, host: '127.0.0.1', store: { encryption: { cipher: 'AES', key: '' } } }), /^Error: encryption key required$/);
    } finally {
      if (saved !== undefined) process.env.NATS_STREAMING_ENCRYPTION_KEY = saved;
    }
  });
});
