type Bcrypt = typeof import('bcryptjs').default;
import type { CoreOptions, NkeyUserEntry } from './options.js';
import type { ConnectOptions } from './connect-options.js';
import { OperatorTrust } from './jwt-auth.js';
import { loadNatsJwt, nonceSigned, type NatsJwtLib } from './nkey-auth.js';
import { Permissions } from './permissions.js';

export interface AuthenticatedUser {
  name: string;
  permissions: Permissions | null;
  /** Epoch milliseconds when the credentials (a user JWT) expire; absent or 0 = never. */
  expiresAt?: number;
}

const BCRYPT_PREFIX = /^\$2[abxy]\$\d{2}\$/;

/**
 * A configured secret matches the client's: bcrypt hashes are checked (bcryptjs
 * is loaded by prepare() only when a hash is configured), clear text compared.
 */
function secretMatches(bcrypt: Bcrypt | null, configured: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  if (BCRYPT_PREFIX.test(configured)) return bcrypt !== null && bcrypt.compareSync(given, configured);
  return configured === given;
}

function user(name: string, permissions: Permissions | null = null, expiresAt = 0): AuthenticatedUser {
  return { name, permissions, expiresAt };
}

/**
 * Client authentication in nats-server's order (server/auth.go): operator
 * mode (a user JWT), then nkey users, then user/password users, then a token
 * or the single --user/--pass.
 */
export class Authenticator {
  readonly required: boolean;
  /** INFO carries a nonce for the client to sign (nkey users or operator mode). */
  readonly nonceRequired: boolean;
  /** Which configuration decides (for the log line of a refusal). */
  readonly mode: 'operator' | 'nkeys' | 'users' | 'simple';
  private readonly nkeys = new Map<string, NkeyUserEntry>();
  private jwtLib: NatsJwtLib | null = null;
  private bcrypt: Bcrypt | null = null;
  private operator: OperatorTrust | null = null;

  constructor(private readonly opts: CoreOptions) {
    for (const entry of opts.nkeys ?? []) this.nkeys.set(entry.nkey, entry);
    this.nonceRequired = this.nkeys.size > 0 || opts.operatorMode !== undefined;
    this.mode = opts.operatorMode ? 'operator' : this.nkeys.size > 0 ? 'nkeys' : opts.users?.length ? 'users' : 'simple';
    this.required = Boolean(opts.user || opts.authToken || (opts.users && opts.users.length > 0) || this.nonceRequired);
  }

  /** Loads the nkeys/JWT code and checks the operator and account JWTs (throws a start-up error). */
  async prepare(): Promise<void> {
    const o = this.opts;
    const secrets = [o.pass, o.authToken, ...(o.users ?? []).map((u) => u.password)];
    if (this.bcrypt === null && secrets.some((x) => x !== undefined && BCRYPT_PREFIX.test(x))) {
      this.bcrypt = (await import('bcryptjs')).default;
    }
    if (!this.nonceRequired || this.jwtLib !== null) return;
    this.jwtLib = await loadNatsJwt();
    if (o.operatorMode) this.operator = OperatorTrust.create(this.jwtLib, o.operatorMode);
  }

  /** The user a CONNECT authenticates as, or null. `nonce` is the one this client's INFO carried. */
  check(c: ConnectOptions, nonce = ''): AuthenticatedUser | null {
    const o = this.opts;
    if (o.operatorMode) {
      const u = this.operator?.authenticate(c, nonce);
      if (!u) return null;
      return user(u.subject, u.permissions ? new Permissions(u.permissions) : null, u.expiresAt);
    }
    if (this.nkeys.size > 0 && c.nkey) {
      const entry = this.nkeys.get(c.nkey);
      if (!entry || this.jwtLib === null || !nonceSigned(this.jwtLib, entry.nkey, nonce, c.sig)) return null;
      return user(entry.nkey, entry.permissions ? new Permissions(entry.permissions) : null);
    }
    if (o.users && o.users.length > 0) {
      const entry = o.users.find((u) => u.user === c.user);
      if (entry && secretMatches(this.bcrypt, entry.password, c.pass)) {
        return user(entry.user, entry.permissions ? new Permissions(entry.permissions) : null);
      }
      return null;
    }
    if (o.authToken) return secretMatches(this.bcrypt, o.authToken, c.authToken) ? user('') : null;
    if (o.user) return c.user === o.user && secretMatches(this.bcrypt, o.pass ?? '', c.pass) ? user(o.user) : null;
    return this.required ? null : user('');
  }
}

/** The log line of a refused CONNECT, as nats-server's authViolation words it. */
export function authErrorText(auth: Authenticator, c: ConnectOptions): string {
  if (auth.mode === 'operator') return 'authentication error';
  if (auth.mode === 'nkeys') return `authentication error - Nkey ${JSON.stringify(c.nkey ?? '')}`;
  if (auth.mode === 'users') return `authentication error - User ${JSON.stringify(c.user ?? '')}`;
  return 'authentication error';
}
