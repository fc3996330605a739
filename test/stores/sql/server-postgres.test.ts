import { runSqlServerTests } from './server-suite.js';

await runSqlServerTests('postgres');
