/** Dead letters on the SQL store (postgres): delivery counts survive a restart (table NatstreamDeliveries). */
import { after, describe } from 'node:test';

import { startTestDatabase } from '../support/databases.js';
import { restartCase } from './dead-letter-suite.js';

describe('dead letters: SQL store (postgres)', async () => {
  const tdb = await startTestDatabase('postgres');
  after(() => tdb.shutdown());
  restartCase(async () => {
    await tdb.reset();
    return { type: 'SQL', sql: { driver: 'postgres', source: tdb.source } };
  });
});
