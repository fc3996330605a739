/** The store a migration reads: `file:DIR` or `sql:DRIVER:SOURCE` (the Go server's or natstream's). */

import { createStore } from '../stores/factory.js';
import type { Store } from '../stores/store.js';
import type { Logger } from '../util/logger.js';

export function openSource(spec: string, logger: Logger): Promise<Store> {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? '' : spec.slice(0, colon).toLowerCase();
  const rest = spec.slice(colon + 1);
  if (kind === 'file' && rest !== '') return createStore('FILE', { dir: rest }, logger);
  if (kind === 'sql') {
    const c2 = rest.indexOf(':');
    const driver = c2 < 0 ? '' : rest.slice(0, c2);
    if (driver === 'postgres' || driver === 'mysql') return createStore('SQL', { sql: { driver, source: rest.slice(c2 + 1) } }, logger);
  }
  return Promise.reject(new Error(`--from ${JSON.stringify(spec)}: expected file:DIR or sql:postgres|mysql:SOURCE`));
}
