import { runEncryptedSqlTests } from './sql-suite.js';

await runEncryptedSqlTests('postgres');
