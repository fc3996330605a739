// Writes docs/flags.md from the flag table (src/config/flag-table.ts).
// Run with `npm run gen:flags` (compiles first).
import { writeFileSync } from 'node:fs';
import { renderFlagDocs } from '../dist/src/config/flag-docs.js';

const target = new URL('../docs/flags.md', import.meta.url);
writeFileSync(target, renderFlagDocs());
console.log(`wrote ${target.pathname}`);
