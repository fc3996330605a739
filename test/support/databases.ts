/**
 * Real test databases for the SQL store: PostgreSQL and MariaDB from Debian's
 * packages postgresql and mariadb-server (installed by scripts/ci-databases.sh). Each test file starts its own server on a free
 * port with a temporary data directory and stops it at the end.
 *
 * NATSTREAM_TEST_PG_URL / NATSTREAM_TEST_MYSQL_URL point the suite at existing
 * servers instead (a PostgreSQL URL or key=value DSN; a Go MySQL DSN
 * `user:pass@tcp(host:port)/db`). The tests empty the natstream tables in that
 * database. Tests that stop the database are skipped then (`canRestart`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

import type { Db } from '../../src/stores/sql/db.js';
import { openDb } from '../../src/stores/sql/open-db.js';
import type { SqlDriver } from '../../src/stores/sql/options.js';
import { ensureSchema, TABLES } from '../../src/stores/sql/schema.js';
import { silentLogger } from '../../src/util/logger.js';
import { freePort } from './ports.js';

export interface TestDatabase {
  driver: SqlDriver;
  /** `-sql_source` for this database (with a password, as operators write it). */
  source: string;
  /** The password inside `source` (tests check it never shows up in logs). */
  password: string;
  /** Whether stop()/start() may be used (false for an external server). */
  canRestart: boolean;
  /** Creates the tables if missing and empties them. */
  reset(): Promise<void>;
  /** A pool for the test's own checks (closed by `shutdown`). */
  admin(): Db;
  /** Stops the server (clean shutdown), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops for good and removes the data directory. */
  shutdown(): Promise<void>;
}

const PASSWORD = 'n@ts:pw /x';

export async function startTestDatabase(driver: SqlDriver): Promise<TestDatabase> {
  return driver === 'postgres' ? startPostgres() : startMariadb();
}

function withAdmin(driver: SqlDriver, source: string, base: Omit<TestDatabase, 'reset' | 'admin' | 'shutdown'>, stopForGood: () => Promise<void>): TestDatabase {
  let admin: Db | undefined;
  const getAdmin = (): Db => (admin ??= openDb({ driver, source, poolSize: 2 }, silentLogger));
  return {
    ...base,
    admin: getAdmin,
    async reset() {
      const db = getAdmin();
      for (const t of TABLES) await db.exec(`DELETE FROM ${t}`).catch(() => undefined);
      await ensureSchema(db, true);
    },
    async shutdown() {
      if (admin) await admin.close().catch(() => undefined);
      admin = undefined;
      await stopForGood();
    },
    async stop() {
      if (admin) await admin.close().catch(() => undefined);
      admin = undefined;
      await base.stop();
    },
  };
}

// ---------------------------------------------------------------- PostgreSQL

/** The newest PostgreSQL server of Debian's packages (`postgresql-NN`). */
function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (existsSync(path.join(bin, 'postgres')) && existsSync(path.join(bin, 'initdb'))) return bin;
  }
  return undefined;
}

/** uid/gid of the `postgres` account (PostgreSQL refuses to run as root). */
function postgresAccount(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error('no `postgres` user: install Debian\'s postgresql package (scripts/ci-databases.sh)');
  return { uid: Number(uid), gid: Number(gid) };
}

