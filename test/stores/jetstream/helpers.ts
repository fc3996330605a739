import type { NatsConnection } from 'nats';

import { bucketName, streamPrefix } from '../../../src/stores/jetstream/names.js';

/** Deletes the streams and the KV bucket of one cluster ID. */
export async function removeClusterData(nc: NatsConnection, clusterId: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const prefix = streamPrefix(clusterId);
  const names: string[] = [];
  for await (const si of jsm.streams.list()) {
    if (si.config.name.startsWith(prefix)) names.push(si.config.name);
  }
  names.push(`KV_${bucketName(clusterId)}`);
  for (const name of names) await jsm.streams.delete(name).catch(() => undefined);
}
