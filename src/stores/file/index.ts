/** The file store's public surface. */
import type { Logger } from '../../util/logger.js';
import type { StoreLimits } from '../store.js';
import { FileStore } from './file-store.js';
import type { FileStoreOptions } from './options.js';

export { FileStore, TRUNCATE_WITNESS_FILE, type OpenFileStoreOptions } from './file-store.js';
export {
  DEFAULT_FILE_STORE_OPTIONS, CRC_POLY_IEEE, resolveFileStoreOptions, type FileStoreOptions,
} from './options.js';
export { FILE_STORE_ERRORS, FILE_STORE_LOGS } from './errors.js';

/**
 * What the store factory passes (src/stores/factory.ts): `file` holds the
 * FileStoreOptions fields (the `-file_*` flags) plus `ftMode` when an FT group is
 * configured (the directory is then locked by getExclusiveLock, not on open).
 */
export function openFileStore(
  dir: string | undefined,
  file: (Partial<FileStoreOptions> & { ftMode?: boolean }) | undefined,
  limits: StoreLimits,
  logger: Logger,
): Promise<FileStore> {
  const { ftMode, ...opts } = file ?? {};
  return FileStore.open({ ...opts, dir: dir ?? opts.dir ?? '' }, logger, { limits, ftMode });
}
