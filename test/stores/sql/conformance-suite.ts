/**
 * The shared store conformance suite on one real database (one server per test
 * file), with and without -sql_no_caching.
 */
import { after } from 'node:test';

import { openSqlStore } from '../../../src/stores/sql/sql-store.js';
import { silentLogger } from '../../../src/util/logger.js';
import { startTestDatabase } from '../../support/databases.js';
import { runStoreConformance } from '../conformance.js';
import type { SqlDriver } from '../../../src/stores/sql/options.js';

export async function runSqlConformance(driver: SqlDriver): Promise<void> {
  const db = await startTestDatabase(driver);
  after(() => db.shutdown());
  for (const noCaching of [false, true]) {
    const open = () => openSqlStore({ driver, source: db.source, noCaching }, silentLogger, undefined, { lockIntervalMs: 100 });
    runStoreConformance(`sql-${driver}${noCaching ? ' (no caching)' : ''}`, async () => {
      await db.reset();
      return { store: await open(), cleanup: async () => {}, reopen: open };
    }, { persistent: true, supportsLock: true, name: 'SQL' });
  }
}
