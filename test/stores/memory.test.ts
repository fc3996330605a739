import { runStoreConformance } from './conformance.js';
import { createStore } from '../../src/stores/factory.js';
import { silentLogger } from '../../src/util/logger.js';

runStoreConformance('memory', async () => ({
  store: await createStore('memory', {}, silentLogger),
  cleanup: async () => {},
}), { persistent: false, name: 'MEMORY' });
