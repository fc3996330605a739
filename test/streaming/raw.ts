/**
 * Raw STAN requests over the `nats` client, for inputs node-nats-streaming
 * cannot produce (garbage protobuf, unknown client IDs, empty fields).
 */

import { connect, type NatsConnection } from 'nats';

export { type NatsConnection };

export async function rawConnect(url: string): Promise<NatsConnection> {
  return connect({ servers: url, noEcho: false });
}

/** A request; null when nothing answered within `timeoutMs`. */
export async function rawRequest(nc: NatsConnection, subject: string, payload: Uint8Array, timeoutMs = 2000): Promise<Uint8Array | null> {
  try {
    const m = await nc.request(subject, payload, { timeout: timeoutMs, noMux: true });
    return m.data;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'TIMEOUT' || code === '503' || /timeout|no responders/i.test((err as Error).message)) return null;
    throw err;
  }
}

export function hex(b: Uint8Array | null): string {
  return b === null ? 'null' : Buffer.from(b).toString('hex');
}
