import type { ClusterOptions } from './cluster/options.js';

/** Options of the embedded core NATS server; defaults are nats-server 2.9's. */
export interface UserPermissions {
  publish?: { allow?: string[]; deny?: string[] };
  subscribe?: { allow?: string[]; deny?: string[] };
}

export interface UserEntry {
  user: string;
  /** Clear text or a bcrypt hash (`$2a$...`). */
  password: string;
  permissions?: UserPermissions;
}

/** A user known by its nkey (`authorization { users [ { nkey: U... } ] }`): it signs the INFO nonce. */
export interface NkeyUserEntry {
  nkey: string;
  permissions?: UserPermissions;
}

/**
 * Operator (decentralized JWT) mode: the operator JWTs trusted, and the
 * account JWTs of a MEMORY resolver (`resolver_preload`), by account public key.
 */
export interface OperatorModeOptions {
  operatorJwts: string[];
  accountJwts: Map<string, string>;
}

export interface TlsOptions {
  cert: string;
  key: string;
  ca?: string;
  verify?: boolean;
  /** Seconds allowed for the handshake. */
  timeout?: number;
}

export interface CoreOptions {
  host: string;
  /** 0 or -1 pick a free port. */
  port: number;
  serverName?: string;
  user?: string;
  pass?: string;
  authToken?: string;
  users?: UserEntry[];
  nkeys?: NkeyUserEntry[];
  operatorMode?: OperatorModeOptions;
  /** Milliseconds. */
  authTimeout: number;
  maxPayload: number;
  maxControlLine: number;
  maxConnections: number;
  /** 0 = unlimited. */
  maxSubscriptions: number;
  /** Per-connection pending outbound bytes before the connection is cut as a slow consumer. */
  maxPending: number;
  /** Milliseconds. */
  pingInterval: number;
  pingMaxOut: number;
  /** Milliseconds. */
  writeDeadline: number;
  noHeaderSupport: boolean;
  tls?: TlsOptions;
  /** Route clustering (`--cluster`, `--routes`, `cluster {}`); absent: a single server. */
  cluster?: ClusterOptions;
}

export const defaultCoreOptions: CoreOptions = {
  host: '0.0.0.0',
  port: 4222,
  authTimeout: 2000,
  maxPayload: 1024 * 1024,
  maxControlLine: 4096,
  maxConnections: 64 * 1024,
  maxSubscriptions: 0,
  maxPending: 64 * 1024 * 1024,
  pingInterval: 2 * 60 * 1000,
  pingMaxOut: 2,
  writeDeadline: 10_000,
  noHeaderSupport: false,
};
