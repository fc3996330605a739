/** A registered streaming client and the registry that finds clients by ID or connection ID. */

import type { ClientInfo } from '../stores/store.js';
import type { Subscription } from './subscription.js';

export class Client {
  readonly subs = new Set<Subscription>();
  /** Consecutive failed heartbeats. */
  hbFailed = 0;
  /** ms since epoch when the next heartbeat is due. */
  hbDueAt: number;
  hbInFlight = false;
  closed = false;

  constructor(readonly info: ClientInfo, hbInterval: number) {
    this.hbDueAt = Date.now() + hbInterval;
  }

  get id(): string {
    return this.info.id;
  }

  /** Monitoring: `hb_inbox`. */
  get hbInbox(): string {
    return this.info.hbInbox;
  }

  get connIdKey(): string {
    return connIdKey(this.info.connId);
  }
}

/** Connection IDs are bytes; a latin1 string of them is a cheap exact map key. */
export function connIdKey(connId: Uint8Array): string {
  return connId.length === 0 ? '' : Buffer.from(connId.buffer, connId.byteOffset, connId.length).toString('latin1');
}

export class ClientRegistry {
  private readonly byId = new Map<string, Client>();
  private readonly byConnId = new Map<string, Client>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Client | undefined {
    return this.byId.get(id);
  }

  getByConnId(key: string): Client | undefined {
    return this.byConnId.get(key);
  }

  add(c: Client): void {
    this.byId.set(c.id, c);
    const k = c.connIdKey;
    if (k !== '') this.byConnId.set(k, c);
  }

  remove(c: Client): void {
    if (this.byId.get(c.id) === c) this.byId.delete(c.id);
    const k = c.connIdKey;
    if (k !== '' && this.byConnId.get(k) === c) this.byConnId.delete(k);
  }

  values(): IterableIterator<Client> {
    return this.byId.values();
  }
}
