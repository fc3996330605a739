/**
 * What every part of the JetStream store shares: one NATS connection with its
 * JetStream client and manager, the names of this cluster ID and the identity of
 * this natstream instance (the `Stan-Origin` header of its writes).
 */

import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';

import type { Logger } from '../../util/logger.js';

export interface JsStoreContext {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  /** The same with the read timeout (JetStreamStoreOptions.readTimeoutMs), for consumers. */
  readonly jsRead: JetStreamClient;
  readonly readTimeoutMs: number;
  readonly jsm: JetStreamManager;
  readonly clusterId: string;
  /** Subject prefix: channel C is on `<prefix>.C`. */
  readonly prefix: string;
  readonly replicas: number;
  /** A unique ID of this store instance. */
  readonly origin: string;
  readonly logger: Logger;
  /** Throws when this server may not write (HA: the lease is not held). */
  readonly fence: () => void;
}

/** The exact text of an error from the JetStream API or the client. */
export function errorText(err: unknown): string {
  const e = err as { api_error?: { description?: string }; message?: string };
  return e?.api_error?.description ?? e?.message ?? String(err);
}

/** JetStream's error code of an API error (10071: wrong last sequence, 10037: no message found, 10059: stream not found). */
export function apiErrorCode(err: unknown): number | undefined {
  return (err as { api_error?: { err_code?: number } })?.api_error?.err_code;
}
