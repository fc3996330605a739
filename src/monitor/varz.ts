/** /varz: server identity, options and counters (nats-server `Varz`, field order of 2.9.10). */
import { NATS_SERVER_VERSION, type NatsServer } from '../nats/server.js';
import type { GoJsonValue } from './go-json.js';
import { formatGoTime, goUptime, msToNs } from './go-time.js';
import type { ProcessFigures } from './process-stats.js';

export interface MonitorEndpoint {
  httpHost: string;
  /** 0 when only HTTPS is served. */
  httpPort: number;
  /** 0 when HTTPS is off. */
  httpsPort: number;
}

/** Go prints `auth_timeout`/`tls_timeout` as float seconds (`2`, `0.5`). */
const DEFAULT_TLS_TIMEOUT_S = 2;

export function buildVarz(
  core: NatsServer,
  endpoint: MonitorEndpoint,
  figures: ProcessFigures,
  requestStats: ReadonlyMap<string, number>,
  now: number,
): GoJsonValue {
  const o = core.options;
  const start = core.startTime.getTime();
  const tls = o.tls;
  return {
    server_id: core.serverId,
    server_name: core.serverName,
    version: NATS_SERVER_VERSION,
    proto: 1,
    go: `node${process.versions.node}`,
    host: o.host,
    port: core.port,
    auth_required: core.auth.required ? true : undefined,
    tls_required: tls ? true : undefined,
    tls_verify: tls?.verify ? true : undefined,
    max_connections: o.maxConnections,
    max_subscriptions: o.maxSubscriptions > 0 ? o.maxSubscriptions : undefined,
    ping_interval: msToNs(o.pingInterval),
    ping_max: o.pingMaxOut,
    http_host: endpoint.httpHost,
    http_port: endpoint.httpPort,
    http_base_path: '',
    https_port: endpoint.httpsPort,
    auth_timeout: o.authTimeout / 1000,
    max_control_line: o.maxControlLine,
    max_payload: o.maxPayload,
    max_pending: o.maxPending,
    cluster: clusterVarz(core),
    gateway: {},
    leaf: {},
    mqtt: {},
    websocket: {},
    jetstream: {},
    tls_timeout: tls?.timeout ?? DEFAULT_TLS_TIMEOUT_S,
    write_deadline: msToNs(o.writeDeadline),
    start: formatGoTime(start),
    now: formatGoTime(now),
    uptime: goUptime(now - start),
    mem: figures.mem,
    cores: figures.cores,
    gomaxprocs: figures.cores,
    cpu: figures.cpu,
    connections: core.connections.size,
    total_connections: core.totalConnections,
    routes: core.cluster ? core.cluster.routes.size : 0,
    remotes: core.cluster ? core.cluster.routes.size : 0,
    leafnodes: 0,
    in_msgs: core.inMsgs,
    out_msgs: core.outMsgs,
    in_bytes: core.inBytes,
    out_bytes: core.outBytes,
    slow_consumers: core.slowConsumers,
    subscriptions: core.sublist.size,
    http_req_stats: new Map(requestStats),
    config_load_time: formatGoTime(start),
    // A system account always exists in nats-server 2.9, even unconfigured.
    system_account: '$SYS',
  };
}

/** Varz.Cluster: name, listen address and port, timeouts, and the configured route URLs. */
function clusterVarz(core: NatsServer): GoJsonValue {
  const c = core.cluster;
  if (!c) return {};
  const doc: Record<string, GoJsonValue> = {
    name: c.clusterName,
    addr: c.host,
    cluster_port: c.port,
    auth_timeout: c.options.authTimeout ?? 2,
    tls_timeout: 2,
  };
  if (c.options.routes.length > 0) doc.urls = c.options.routes.map((u) => u.replace(/^[a-z-]+:\/\//i, '').replace(/\/$/, ''));
  return doc;
}
