/**
 * The Docker image's recipe, checked where no Docker engine runs: the base is
 * the current Node.js LTS, the server does not run as root, and the
 * HEALTHCHECK command, run for real against natstream (with the monitoring
 * port remapped to a free one), passes while the server is up and fails once
 * it is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../src/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dockerfile = readFileSync(root + 'Dockerfile', 'utf8').replace(/\\\n/g, ' ');

/** The instructions of the final stage (after the last FROM). */
function finalStage(): string[] {
  const lines = dockerfile.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const lastFrom = lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true);
  return lines.slice(lastFrom);
}

test('the image builds and runs on Node.js 24 LTS, as a non-root user', () => {
  const froms = dockerfile.split('\n').filter((l) => l.startsWith('FROM '));
  assert.ok(froms.length > 0);
  for (const f of froms) assert.match(f, /^FROM node:24-bookworm-slim\b/);
  const user = finalStage().filter((l) => l.startsWith('USER ')).at(-1);
  assert.ok(user !== undefined && !/^USER (root|0)\b/.test(user), `final USER: ${user}`);
});

test('the HEALTHCHECK command passes on a serving natstream and fails when it is gone', async () => {
  const check = finalStage().find((l) => l.startsWith('HEALTHCHECK '));
  assert.ok(check, 'no HEALTHCHECK');
  const cmd = JSON.parse(check.slice(check.indexOf('CMD ') + 4)) as string[];
  assert.equal(cmd[0], 'node');
  const cmdLine = finalStage().find((l) => l.startsWith('CMD ')) ?? '';
  assert.deepEqual(JSON.parse(cmdLine.slice(4)), ['-m', '8222'], 'the probe expects the monitoring port that CMD opens');

  const server = await startServer({ port: 0, host: '127.0.0.1', monitor: { host: '127.0.0.1', port: 0 } });
  const port = new URL(server.monitorUrl!).port;
  const args = cmd.slice(1).map((a) => a.replace('127.0.0.1:8222', `127.0.0.1:${port}`));
  const up = await exitCode(args);
  await server.close();
  const down = await exitCode(args);
  assert.equal(up, 0);
  assert.equal(down, 1);
});

/** Runs `node ...args` (asynchronously: the server under test lives in this process). */
function exitCode(args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: 'ignore', timeout: 10_000 });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}
