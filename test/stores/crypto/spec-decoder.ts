/**
 * An independent reader of encrypted message data, written from the spec
 * (stores.md §7) and sharing no code with src/stores/crypto: it checks that what
 * natstream writes is the Go server's byte format.
 */
import { createDecipheriv, createHash } from 'node:crypto';

export interface Sealed {
  code: number;
  nonce: Buffer;
  clear: Buffer;
}

/** SHA-256( zeros(32 + 1 + len(channel)) | SHA-256(key) | "." | channel ). */
export function specChannelKey(key: string, channel: string): Buffer {
  const mkh = createHash('sha256').update(Buffer.from(key)).digest();
  const ch = Buffer.from(channel);
  const material = Buffer.concat([Buffer.alloc(32 + 1 + ch.length), mkh, Buffer.from('.'), ch]);
  return createHash('sha256').update(material).digest();
}

/** Opens `code | nonce(12) | ciphertext | tag(16)`. */
export function specOpen(key: string, channel: string, stored: Uint8Array): Sealed {
  const buf = Buffer.from(stored);
  const code = buf[0];
  const algo = code === 1 ? 'aes-256-gcm' : code === 2 ? 'chacha20-poly1305' : null;
  if (algo === null) throw new Error(`not encrypted (first byte ${code})`);
  const nonce = buf.subarray(1, 13);
  const tag = buf.subarray(buf.length - 16);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const d: any = createDecipheriv(algo as 'aes-256-gcm', specChannelKey(key, channel), nonce, { authTagLength: 16 });
  d.setAuthTag(tag);
  const clear = Buffer.concat([d.update(buf.subarray(13, buf.length - 16)), d.final()]);
  return { code, nonce: Buffer.from(nonce), clear };
}
