import { runSqlConformance } from './conformance-suite.js';

await runSqlConformance('mysql');
