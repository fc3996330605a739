/**
 * The per-channel verification of a migration: message count and a SHA-256 over
 * every message's sequence, timestamp, reply and data, in sequence order. The
 * same function runs over the source store and over the target stream.
 */

import { createHash, type Hash } from 'node:crypto';

import type { Msg } from '../protocol/stan-msg.js';

export class ChannelChecksum {
  count = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly head = Buffer.alloc(24);

  add(m: Msg): void {
    this.count++;
    const h = this.head;
    h.writeBigUInt64BE(BigInt(m.sequence), 0);
    h.writeBigInt64BE(m.timestamp, 8);
    h.writeUInt32BE(Buffer.byteLength(m.reply), 16);
    h.writeUInt32BE(m.data.length, 20);
    this.hash.update(h);
    this.hash.update(m.reply);
    this.hash.update(m.data);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
