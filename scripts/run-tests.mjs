#!/usr/bin/env node
// Runs the compiled test files with Node's own test runner, the same way on
// Node 20, 22 and 24. `node --test DIR` means different things across those
// versions (a directory on 20, where it also runs the support modules as
// tests; a file glob since 21, where a bare directory is "not found"), so the
// files are listed here and passed explicitly.
// Two passes: first every file but the clustered ones, then those alone.
//   node scripts/run-tests.mjs                      every dist/test/**/*.test.js
//   node scripts/run-tests.mjs dist/test/nats a.js  only below these paths
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

function testFiles(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? testFiles(join(path, e.name)) : e.name.endsWith('.test.js') ? [join(path, e.name)] : []));
}

const roots = process.argv.slice(2);
const files = (roots.length > 0 ? roots : ['dist/test']).flatMap(testFiles);
if (files.length === 0) {
  console.error('no test files found (did the build run?)');
  process.exit(1);
}
// Files that start clusters of nats-server nodes (JetStream, FT groups) need
// the machine's two cores to themselves to stay within their time bounds: they
// run after the rest, one file at a time.
const CLUSTERED = [`${sep}stores${sep}jetstream${sep}`, `${sep}ha${sep}`];
const clustered = files.filter((f) => CLUSTERED.some((dir) => f.includes(dir)));
const rest = files.filter((f) => !clustered.includes(f));
const concurrency = process.env.NATSTREAM_TEST_CONCURRENCY ?? '2';
// A bound on any one file (Node 20 applies it to the whole file): a hook that
// never settles then fails its file after 10 minutes instead of hanging CI.
const FILE_TIMEOUT = '--test-timeout=600000';

let child = null;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child?.kill(signal));

function run(list, parallel) {
  return new Promise((resolve) => {
    child = spawn(process.execPath, ['--test', `--test-concurrency=${parallel}`, FILE_TIMEOUT, ...list], { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let status = 0;
if (rest.length > 0) status = await run(rest, concurrency);
if (clustered.length > 0) {
  const second = await run(clustered, '1');
  if (status === 0) status = second;
}
process.exit(status);
