/**
 * The streaming server's start-up checks that need nothing but the options
 * (spec §5), with the Go server's messages, plus natstream's refusal of the Go
 * features it does not run (Raft clustering).
 * The caller logs a failure as `[FTL] STREAM: Failed to start: <message>` and
 * exits with status 1.
 */
import { validateLimits } from '../stores/limits.js';
import { startupErrors } from './errors.js';
import { partitioningErrors } from '../streaming/partitioning.js';
import type { NatstreamOptions } from './options.js';

export const unsupportedErrors = {
  clustering: 'natstream: clustering (--clustered, cluster {}) is not supported; use --ft_group with a FILE or SQL store',
  jetstreamNeedsNs: 'natstream: the JETSTREAM store needs -ns naming the NATS server (cluster) that runs JetStream',
} as const;

const STORE_TYPES = new Set(['MEMORY', 'FILE', 'SQL', 'JETSTREAM']);
const CIPHERS = new Set(['', 'AES', 'CHACHA']);

/** The first problem that prevents a start, or undefined. */
export function checkStartup(o: NatstreamOptions, env: Record<string, string | undefined> = process.env): string | undefined {
  const storeType = (o.store.type ?? 'MEMORY').toUpperCase();
  const u = o.unsupported;
  if (storeType === 'JETSTREAM' && !o.connection.natsServerUrl) return unsupportedErrors.jetstreamNeedsNs;
  if (u.clustering.clustered && storeType !== 'JETSTREAM') {
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
  if (u.partitioning && Object.keys(o.streaming.limits?.perChannel ?? {}).length === 0) return partitioningErrors.noChannel;
  if (u.encrypt || u.encryptionKey) {
    // Go (stores/cryptostore.go) checks the cipher first, then the key (the environment's first).
    if (!CIPHERS.has((u.encryptionCipher ?? '').toUpperCase())) return startupErrors.encryptionCipher;
    if (!(env.NATS_STREAMING_ENCRYPTION_KEY || u.encryptionKey)) return startupErrors.encryptionKey;
  }
  return undefined;
}
