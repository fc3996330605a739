/** Options of the JETSTREAM store (`-st JETSTREAM`, docs/jetstream.md §Options). */

export interface JetStreamStoreOptions {
  /** `-ns`: the NATS server(s) running JetStream, comma-separated URLs. */
  servers: string;
  user?: string;
  pass?: string;
  token?: string;
  /** `-cid`: names the KV bucket and the streams. */
  clusterId: string;
  /** `--js_prefix`: subject prefix of the channels (default `stan.<clusterID>`). */
  prefix?: string;
  /** `--js_replicas`: replicas of streams and bucket (default 3 when the JetStream cluster has 3+ servers, else 1). */
  replicas?: number;
  /** `--js_domain`: JetStream domain. */
  domain?: string;
  /**
   * `--clustered`: throws while this server does not hold the lease (lease.ts);
   * checked before every acknowledgement and every KV write.
   */
  fence?: () => void;
  /**
   * Timeout of the reads that start a store (the bucket's watch, the channels'
   * ordered consumers); default 5 s. A standby becoming active tries with short
   * timeouts first: right after a nats-server dies, a consumer request can go
   * unanswered until its stream has a new leader, and a retry after 1 s finds it
   * sooner than one after 5 s.
   */
  readTimeoutMs?: number;
}

export function defaultPrefix(clusterId: string): string {
  return `stan.${clusterId}`;
}
