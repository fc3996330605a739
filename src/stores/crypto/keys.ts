/**
 * Keys of encryption at rest (spec stores.md §7, Go: stores/cryptostore.go): the
 * cipher code, the master key hash and the per-channel key. The key itself is
 * hashed at once and never kept, logged or shown.
 */
import { createHash } from 'node:crypto';

/** The environment variable that holds the key; it wins over `--encryption_key`. */
export const ENCRYPTION_KEY_ENV = 'NATS_STREAMING_ENCRYPTION_KEY';

/** The first byte of encrypted data names its cipher. */
export const CipherCode = { AES: 1, CHACHA: 2 } as const;
export type CipherCode = (typeof CipherCode)[keyof typeof CipherCode];

export const CRYPTO_ERRORS = {
  keyRequired: 'encryption key required',
  cipherNotSupported: 'encryption cipher not supported',
} as const;

export interface MasterKey {
  code: CipherCode;
  /** SHA-256 of the key. */
  hash: Buffer;
}

/**
 * The cipher named by `--encryption_cipher` (`AES` or `CHACHA`, any case; empty
 * picks AES where the CPU accelerates it, as the Go server does on amd64/386)
 * and the hash of the key, taken from the environment first.
 */
export function masterKey(cipher: string, key: string, env: Record<string, string | undefined> = process.env): MasterKey {
  let code: CipherCode;
  if (cipher === '') {
    code = process.arch === 'x64' || process.arch === 'ia32' ? CipherCode.AES : CipherCode.CHACHA;
  } else {
    const upper = cipher.toUpperCase();
    if (upper === 'AES') code = CipherCode.AES;
    else if (upper === 'CHACHA') code = CipherCode.CHACHA;
    else throw new Error(CRYPTO_ERRORS.cipherNotSupported);
  }
  const k = env[ENCRYPTION_KEY_ENV] || key;
  if (!k) throw new Error(CRYPTO_ERRORS.keyRequired);
  return { code, hash: createHash('sha256').update(k, 'utf8').digest() };
}

/**
 * The key of one channel: SHA-256 over `32 + 1 + len(channel)` zero bytes, the
 * master key hash, `.` and the channel name. The leading zeros come from the Go
 * code (it appends to a slice made with that length) and must be kept to read
 * stores the Go server wrote.
 */
export function channelKey(master: MasterKey, channel: string): Buffer {
  const name = Buffer.from(channel, 'utf8');
  const zeros = Buffer.alloc(master.hash.length + 1 + name.length);
  return createHash('sha256').update(zeros).update(master.hash).update('.').update(name).digest();
}
