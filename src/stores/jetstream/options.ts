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
}

export function defaultPrefix(clusterId: string): string {
  return `stan.${clusterId}`;
}
