import { runEncryptedSqlTests } from './sql-suite.js';

await runEncryptedSqlTests('mysql');
