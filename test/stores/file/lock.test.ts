/**
 * The directory lock: one server per store directory, released by close or by
 * the death of the process (an fcntl lock, as the Go server's); FT mode locks
 * through getExclusiveLock().
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FileStore } from '../../../src/stores/file/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { tempDir } from './helpers.js';

const LOCK = '.rootdir.lck';
const storeModule = fileURLToPath(new URL('../../../src/stores/file/index.js', import.meta.url));

describe('file store: directory lock', () => {
  it('a second store on the same directory is refused until the first is closed', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const a = await FileStore.open({ dir }, silentLogger);
      assert.ok(fs.existsSync(path.join(dir, LOCK)));
      await assert.rejects(FileStore.open({ dir }, silentLogger), /is in use by another server/);
      assert.equal(await a.getExclusiveLock(), true, 'idempotent for the holder');
      await a.close();
      assert.ok(!fs.existsSync(path.join(dir, LOCK)), 'removed on close');
      const b = await FileStore.open({ dir }, silentLogger);
      await b.close();
    } finally {
      await cleanup();
    }
  });

  it('a lock file left by a dead process does not lock anything', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const dead = spawnSync(process.execPath, ['-e', '']).pid!;
      fs.writeFileSync(path.join(dir, LOCK), `${dead} ${hostname()}\n`);
      const s = await FileStore.open({ dir }, silentLogger);
      assert.equal(fs.readFileSync(path.join(dir, LOCK), 'utf8'), `${process.pid} ${hostname()}\n`);
      await s.close();
    } finally {
      await cleanup();
    }
  });

  it('another live process holds the lock until it is killed -9', async () => {
    const { dir, cleanup } = await tempDir();
    const script = `
      const { FileStore } = await import(${JSON.stringify(storeModule)});
      const s = await FileStore.open({ dir: ${JSON.stringify(dir)} }, { notice() {}, warn() {}, error() {}, fatal() {}, debug() {}, trace() {} });
      process.stdout.write('locked\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = await once(child.stdout!, 'data');
      assert.equal(String(line).trim(), 'locked');
      await assert.rejects(FileStore.open({ dir }, silentLogger), new RegExp(`pid ${child.pid} on `));
      const ft = await FileStore.open({ dir }, silentLogger, { ftMode: true });
      assert.equal(await ft.getExclusiveLock(), false, 'an FT standby does not get it either');
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      assert.equal(await ft.getExclusiveLock(), true, 'released by the kernel on kill -9');
      await ft.close();
      const s = await FileStore.open({ dir }, silentLogger);
      await s.close();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await cleanup();
    }
  });

  it('FT mode: opening does not lock; getExclusiveLock does, for one store at a time', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const a = await FileStore.open({ dir }, silentLogger, { ftMode: true });
      const b = await FileStore.open({ dir }, silentLogger, { ftMode: true });
      assert.equal(await a.getExclusiveLock(), true);
      assert.equal(await b.getExclusiveLock(), false);
      assert.equal(await a.getExclusiveLock(), true);
      await a.close();
      assert.ok(fs.existsSync(path.join(dir, LOCK)), 'kept in FT mode, as the Go server does');
      assert.equal(await b.getExclusiveLock(), true);
      await b.close();
    } finally {
      await cleanup();
    }
  });
});
