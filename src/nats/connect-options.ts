/** The CONNECT fields a client connection understands (nats-server client.go ClientOpts). */
export interface ConnectOptions {
  verbose: boolean;
  pedantic: boolean;
  echo: boolean;
  tlsRequired: boolean;
  authToken?: string;
  user?: string;
  pass?: string;
  /** The user's public nkey (nkey users). */
  nkey?: string;
  /** The INFO nonce signed with the user's nkey, base64url. */
  sig?: string;
  /** A user JWT (operator mode). */
  jwt?: string;
  name: string;
  lang: string;
  version: string;
  protocol: number;
  headers: boolean;
  noResponders: boolean;
  account?: unknown;
  newAccount?: unknown;
}

type FieldKind = 'boolean' | 'string' | 'number';

/** JSON key -> [field, expected type]. A present key of the wrong type rejects the CONNECT, as Go's json.Unmarshal does. */
const FIELDS = new Map<string, [keyof ConnectOptions, FieldKind | 'any']>(Object.entries({
  verbose: ['verbose', 'boolean'],
  pedantic: ['pedantic', 'boolean'],
  echo: ['echo', 'boolean'],
  tls_required: ['tlsRequired', 'boolean'],
  auth_token: ['authToken', 'string'],
  user: ['user', 'string'],
  pass: ['pass', 'string'],
  nkey: ['nkey', 'string'],
  sig: ['sig', 'string'],
  jwt: ['jwt', 'string'],
  name: ['name', 'string'],
  lang: ['lang', 'string'],
  version: ['version', 'string'],
  protocol: ['protocol', 'number'],
  headers: ['headers', 'boolean'],
  no_responders: ['noResponders', 'boolean'],
  account: ['account', 'any'],
  new_account: ['newAccount', 'any'],
} satisfies Record<string, [keyof ConnectOptions, FieldKind | 'any']>));

/**
 * Parses a CONNECT argument; missing keys keep the server defaults (verbose,
 * pedantic and echo true). Returns null for anything that is not a JSON object
 * with well-typed fields. `undefined` gives the defaults of a client that never
 * sent CONNECT.
 */
export function parseConnectOptions(json: string | undefined): ConnectOptions | null {
  const opts: ConnectOptions = {
    verbose: true, pedantic: true, echo: true, tlsRequired: false,
    name: '', lang: '', version: '', protocol: 0, headers: false, noResponders: false,
  };
  if (json === undefined) return opts;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const target = opts as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    const field = FIELDS.get(key);
    if (field === undefined || value === null) continue;
    const [name, kind] = field;
    if (kind !== 'any' && typeof value !== kind) return null;
    if (kind === 'number' && !Number.isInteger(value)) return null;
    target[name] = value;
  }
  return opts;
}
