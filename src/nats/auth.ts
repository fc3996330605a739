import bcrypt from 'bcryptjs';
import type { CoreOptions } from './options.js';
import type { ConnectOptions } from './connect-options.js';
import { Permissions } from './permissions.js';

export interface AuthenticatedUser {
  name: string;
  permissions: Permissions | null;
}

const BCRYPT_PREFIX = /^\$2[abxy]\$\d{2}\$/;

/** A configured secret matches the client's: bcrypt hashes are checked, clear text compared. */
function secretMatches(configured: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  if (BCRYPT_PREFIX.test(configured)) return bcrypt.compareSync(given, configured);
  return configured === given;
}

/** Client authentication as nats-server does it for --user/--pass, --auth and users lists. */
export class Authenticator {
  readonly required: boolean;

  constructor(private readonly opts: CoreOptions) {
    this.required = Boolean(opts.user || opts.authToken || (opts.users && opts.users.length > 0));
  }

  /** The user a CONNECT authenticates as, or null. */
  check(c: ConnectOptions): AuthenticatedUser | null {
    const o = this.opts;
    if (o.users && o.users.length > 0) {
      const entry = o.users.find((u) => u.user === c.user);
      if (entry && secretMatches(entry.password, c.pass)) {
        return { name: entry.user, permissions: entry.permissions ? new Permissions(entry.permissions) : null };
      }
      return null;
    }
    if (o.user) {
      if (c.user === o.user && secretMatches(o.pass ?? '', c.pass)) return { name: o.user, permissions: null };
      return null;
    }
    if (o.authToken) {
      if (secretMatches(o.authToken, c.authToken)) return { name: '', permissions: null };
      return null;
    }
    return { name: '', permissions: null };
  }
}