async function startPostgres(): Promise<TestDatabase> {
  const external = process.env.NATSTREAM_TEST_PG_URL;
  const noop = async (): Promise<void> => {};
  if (external) {
    const pw = /password=([^\s&]*)/.exec(external)?.[1] ?? /:\/\/[^:/]*:([^@]*)@/.exec(external)?.[1] ?? '';
    return withAdmin('postgres', external, { driver: 'postgres', source: external, password: decodeURIComponent(pw), canRestart: false, stop: noop, start: noop }, noop);
  }
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed: run scripts/ci-databases.sh (apt-get install postgresql), or set NATSTREAM_TEST_PG_URL');
  // As root the server runs as `postgres`, which must reach the data directory:
  // /tmp is world-searchable even when TMPDIR or the checkout is private.
  const asRoot = userInfo().uid === 0;
  const account = asRoot ? postgresAccount() : undefined;
  const dir = await mkdtemp(path.join(asRoot ? '/tmp' : tmpdir(), 'natstream-pg-'));
  await chmod(dir, 0o755);
  const data = path.join(dir, 'data');
  const pwFile = path.join(dir, 'pw');
  await writeFile(pwFile, PASSWORD + '\n', { mode: 0o600 });
  await mkdir(data, { mode: 0o700 });
  if (account) {
    await chown(pwFile, account.uid, account.gid);
    await chown(data, account.uid, account.gid);
  }
  const port = await freePort();
  const logs: string[] = [];
  let proc: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    proc = await spawnUntilReady(path.join(bin, 'postgres'), [
      '-D', data, '-p', String(port),
      // TCP only (no socket file in a directory the account may not write), no fsync: test data.
      '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'full_page_writes=off',
    ], account, logs);
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    await stopProcess(p, 'SIGINT'); // "fast" shutdown: ends sessions, writes a checkpoint
  };
  try {
    await runToEnd(path.join(bin, 'initdb'), [
      '-D', data, '-U', 'postgres', '--auth=password', `--pwfile=${pwFile}`, '-E', 'UTF8', '--locale=C', '--no-sync',
    ], account);
    await start();
    const admin = openDb({ driver: 'postgres', source: `host=127.0.0.1 port=${port} dbname=postgres user=postgres password='${escapePg(PASSWORD)}' sslmode=disable`, poolSize: 1 }, silentLogger);
    try {
      await admin.exec('CREATE DATABASE nss');
    } finally {
      await admin.close();
    }
  } catch (err) {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${String(err)}\n${logs.slice(-20).join('')}`);
  }
  const source = `host=127.0.0.1 port=${port} dbname=nss user=postgres password='${escapePg(PASSWORD)}' sslmode=disable`;
  return withAdmin('postgres', source, { driver: 'postgres', source, password: PASSWORD, canRestart: true, stop, start }, async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });
}

function escapePg(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

/** Spawns the postmaster and resolves once it logs that it accepts connections. */
function spawnUntilReady(cmd: string, args: string[], account: { uid: number; gid: number } | undefined, logs: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...account });
    killOnExit(p);
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`${cmd} not ready within 30 s`)); }, 30_000);
    let ready = false;
    p.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      logs.push(chunk);
      if (logs.length > 50) logs.shift();
      if (!ready && chunk.includes('ready to accept connections')) {
        ready = true;
        clearTimeout(timer);
        resolve(p);
      }
    });
    p.on('error', (err) => { clearTimeout(timer); reject(err); });
    p.on('exit', (code) => { clearTimeout(timer); if (!ready) reject(new Error(`${cmd} exited with ${code} during start`)); });
  });
}

// ---------------------------------------------------------------- MariaDB

function findBinary(names: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
  for (const n of names) for (const d of dirs) if (d && existsSync(path.join(d, n))) return path.join(d, n);
  return undefined;
}

async function startMariadb(): Promise<TestDatabase> {
  const external = process.env.NATSTREAM_TEST_MYSQL_URL;
  const noop = async (): Promise<void> => {};
  if (external) {
    const pw = /^[^:@]*:(.*)@[^@]*\//.exec(external)?.[1] ?? '';
    return withAdmin('mysql', external, { driver: 'mysql', source: external, password: pw, canRestart: false, stop: noop, start: noop }, noop);
  }
  const mariadbd = findBinary(['mariadbd', 'mysqld']);
  const installDb = findBinary(['mariadb-install-db', 'mysql_install_db']);
  if (!mariadbd || !installDb) {
    throw new Error('MariaDB is not installed: run scripts/ci-databases.sh (apt-get install mariadb-server), or set NATSTREAM_TEST_MYSQL_URL');
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'natstream-mariadb-'));
  const asRoot = userInfo().uid === 0 ? ['--user=root'] : [];
  await runToEnd(installDb, [
    '--no-defaults', `--datadir=${dir}/data`, ...asRoot, '--auth-root-authentication-method=normal',
    '--skip-test-db', '--skip-name-resolve',
  ]);
  const pw = PASSWORD.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  await writeFile(path.join(dir, 'init.sql'), [
    'CREATE DATABASE IF NOT EXISTS nss;',
    `CREATE USER IF NOT EXISTS 'nss'@'127.0.0.1' IDENTIFIED BY '${pw}';`,
    "GRANT ALL ON nss.* TO 'nss'@'127.0.0.1';",
    '',
  ].join('\n'));
  const port = await freePort();
  const args = [
    '--no-defaults', `--datadir=${dir}/data`, ...asRoot, `--port=${port}`, '--bind-address=127.0.0.1',
    `--socket=${dir}/mysqld.sock`, `--pid-file=${dir}/mysqld.pid`, '--skip-name-resolve', '--skip-log-bin',
    '--innodb-buffer-pool-size=64M', '--innodb-log-file-size=32M', '--innodb-flush-log-at-trx-commit=2',
    '--performance-schema=OFF', `--init-file=${dir}/init.sql`, '--log-error=' + path.join(dir, 'error.log'),
  ];
  let proc: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    proc = await spawnUntilListening(mariadbd, args, port);
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    await stopProcess(p, 'SIGTERM');
  };
  try {
    await start();
  } catch (err) {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const source = `nss:${PASSWORD}@tcp(127.0.0.1:${port})/nss`;
  return withAdmin('mysql', source, { driver: 'mysql', source, password: PASSWORD, canRestart: true, stop, start }, async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });
}

function runToEnd(cmd: string, args: string[], account?: { uid: number; gid: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...account });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${out.slice(-2000)}`))));
  });
}

/** Spawns the server and resolves once its port accepts connections. */
async function spawnUntilListening(cmd: string, args: string[], port: number): Promise<ChildProcess> {
  const p = spawn(cmd, args, { stdio: 'ignore' });
  killOnExit(p);
  const net = await import('node:net');
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (p.exitCode !== null) throw new Error(`${cmd} exited with ${p.exitCode} during start`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return p;
    if (Date.now() > deadline) {
      p.kill('SIGKILL');
      throw new Error(`${cmd} did not listen on ${port} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A database server must not outlive the test file: a file that dies in a hook
 * would otherwise leave it running (and its port and data directory taken).
 */
function killOnExit(p: ChildProcess): void {
  const kill = (): void => { if (p.exitCode === null) p.kill('SIGKILL'); };
  process.once('exit', kill);
  p.once('exit', () => process.off('exit', kill));
}

async function stopProcess(p: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!p || p.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    p.once('exit', () => resolve());
    p.kill(signal);
  });
}
