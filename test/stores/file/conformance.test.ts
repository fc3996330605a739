import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runStoreConformance } from '../conformance.js';
import { createStore } from '../../../src/stores/factory.js';
import { silentLogger } from '../../../src/util/logger.js';

runStoreConformance('file', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'natstream-fs-'));
  const open = () => createStore('file', { dir }, silentLogger);
  return { store: await open(), reopen: open, cleanup: () => rm(dir, { recursive: true, force: true }) };
}, { persistent: true, msgOverhead: 40, supportsLock: true, name: 'FILE' });
