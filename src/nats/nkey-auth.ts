/**
 * Nkey signatures: a client proves it holds a user nkey (or the nkey a user
 * JWT names) by signing the nonce of the server's INFO. The ed25519 nkeys code
 * is nats-io's (the `nats-jwt` package, which bundles `nkeys.js`); it is
 * loaded only when a configuration needs it, to keep start-up short.
 */
import { randomBytes } from 'node:crypto';

export type NatsJwtLib = typeof import('nats-jwt');

let lib: Promise<NatsJwtLib> | null = null;

/** nats-io's JWT and nkeys library, loaded once on first use. */
export function loadNatsJwt(): Promise<NatsJwtLib> {
  lib ??= import('nats-jwt');
  return lib;
}

/** nats-server's nonce: 11 random bytes, base64url without padding (15 characters). */
export function newNonce(): string {
  return randomBytes(11).toString('base64url');
}

/** nats-server accepts the signature in base64url (what clients send) or standard base64. */
function decodeSignature(sig: string): Uint8Array | null {
  if (/^[A-Za-z0-9_-]+$/.test(sig)) return Buffer.from(sig, 'base64url');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(sig)) return Buffer.from(sig, 'base64');
  return null;
}

/** Did the holder of `publicKey` sign `nonce`? False for any malformed key or signature. */
export function nonceSigned(jwt: NatsJwtLib, publicKey: string, nonce: string, sig: string | undefined): boolean {
  if (!sig || nonce === '') return false;
  const signature = decodeSignature(sig);
  if (signature === null) return false;
  try {
    const key = jwt.fromPublic(publicKey) as { verify(data: Uint8Array, sig: Uint8Array): boolean };
    return key.verify(Buffer.from(nonce, 'ascii'), signature);
  } catch {
    return false;
  }
}
