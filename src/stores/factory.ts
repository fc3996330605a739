/**
 * Creates the store named by `-st/--store`. Each store kind adds its branch here
 * (file: src/stores/file/, sql: src/stores/sql/); the memory store is the default.
 */

import { prefixedLogger, type Logger } from '../util/logger.js';
import { DEFAULT_STORE_LIMITS } from './limits.js';
import { MemoryStore } from './memory/store.js';
import type { EncryptionSelection } from './crypto/crypto-store.js';
import type { Store, StoreLimits } from './store.js';

export type StoreKind = 'MEMORY' | 'FILE' | 'SQL' | 'JETSTREAM';

export interface StoreFactoryOptions {
  limits?: StoreLimits;
  /** FILE: the root directory (`--dir`). */
  dir?: string;
  /** FILE options (`--file_*`); the file store narrows this type. */
  file?: Record<string, unknown>;
  /** SQL options (`--sql_*`); the SQL store narrows this type. */
  sql?: Record<string, unknown>;
  /** `--encrypt`: message data encrypted at rest (src/stores/crypto/), around any store. */
  encryption?: EncryptionSelection;
  /** FT mode: the store is shared with standbys and locked only by getExclusiveLock(). */
  ftMode?: boolean;
  /** FT mode: the SQL store lock was lost (default: log and exit, as the Go server panics). */
  onLockLost?: (why: string) => void;
  /** JETSTREAM options (`-ns`, `-cid`, `--js_*`): src/stores/jetstream/options.ts. */
  jetstream?: Record<string, unknown>;
}

/**
 * `kind` is case-insensitive (`memory`, `file`, `sql` are accepted like the Go server).
 * Pass the plain logger: store lines get the streaming layer's `STREAM: ` prefix here.
 */
export async function createStore(kind: string, options: StoreFactoryOptions, plainLogger: Logger): Promise<Store> {
  const store = await createPlainStore(kind, options, plainLogger);
  if (!options.encryption) return store;
  const { CryptoStore } = await import('./crypto/crypto-store.js');
  try {
    return new CryptoStore(store, options.encryption, process.env, prefixedLogger(plainLogger, 'STREAM: '));
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}

async function createPlainStore(kind: string, options: StoreFactoryOptions, plainLogger: Logger): Promise<Store> {
  const logger = prefixedLogger(plainLogger, 'STREAM: ');
  const limits: StoreLimits = { ...DEFAULT_STORE_LIMITS, ...(options.limits ?? {}) };
  switch (kind.toUpperCase()) {
    case 'MEMORY':
      return new MemoryStore(logger, limits);
    case 'FILE': {
      const { openFileStore } = await import('./file/index.js');
      const file = { ...(options.file as Parameters<typeof openFileStore>[1]), ...(options.ftMode ? { ftMode: true } : {}) };
      return openFileStore(options.dir, file, limits, logger);
    }
    case 'SQL': {
      // Loaded on demand: the database drivers are not needed by other stores.
      const { openSqlStore } = await import('./sql/sql-store.js');
      const hooks = options.ftMode ? { ftMode: true, onLockLost: options.onLockLost } : {};
      return openSqlStore(options.sql as unknown as import('./sql/options.js').SqlStoreOptions, logger, limits, hooks);
    }
    case 'JETSTREAM': {
      const { openJetStreamStore } = await import('./jetstream/jetstream-store.js');
      return openJetStreamStore(options.jetstream as unknown as import('./jetstream/options.js').JetStreamStoreOptions, limits, logger);
    }
    default:
      throw new Error(`unsupported store type: ${kind}`);
  }
}
