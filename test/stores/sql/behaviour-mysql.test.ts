import { runSqlBehaviour } from './behaviour-suite.js';

await runSqlBehaviour('mysql');
