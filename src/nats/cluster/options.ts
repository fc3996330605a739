/** Route clustering options of the core server: nats-server's `cluster {}` block and `--cluster`/`--routes` flags. */
export interface ClusterOptions {
  /** Route listen address (`--cluster nats://host:port`). */
  host: string;
  /** 0 or -1 pick a free port. */
  port: number;
  /** `--cluster_name`; absent: a random name that yields to a configured or greater one, as in nats-server. */
  name?: string;
  /** Routes to solicit (`--routes`), as URLs `nats://[user:pass@]host:port`. */
  routes: string[];
  /** `cluster_advertise`: host:port announced to other servers instead of the listen address. */
  advertise?: string;
  /** `client_advertise`: this server's client URL (`host[:port]`) as the other servers announce it to their clients. */
  clientAdvertise?: string;
  /** `no_advertise`: do not tell clients about the other servers' client URLs. */
  noAdvertise?: boolean;
  /** Extra attempts for implicit (discovered) routes. */
  connectRetries?: number;
  /** Credentials an incoming route must present (`cluster { authorization {} }`). */
  user?: string;
  pass?: string;
  /** Seconds an incoming route has to send CONNECT when credentials are required. */
  authTimeout?: number;
  /**
   * Mutual TLS on routes (`cluster { tls {} }`): file paths; `cert` serves as
   * both the server and the client certificate, and peers' certificates are
   * always verified, as in nats-server.
   */
  tls?: { cert: string; key: string; ca?: string; timeout?: number };
}

/** nats-server's DEFAULT_ROUTE_CONNECT and DEFAULT_ROUTE_RECONNECT. */
export const ROUTE_CONNECT_DELAY_MS = 1000;
export const ROUTE_RECONNECT_DELAY_MS = 1000;
/** nats-server's first PING on a route comes about a second after it is created. */
export const ROUTE_FIRST_PING_MS = 1000;

/** `[scheme://][user[:pass]@]host[:port][/]`, as nats-server reads `--cluster` and `--routes` (port -1 allowed). */
const URL_RE = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?(?:([^:@/]*)(?::([^@/]*))?@)?(\[[^\]]*\]|[^:/@[\]\s]*)(?::(-?\d+))?\/?$/;

/** Host, port and credentials of a route URL; null when it is not one. The port defaults to 6222. */
export function parseRouteUrl(raw: string): { host: string; port: number; user?: string; pass?: string } | null {
  const m = URL_RE.exec(raw.trim());
  if (m === null) return null;
  const out: { host: string; port: number; user?: string; pass?: string } = {
    host: m[3].replace(/^\[(.*)\]$/, '$1'),
    port: m[4] === undefined ? 6222 : Number(m[4]),
  };
  if (m[1]) out.user = decodeURIComponent(m[1]);
  if (m[2]) out.pass = decodeURIComponent(m[2]);
  return out;
}
