/** Dead letters on the file store: delivery counts survive a restart (natstream-deliveries.log). */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { DELIVERY_COUNTS_FILE_NAME, FileDeliveryCounts } from '../../src/stores/file/delivery-counts.js';
import { tempDir } from '../stores/file/helpers.js';
import { restartCase } from './dead-letter-suite.js';

describe('dead letters: file store', async () => {
  const { dir, cleanup } = await tempDir('natstream-dlq-');
  after(cleanup);
  restartCase(async () => ({ type: 'FILE', dir }));

  describe('encrypted (the counts are kept by the inner file store)', async () => {
    const enc = await tempDir('natstream-dlq-enc-');
    after(enc.cleanup);
    restartCase(async () => ({ type: 'FILE', dir: enc.dir, encryption: { cipher: 'AES', key: 'dead letters' } }));
  });

  it('the counts file: last line wins, 0 forgets, a torn tail is ignored, opening keeps only live records', async () => {
    const counts = new FileDeliveryCounts(dir, true);
    const file = join(dir, DELIVERY_COUNTS_FILE_NAME);
    counts.set('sub:1', 5, 1);
    counts.set('queue:g', 5, 1);
    counts.set('sub:1', 5, 2);
    counts.set('sub:1', 6, 1);
    counts.remove('sub:1', 6);
    await counts.flush();
    appendFileSync(file, '3 9 sub:');
    const again = new FileDeliveryCounts(dir, true);
    const live = await again.load();
    assert.deepEqual(live.sort((a, b) => a.unit.localeCompare(b.unit)), [
      { unit: 'queue:g', seq: 5, count: 1 }, { unit: 'sub:1', seq: 5, count: 2 },
    ]);
    assert.equal(readFileSync(file, 'utf8').split('\n').length, 3);
    await again.clear();
    assert.equal(existsSync(file), false);
  });
});
