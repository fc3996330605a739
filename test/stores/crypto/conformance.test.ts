/**
 * The store conformance suite through the encryption decorator, around the memory
 * and the file store: encryption changes nothing a store promises, except the 29
 * bytes each non-empty message carries (cipher code, nonce, tag).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createStore } from '../../../src/stores/factory.js';
import { silentLogger } from '../../../src/util/logger.js';
import { runStoreConformance } from '../conformance.js';

const encryption = { cipher: 'CHACHA', key: 'conformance key' };
const SEALED = 1 + 12 + 16;

runStoreConformance('encrypted memory', async () => {
  const store = await createStore('memory', { encryption }, silentLogger);
  return { store, cleanup: async () => undefined };
}, { msgOverhead: SEALED, name: 'MEMORY' });

runStoreConformance('encrypted file', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'natstream-enc-fs-'));
  const open = () => createStore('file', { dir, encryption }, silentLogger);
  return { store: await open(), reopen: open, cleanup: () => rm(dir, { recursive: true, force: true }) };
}, { persistent: true, msgOverhead: 40 + SEALED, supportsLock: true, name: 'FILE' });
