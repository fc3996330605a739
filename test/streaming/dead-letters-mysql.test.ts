/** Dead letters on the SQL store (mysql): delivery counts survive a restart (table NatstreamDeliveries). */
import { after, describe } from 'node:test';

import { startTestDatabase } from '../support/databases.js';
import { restartCase } from './dead-letter-suite.js';

describe('dead letters: SQL store (mysql)', async () => {
  const tdb = await startTestDatabase('mysql');
  after(() => tdb.shutdown());
  restartCase(async () => {
    await tdb.reset();
    return { type: 'SQL', sql: { driver: 'mysql', source: tdb.source } };
  });
});
