/**
 * The INFO and CONNECT a route sends, and the parts of a peer's INFO and
 * CONNECT natstream reads (nats-server 2.9 server/route.go, server/server.go Info).
 */
import { randomBytes } from 'node:crypto';

/** nats-server's RouteProtoV2: routes carry accounts (RS+ <account> ...). */
export const ROUTE_PROTO = 2;
export const GLOBAL_ACCOUNT = '$G';

/** What natstream reads from a route's INFO. */
export interface PeerInfo {
  id: string;
  name: string;
  host: string;
  port: number;
  proto: number;
  headers: boolean;
  cluster: string;
  dynamic: boolean;
  lnoc: boolean;
  authRequired: boolean;
  /** `nats-route://host:port/` set by the server that forwards a new route's INFO (implicit discovery). */
  ip: string;
  connectUrls: string[];
  /** The INFO as received, for forwarding it to the other routes. */
  raw: Record<string, unknown>;
}

/** What natstream reads from a route's CONNECT. */
export interface PeerConnect {
  name: string;
  cluster: string;
  dynamic: boolean;
  lnoc: boolean;
  headers: boolean;
  lang: string;
  gateway: string;
  user: string;
  pass: string;
}

/** Parses a route INFO; null when it is not a JSON object with a string server_id. */
export function parsePeerInfo(json: string): PeerInfo | null {
  const o = parseObject(json);
  if (o === null || typeof o.server_id !== 'string') return null;
  return {
    id: o.server_id,
    name: str(o.server_name),
    host: str(o.host),
    port: typeof o.port === 'number' ? o.port : 0,
    proto: typeof o.proto === 'number' ? o.proto : 0,
    headers: o.headers === true,
    cluster: str(o.cluster),
    dynamic: o.cluster_dynamic === true,
    lnoc: o.lnoc === true,
    authRequired: o.auth_required === true,
    ip: str(o.ip),
    connectUrls: Array.isArray(o.connect_urls) ? o.connect_urls.filter((u): u is string => typeof u === 'string') : [],
    raw: o,
  };
}

export function parsePeerConnect(json: string): PeerConnect | null {
  const o = parseObject(json);
  if (o === null) return null;
  return {
    name: str(o.name),
    cluster: str(o.cluster),
    dynamic: o.cluster_dynamic === true,
    lnoc: o.lnoc === true,
    headers: o.headers === true,
    lang: str(o.lang),
    gateway: str(o.gateway),
    user: str(o.user),
    pass: str(o.pass),
  };
}

export interface LocalRouteInfo {
  serverId: string;
  serverName: string;
  version: string;
  go: string;
  host: string;
  port: number;
  headers: boolean;
  authRequired: boolean;
  /** Routes use mutual TLS. */
  tls: boolean;
  maxPayload: number;
  /** Set with cluster_advertise. */
  ip?: string;
  cluster: string;
  dynamic: boolean;
  /** This server's client URLs (empty with no_advertise). */
  connectUrls: string[];
}

/** The INFO line this server sends on a route, fields in nats-server's order, with a fresh nonce. */
export function routeInfoLine(i: LocalRouteInfo): string {
  const info: Record<string, unknown> = {
    server_id: i.serverId,
    server_name: i.serverName,
    version: i.version,
    proto: ROUTE_PROTO,
    go: i.go,
    host: i.host,
    port: i.port,
    headers: i.headers,
  };
  if (i.authRequired) info.auth_required = true;
  if (i.tls) {
    info.tls_required = true;
    info.tls_verify = true;
  }
  info.max_payload = i.maxPayload;
  if (i.ip) info.ip = i.ip;
  info.nonce = randomBytes(11).toString('base64url').slice(0, 15);
  info.cluster = i.cluster;
  if (i.dynamic) info.cluster_dynamic = true;
  if (i.connectUrls.length > 0) info.connect_urls = i.connectUrls;
  info.lnoc = true;
  return `INFO ${JSON.stringify(info)} \r\n`;
}

/** The CONNECT a soliciting server sends first (nats-server's connectInfo, field order kept). */
export function routeConnectLine(c: {
  user?: string; pass?: string; tls: boolean; headers: boolean; serverId: string; cluster: string; dynamic: boolean;
}): string {
  const o: Record<string, unknown> = { echo: true, verbose: false, pedantic: false };
  if (c.user) o.user = c.user;
  if (c.pass) o.pass = c.pass;
  o.tls_required = c.tls;
  o.headers = c.headers;
  o.name = c.serverId;
  o.cluster = c.cluster;
  if (c.dynamic) o.cluster_dynamic = true;
  o.lnoc = true;
  return `CONNECT ${JSON.stringify(o)}\r\n`;
}

function parseObject(json: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(json);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
    // A null-prototype copy: keys come from the network.
    return Object.assign(Object.create(null) as Record<string, unknown>, v);
  } catch {
    return null;
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
