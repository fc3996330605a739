/**
 * The bundles made by `npm run build` (scripts/bundle.mjs): the command in
 * dist/cli/ that bin/natstream.js runs, and the package entry in dist/lib/. They
 * must be as new as the tsc output (else bin/natstream.js silently falls back to
 * dist/src/cli.js and the bundle goes untested), print the same version, and load
 * their on-demand chunks: the file store, the monitor with the dashboard's static
 * files, a STAN client's round trip; `import('natstream')` must be the bundle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort } from '../support/ports.js';
import { closeStan, connectStan, inboxOf, publish, subscribe } from '../streaming/harness.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLE = join(root, 'dist/cli/natstream.js');
const TSC_CLI = join(root, 'dist/src/cli.js');
const LIB = join(root, 'dist/lib/index.js');

test('the bundle is built and as new as the tsc output', () => {
  const bundled = statSync(BUNDLE, { throwIfNoEntry: false });
  assert.ok(bundled, 'dist/cli/natstream.js is missing: build with `npm run build`, not tsc alone');
  assert.ok(bundled.mtimeMs >= statSync(TSC_CLI).mtimeMs, 'dist/cli is older than dist/src: run `npm run build`');
  const lib = statSync(LIB, { throwIfNoEntry: false });
  assert.ok(lib, 'dist/lib/index.js is missing: build with `npm run build`, not tsc alone');
  assert.ok(lib.mtimeMs >= statSync(join(root, 'dist/src/index.js')).mtimeMs, 'dist/lib is older than dist/src: run `npm run build`');
});

test('the package entry is the library bundle, and it starts and stops a server with its monitor', async () => {
  assert.equal(fileURLToPath(import.meta.resolve('natstream')), LIB);
  // By name, resolved at run time: a type-checked self-import would need dist/ before tsc made it.
  const pkg = 'natstream';
  const { startServer } = (await import(pkg)) as typeof import('../../src/index.js');
  const server = await startServer({ port: 0, host: '127.0.0.1', monitor: { host: '127.0.0.1', port: 0 } });
  try {
    const res = await fetch(`${server.monitorUrl}/streaming/serverz`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { cluster_id: string }).cluster_id, 'test-cluster');
    assert.equal((await fetch(`${server.monitorUrl}/dashboard/`)).status, 200);
  } finally {
    await server.close();
  }
});

test('the bundle prints the same version line as the tsc output', () => {
  const a = spawnSync(process.execPath, [BUNDLE, '-v'], { encoding: 'utf8' });
  const b = spawnSync(process.execPath, [TSC_CLI, '-v'], { encoding: 'utf8' });
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /^natstream version \d+\.\d+\.\d+/);
  assert.equal(a.stdout, b.stdout);
});

test('the bundle runs a file store, the monitor with its dashboard and a STAN round trip', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'natstream-bundle-'));
  const [port, mport] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [BUNDLE, '-a', '127.0.0.1', '-p', String(port), '-m', String(mport), '-st', 'FILE', '-dir', join(dir, 'store')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      log += s;
      if (log.includes('Streaming Server is ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${log}`)));
  });
  assert.match(log, /Message store is FILE/);

  const storez = await fetch(`http://127.0.0.1:${mport}/streaming/storez`);
  assert.equal(storez.status, 200);
  assert.equal(((await storez.json()) as { type: string }).type, 'FILE');
  const dashboard = await fetch(`http://127.0.0.1:${mport}/dashboard/`);
  assert.equal(dashboard.status, 200);
  assert.match(await dashboard.text(), /<html/i);

  const sc = await connectStan(`nats://127.0.0.1:${port}`, 'test-cluster', 'bundle-client');
  t.after(() => closeStan(sc));
  const sub = await subscribe(sc, 'bundle.ch', null, sc.subscriptionOptions().setDeliverAllAvailable());
  await publish(sc, 'bundle.ch', 'hello');
  const [m] = await inboxOf(sub).take(1);
  assert.equal(m.seq, 1);
  assert.equal(m.data, 'hello');
});
