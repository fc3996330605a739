/**
 * Encryption of message data in the Go server's byte format (stores.md §7):
 * one byte of cipher code, a 12-byte nonce, then the ciphertext and its 16-byte
 * tag. The nonce starts random with its last 8 bytes set to the channel's last
 * sequence + 1 and counts up (big-endian) after each message, so a nonce is
 * never reused under one channel key.
 */
import { createCipheriv, createDecipheriv, randomFillSync, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { CipherCode } from './keys.js';

const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const HEADER_SIZE = 1 + NONCE_SIZE;

// Both AEADs take the same options and offer the same calls.
function sealer(code: CipherCode, key: Buffer, nonce: Buffer): CipherGCM {
  const o = { authTagLength: TAG_SIZE };
  return code === CipherCode.AES ? createCipheriv('aes-256-gcm', key, nonce, o)
    : createCipheriv('chacha20-poly1305', key, nonce, o) as unknown as CipherGCM;
}

function opener(code: CipherCode, key: Buffer, nonce: Uint8Array): DecipherGCM {
  const o = { authTagLength: TAG_SIZE };
  return code === CipherCode.AES ? createDecipheriv('aes-256-gcm', key, nonce, o)
    : createDecipheriv('chacha20-poly1305', key, nonce, o) as unknown as DecipherGCM;
}

/** The Go libraries' texts for a ciphertext that does not authenticate (wrong key, altered data). */
export const AUTH_FAILED: Record<CipherCode, string> = {
  [CipherCode.AES]: 'cipher: message authentication failed',
  [CipherCode.CHACHA]: 'chacha20poly1305: message authentication failed',
};

export class DataCipher {
  private readonly nonce = Buffer.alloc(NONCE_SIZE);

  constructor(private readonly code: CipherCode, private readonly key: Buffer, lastSequence: number) {
    randomFillSync(this.nonce);
    this.nonce.writeBigUInt64BE(BigInt(lastSequence) + 1n, NONCE_SIZE - 8);
  }

  encrypt(data: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(HEADER_SIZE + data.length + TAG_SIZE);
    out[0] = this.code;
    this.nonce.copy(out, 1);
    const c = sealer(this.code, this.key, this.nonce);
    const body = c.update(data);
    body.copy(out, HEADER_SIZE);
    const last = c.final();
    last.copy(out, HEADER_SIZE + body.length);
    c.getAuthTag().copy(out, HEADER_SIZE + body.length + last.length);
    this.nextNonce();
    return out;
  }

  /** Data whose first byte names no cipher was stored in clear and is returned as is. */
  decrypt(stored: Uint8Array): Uint8Array {
    const code = stored[0];
    if (code !== CipherCode.AES && code !== CipherCode.CHACHA) return stored;
    if (stored.length <= HEADER_SIZE) throw new Error(`trying to decrypt data that is not (len=${stored.length})`);
    if (stored.length < HEADER_SIZE + TAG_SIZE) throw new Error(AUTH_FAILED[code]);
    const nonce = stored.subarray(1, HEADER_SIZE);
    const tagAt = stored.length - TAG_SIZE;
    const d = opener(code, this.key, nonce);
    d.setAuthTag(stored.subarray(tagAt));
    try {
      const body = d.update(stored.subarray(HEADER_SIZE, tagAt));
      const last = d.final();
      return last.length === 0 ? body : Buffer.concat([body, last]);
    } catch {
      throw new Error(AUTH_FAILED[code]);
    }
  }

  private nextNonce(): void {
    for (let i = NONCE_SIZE - 1; i >= 0; i--) {
      this.nonce[i] = (this.nonce[i] + 1) & 0xff;
      if (this.nonce[i] !== 0) break;
    }
  }
}
