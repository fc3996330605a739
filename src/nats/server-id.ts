import { randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A 56-character id shaped like nats-server's nkey public key ('N' + base32). */
export function newServerId(): string {
  const bytes = randomBytes(55);
  let id = 'N';
  for (let i = 0; i < 55; i++) id += BASE32[bytes[i] & 31];
  return id;
}

const NUID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A 22-character random token, like the NUIDs clients use for inboxes. */
export function newNuid(): string {
  const bytes = randomBytes(22);
  let s = '';
  for (let i = 0; i < 22; i++) s += NUID_CHARS[bytes[i] % 62];
  return s;
}
