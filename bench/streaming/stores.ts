/**
 * The stores a scenario runs on, as natstream flags: memory, file (a fresh
 * temporary directory per scenario, -file_sync on or off) and SQL on real
 * PostgreSQL and MariaDB servers started by test/support/databases.ts (or the
 * existing servers named by NATSTREAM_TEST_PG_URL / NATSTREAM_TEST_MYSQL_URL).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { startTestDatabase, type TestDatabase } from '../../test/support/databases.js';

export type StoreKind = 'memory' | 'file' | 'postgres' | 'mysql';

export interface PreparedStore {
  args: string[];
  /** Strings to hide in the printed command (a database password). */
  mask: string[];
  /** One line on the store's set-up, for the report. */
  describe: string;
  /** Removes what the scenario left (a file store's directory). */
  release(): Promise<void>;
}

/** Starts each database once, on first use, and stops them all at the end. */
export class StoreProvider {
  private readonly databases = new Map<'postgres' | 'mysql', Promise<TestDatabase>>();

  async prepare(kind: StoreKind, fileSync: boolean): Promise<PreparedStore> {
    switch (kind) {
      case 'memory':
        return { args: ['-st', 'MEMORY'], mask: [], describe: 'memory store', release: async () => {} };
      case 'file': {
        const dir = await mkdtemp(path.join(tmpdir(), 'natstream-bench-file-'));
        return {
          args: ['-st', 'FILE', '-dir', path.join(dir, 'store'), `-file_sync=${fileSync}`],
          mask: [],
          describe: `file store in ${dir} (file system of ${tmpdir()}), -file_sync=${fileSync}`,
          release: () => rm(dir, { recursive: true, force: true }),
        };
      }
      case 'postgres':
      case 'mysql': {
        const db = await this.database(kind);
        // Tables created if missing and emptied: every scenario starts from an empty store.
        await db.reset();
        const external = kind === 'postgres' ? process.env.NATSTREAM_TEST_PG_URL : process.env.NATSTREAM_TEST_MYSQL_URL;
        const how = external
          ? 'existing server from the environment'
          : kind === 'postgres'
            ? 'postgres started by test/support/databases.ts (fsync=off, full_page_writes=off)'
            : 'mariadbd started by test/support/databases.ts (innodb_flush_log_at_trx_commit=2, no binlog)';
        return {
          args: ['-st', 'SQL', '-sql_driver', kind, '-sql_source', db.source],
          mask: [db.password],
          describe: `SQL store on ${kind === 'postgres' ? 'PostgreSQL' : 'MariaDB'}: ${how}`,
          release: async () => {},
        };
      }
    }
  }

  private database(driver: 'postgres' | 'mysql'): Promise<TestDatabase> {
    let db = this.databases.get(driver);
    if (db === undefined) {
      db = startTestDatabase(driver);
      this.databases.set(driver, db);
    }
    return db;
  }

  async close(): Promise<void> {
    const all = [...this.databases.values()];
    this.databases.clear();
    await Promise.all(all.map((p) => p.then((db) => db.shutdown()).catch(() => undefined)));
  }
}
