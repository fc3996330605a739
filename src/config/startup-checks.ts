/**
 * The streaming server's start-up checks that need nothing but the options
 * (spec §5), with the Go server's messages, plus natstream's refusal of the Go
 * features it does not run (Raft clustering, partitioning, encryption at rest).
 * The caller logs a failure as `[FTL] STREAM: Failed to start: <message>` and
 * exits with status 1.
 */
import { validateLimits } from '../stores/limits.js';
import { startupErrors } from './errors.js';
import type { NatstreamOptions } from './options.js';

export const unsupportedErrors = {
  clustering: 'natstream: clustering (--clustered, cluster {}) is not supported',
  partitioning: 'natstream: channels partitioning is not supported',
  encryption: 'natstream: encryption at rest (--encrypt) is not supported',
  routes: 'natstream: NATS routes (--routes, --cluster) are not supported; use -ns to run on a NATS cluster',
} as const;

const STORE_TYPES = new Set(['MEMORY', 'FILE', 'SQL']);
const CIPHERS = new Set(['', 'AES', 'CHACHA', 'CHACHAPOLY']);

/** The first problem that prevents a start, or undefined. */
export function checkStartup(o: NatstreamOptions, env: Record<string, string | undefined> = process.env): string | undefined {
  const storeType = (o.store.type ?? 'MEMORY').toUpperCase();
  const u = o.unsupported;
  if (u.clustering.clustered) {
    if (storeType === 'MEMORY') return startupErrors.clusteringMemory;
    if (u.partitioning) return startupErrors.partitioningClustering;
    return unsupportedErrors.clustering;
  }
  if (o.ftGroup && storeType === 'MEMORY') return startupErrors.ftMemory;
  if (!STORE_TYPES.has(storeType)) return startupErrors.unsupportedStoreType(storeType);
  if (storeType === 'FILE' && !o.store.dir) return startupErrors.fileStoreDir;
  if (o.streaming.limits) {
    try {
      validateLimits(o.streaming.limits);
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (u.partitioning) return unsupportedErrors.partitioning;
  const key = env.NATS_STREAMING_ENCRYPTION_KEY || u.encryptionKey;
  if (u.encrypt || key) {
    if (!key) return startupErrors.encryptionKey;
    if (!CIPHERS.has((u.encryptionCipher ?? '').toUpperCase())) return startupErrors.encryptionCipher;
    return unsupportedErrors.encryption;
  }
  if (u.routes || u.clusterListen) return unsupportedErrors.routes;
  return undefined;
}
