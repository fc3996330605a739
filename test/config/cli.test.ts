/**
 * The `natstream` command as a child process: start-up with the seed's
 * arguments, the log format on stderr, shutdown on SIGTERM (143) and SIGINT
 * (0), SIGUSR1 log reopen, `-sl reload` (SIGHUP), and the outputs and exit
 * statuses of help, version and bad command lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.js';
import { renderUsage } from '../../src/config/usage.js';

const BIN = fileURLToPath(new URL('../../../bin/natstream.js', import.meta.url));
const LOG_LINE = /^\[\d+\] \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d{6} \[(INF|WRN|ERR|FTL|DBG|TRC)\] /;
const WAIT_MS = 15_000;

interface Running {
  child: ChildProcess;
  stderr(): string;
  waitFor(pattern: RegExp): Promise<void>;
  exited: Promise<number | null>;
}

function start(args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  const waiters: Array<() => void> = [];
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); for (const w of waiters.splice(0)) w(); });
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stderr: () => err,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${WAIT_MS} ms; stderr:\n${err}\nstdout:\n${out}`)), WAIT_MS);
        const check = () => {
          if (pattern.test(err)) { clearTimeout(timer); resolve(); return; }
          if (child.exitCode !== null) { clearTimeout(timer); reject(new Error(`exited ${child.exitCode}:\n${err}`)); return; }
          waiters.push(check);
        };
        child.once('exit', () => { for (const w of waiters.splice(0)) w(); });
        check();
      });
    },
    exited,
  };
}

function natstream(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: WAIT_MS });
}

test('cli - the seed\'s arguments: start, Go-format log lines, SIGTERM exits 143', async () => {
  const port = await freePort();
  const mport = await freePort();
  const s = start(['-a', '127.0.0.1', '-p', String(port), '-m', String(mport), '-hbi', '5s', '-hbt', '5s', '-hbf', '2', '-SD', '-cid', 'ticketing']);
  try {
    await s.waitFor(/\[INF\] STREAM: Streaming Server is ready\n/);
    const health = await fetch(`http://127.0.0.1:${mport}/healthz`);
    assert.equal(health.status, 200);
    await health.text();
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 143);
  } finally {
    s.child.kill('SIGKILL');
  }
  const lines = s.stderr().split('\n').slice(0, -1);
  for (const l of lines) assert.match(l, LOG_LINE);
  const text = s.stderr();
  assert.match(text, /\[INF\] STREAM: Starting nats-streaming-server\[ticketing\] version /);
  assert.match(text, new RegExp(`\\[INF\\] Listening for client connections on 127\\.0\\.0\\.1:${port}\n`));
  assert.match(text, /\[DBG\] STREAM: Discover subject: {11}_STAN\.discover\.ticketing\n/);
  assert.match(text, /\[INF\] STREAM: Shutting down\.\n[\s\S]*\[INF\] Server Exiting\.\.\n$/);
});

test('cli - SIGINT exits 0; -T=false drops the timestamps', async () => {
  const port = await freePort();
  const s = start(['-a', '127.0.0.1', '-p', String(port), '-T=false']);
  try {
    await s.waitFor(/Streaming Server is ready\n/);
    s.child.kill('SIGINT');
    assert.equal(await s.exited, 0);
  } finally {
    s.child.kill('SIGKILL');
  }
  for (const l of s.stderr().split('\n').slice(0, -1)) assert.match(l, /^\[\d+\] \[(INF|DBG|WRN|ERR|TRC)\] /);
  assert.match(s.stderr(), /\[INF\] Server Exiting\.\.\n$/);
});

test('cli - -l writes the log file; SIGUSR1 reopens it; -sl reload re-reads the options', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'natstream-cli-'));
  const port = await freePort();
  const log = join(dir, 'natstream.log');
  const pidFile = join(dir, 'natstream.pid');
  const s = start(['-a', '127.0.0.1', '-p', String(port), '-l', log, '-P', pidFile]);
  try {
    await waitForFileText(dir, log, /Streaming Server is ready\n/);
    assert.equal(readFileSync(pidFile, 'utf8'), String(s.child.pid));
    renameSync(log, `${log}.1`);
    const created = waitForFileText(dir, log, /\[INF\] STREAM: File log re-opened\n/);
    s.child.kill('SIGUSR1');
    await created;
    const reload = natstream(['-sl', `reload=${pidFile}`]);
    assert.equal(reload.status, 0, reload.stderr);
    await waitForFileText(dir, log, /\[INF\] Reloaded server configuration\n/);
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 143);
    assert.equal(s.stderr(), '');
    assert.match(readFileSync(`${log}.1`, 'utf8'), /\[INF\] Server is ready\n/);
    assert.match(readFileSync(log, 'utf8'), /Server Exiting\.\.\n$/);
    assert.equal(existsSync(pidFile), false);
  } finally {
    s.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cli - help, version and bad command lines: outputs and exit statuses', () => {
  const help = natstream(['--help']);
  assert.equal(help.status, 0);
  assert.equal(help.stdout, renderUsage());
  assert.equal(help.stderr, '');

  const version = natstream(['-v']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^natstream version \d+\.\d+\.\d+, nats-server: v2\.9\.0-natstream\.\d+\.\d+\.\d+\n$/);

  const unknown = natstream(['-xyz']);
  assert.equal(unknown.status, 2);
  assert.equal(unknown.stderr, 'flag provided but not defined: -xyz\n');
  assert.equal(unknown.stdout, renderUsage());

  const badDuration = natstream(['-hbi', '5']);
  assert.equal(badDuration.status, 2);
  assert.equal(badDuration.stderr, 'invalid value "5" for flag -hbi: parse error\n');

  const positional = natstream(['-SD', 'false']);
  assert.equal(positional.status, 1);
  assert.equal(positional.stderr, 'unrecognized command: "false"\n');
  assert.equal(positional.stdout, '');

  const size = natstream(['-mb', '1XB', '-a', '127.0.0.1', '-p', '0']);
  assert.equal(size.status, 1);
  assert.equal(size.stderr, "mb should be a size, got '1XB'\n");
});

test('cli - a start-up failure is logged as [FTL] STREAM: Failed to start, exit 1', () => {
  const r = natstream(['-a', '127.0.0.1', '-p', '-1', '-store', 'file']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\[FTL\] STREAM: Failed to start: for FILE stores, root directory must be specified\n$/);
  const mc = natstream(['-a', '127.0.0.1', '-p', '-1', '-mc', '-1']);
  assert.equal(mc.status, 1);
  assert.match(mc.stderr, /\[FTL\] STREAM: Failed to start: max channels limit cannot be negative \(-1\)\n$/);
  // As in the Go server's output, the four banner lines come first, then the fatal line.
  const st = natstream(['-a', '127.0.0.1', '-p', '-1', '-st', 'foo', '-cid', 'ticketing']);
  assert.equal(st.status, 1);
  const texts = st.stderr.trimEnd().split('\n').map((l) => {
    assert.match(l, LOG_LINE);
    return l.replace(/^\[\d+\] \S+ \S+ /, '');
  });
  assert.deepEqual(texts.map((t) => t.replace(/ServerID: \S+/, 'ServerID: X').replace(`Node.js version: ${process.version}`, 'Node.js version: V')), [
    '[INF] STREAM: Starting nats-streaming-server[ticketing] version 0.25.6',
    '[INF] STREAM: ServerID: X',
    '[INF] STREAM: Node.js version: V',
    '[INF] STREAM: Git commit: [not set]',
    '[FTL] STREAM: Failed to start: unsupported store type: FOO',
  ]);
});

/** Resolves once `file` (in `dir`) contains `pattern`, watching the directory for changes. */
function waitForFileText(dir: string, file: string, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const read = () => { try { return readFileSync(file, 'utf8'); } catch { return ''; } };
    const watcher = watch(dir);
    const timer = setTimeout(() => { watcher.close(); reject(new Error(`no ${pattern} in ${file}:\n${read()}`)); }, WAIT_MS);
    const check = () => {
      if (pattern.test(read())) {
        clearTimeout(timer);
        watcher.close();
        resolve();
      }
    };
    watcher.on('change', check);
    check();
  });
}
