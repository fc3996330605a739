/**
 * The encryption flags through the `natstream` command: `--encrypt` with the key
 * in NATS_STREAMING_ENCRYPTION_KEY encrypts what a client publishes (ChaCha, code
 * 2 on disk), the key never shows in the log, and a bad cipher fails the start
 * with the Go text.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../support/ports.js';
import { closeStan, connectStan, publish, withTimeout, type Stan } from '../../streaming/harness.js';
import { parseRecordFile, protoFields, tempDir } from '../file/helpers.js';
import { specOpen } from './spec-decoder.js';

const BIN = fileURLToPath(new URL('../../../../bin/natstream.js', import.meta.url));
const KEY = 'cli secret key';

describe('encryption flags on the command line', () => {
  it('--encrypt with the key in the environment encrypts what clients publish', async () => {
    const { dir, cleanup } = await tempDir('natstream-enc-cli-');
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, '-a', '127.0.0.1', '-p', String(port), '-cid', 'cli', '-st', 'FILE', '-dir', dir,
      '--encrypt', '--encryption_cipher', 'chacha', '-SD'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NATS_STREAMING_ENCRYPTION_KEY: KEY } });
    let log = '';
    const ready = new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('Streaming Server is ready')) resolve();
    }));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let sc: Stan | undefined;
    try {
      await withTimeout(ready, 15_000, 'natstream to be ready');
      sc = await connectStan(`nats://127.0.0.1:${port}`, 'cli', 'pub');
      await publish(sc, 'orders', 'secret order');
      await closeStan(sc);
      sc = undefined;
      child.kill('SIGTERM');
      await withTimeout(exited, 10_000, 'natstream to exit');
      const [rec] = parseRecordFile(fs.readFileSync(path.join(dir, 'orders', 'msgs.1.dat')), false);
      const data = protoFields(rec.payload).find(([n]) => n === 4)![1] as Buffer;
      const opened = specOpen(KEY, 'orders', data);
      assert.equal(opened.code, 2);
      assert.equal(opened.clear.toString(), 'secret order');
      assert.ok(!log.includes(KEY), 'the key is not logged');
    } finally {
      if (sc) await closeStan(sc);
      child.kill('SIGKILL');
      await cleanup();
    }
  });

  it('a cipher natstream does not know fails the start with the Go text', async () => {
    const out = await new Promise<{ code: number | null; err: string }>((resolve) => {
      execFile(process.execPath, [BIN, '-p', '0', '--encryption_key', 'k', '--encryption_cipher', 'des'], (err, _o, stderr) => {
        resolve({ code: err ? (err as { code?: number }).code ?? null : 0, err: stderr });
      });
    });
    assert.equal(out.code, 1);
    assert.match(out.err, /\[FTL\] STREAM: Failed to start: encryption cipher not supported\n$/);
  });
});
