/**
 * Operator (decentralized JWT) mode, as nats-server's `operator:` with
 * `resolver: MEMORY` and `resolver_preload`: the operator JWTs name the
 * trusted keys, the preloaded account JWTs must be signed by one of them, and
 * a client connects with a user JWT issued by an account (or one of its
 * signing keys) and signs the INFO nonce with the user's nkey (unless the JWT
 * is a bearer token). The user JWT's `pub`/`sub` permissions apply and its
 * expiry ends the connection. JWT decoding and signature checks are nats-io's
 * `nats-jwt`.
 */
import type { ConnectOptions } from './connect-options.js';
import { nonceSigned, type NatsJwtLib } from './nkey-auth.js';
import type { OperatorModeOptions, UserPermissions } from './options.js';

interface Claims {
  iss: string;
  sub: string;
  exp?: number;
  nbf?: number;
  nats?: Record<string, unknown>;
}

/** A user JWT that passed every check. */
export interface JwtUser {
  /** The user's public nkey. */
  subject: string;
  permissions: UserPermissions | null;
  /** Epoch milliseconds when the JWT expires (0: never). */
  expiresAt: number;
}

/** Start-up errors, with nats-server's words. */
export const jwtConfigErrors = {
  operator: (why: string) => `error parsing operator JWT: ${why}`,
  preload: (key: string, why: string) => `preload account error for "${key}": ${why}`,
} as const;

export class OperatorTrust {
  private constructor(
    private readonly jwt: NatsJwtLib,
    private readonly trustedKeys: ReadonlySet<string>,
    private readonly accounts: ReadonlyMap<string, Claims>,
  ) {}

  /** Decodes and verifies the operator and account JWTs; throws with nats-server's start-up error. */
  static create(jwt: NatsJwtLib, o: OperatorModeOptions): OperatorTrust {
    const trusted = new Set<string>();
    for (const token of o.operatorJwts) {
      const op = decodeAs(jwt, token, 'operator', jwtConfigErrors.operator);
      trusted.add(op.sub);
      for (const key of signingKeys(op)) trusted.add(key);
    }
    const accounts = new Map<string, Claims>();
    for (const [key, token] of o.accountJwts) {
      const acc = decodeAs(jwt, token, 'account', (why) => jwtConfigErrors.preload(key, why));
      if (acc.sub !== key) throw new Error(jwtConfigErrors.preload(key, 'account public key does not match the JWT subject'));
      accounts.set(key, acc);
    }
    return new OperatorTrust(jwt, trusted, accounts);
  }

  /** The user a CONNECT authenticates as, or null (nats-server answers `Authorization Violation`). */
  authenticate(c: ConnectOptions, nonce: string, now = Date.now()): JwtUser | null {
    if (!c.jwt) return null;
    let user: Claims;
    try {
      user = this.jwt.decode(c.jwt) as Claims;
    } catch {
      return null;
    }
    const nats = user.nats ?? {};
    if (claimType(user) !== 'user' || !timesValid(user, now)) return null;
    const issuerAccount = typeof nats.issuer_account === 'string' && nats.issuer_account !== '' ? nats.issuer_account : user.iss;
    const account = this.accounts.get(issuerAccount);
    if (account === undefined || !this.trustedKeys.has(account.iss) || !timesValid(account, now)) return null;
    if (user.iss !== account.sub && !signingKeys(account).includes(user.iss)) return null;
    if (nats.bearer_token !== true && !nonceSigned(this.jwt, user.sub, nonce, c.sig)) return null;
    return { subject: user.sub, permissions: jwtPermissions(nats), expiresAt: (user.exp ?? 0) * 1000 };
  }
}

function decodeAs(jwt: NatsJwtLib, token: string, type: string, error: (why: string) => string): Claims {
  let claims: Claims;
  try {
    claims = jwt.decode(token) as Claims;
  } catch (err) {
    throw new Error(error((err as Error).message));
  }
  if (claimType(claims) !== type) throw new Error(error(`not a${type === 'account' ? 'n' : ''} ${type} JWT`));
  return claims;
}

function claimType(c: Claims): unknown {
  return c.nats?.type ?? (c as { type?: unknown }).type;
}

/** jwt.Validate's blocking checks on time: expired, or not valid yet. */
function timesValid(c: Claims, now: number): boolean {
  const seconds = Math.floor(now / 1000);
  if (c.exp !== undefined && c.exp > 0 && seconds > c.exp) return false;
  if (c.nbf !== undefined && c.nbf > 0 && seconds < c.nbf) return false;
  return true;
}

/** Signing keys are strings, or scoped signers `{ kind: "user_scope", key, ... }`. */
function signingKeys(c: Claims): string[] {
  const keys = c.nats?.signing_keys;
  if (!Array.isArray(keys)) return [];
  const out: string[] = [];
  for (const k of keys) {
    if (typeof k === 'string') out.push(k);
    else if (k !== null && typeof k === 'object' && typeof (k as { key?: unknown }).key === 'string') out.push((k as { key: string }).key);
  }
  return out;
}

/** `nats.pub`/`nats.sub` allow and deny lists; an empty list restricts nothing, as in nats-server. */
function jwtPermissions(nats: Record<string, unknown>): UserPermissions | null {
  const pub = subjectLists(nats.pub);
  const sub = subjectLists(nats.sub);
  if (pub === undefined && sub === undefined) return null;
  const p: UserPermissions = {};
  if (pub) p.publish = pub;
  if (sub) p.subscribe = sub;
  return p;
}

function subjectLists(v: unknown): { allow?: string[]; deny?: string[] } | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const out: { allow?: string[]; deny?: string[] } = {};
  for (const kind of ['allow', 'deny'] as const) {
    const list = (v as Record<string, unknown>)[kind];
    if (Array.isArray(list) && list.length > 0) out[kind] = list.filter((s): s is string => typeof s === 'string');
  }
  return out.allow || out.deny ? out : undefined;
}
