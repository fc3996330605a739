/**
 * /metrics in the Prometheus text format (prom-client). Names follow
 * prometheus-nats-exporter, so dashboards built on it work unchanged:
 * `gnatsd_varz_<field>`, `gnatsd_subsz_<field>`, `gnatsd_connz_<field>` for
 * the core, and its streaming collector's `nss_server_*`, `nss_chan_*` for the
 * streaming server, all labelled `server_id`. Metrics the exporter has no name
 * for (first sequence, per-client subscriptions, redeliveries, in/out traffic)
 * use the same prefixes.
 *
 * Values are read from the same documents the JSON endpoints serve, at scrape
 * time; nothing is counted on the message path.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { NatsServer } from '../nats/server.js';
import { buildConnz, defaultConnzOptions } from './connz.js';
import { storeTotals } from './streaming-docs.js';
import type { StreamingView } from './streaming-view.js';
import { sublistStats } from './subsz.js';

export interface MetricsSource {
  core: NatsServer;
  streaming: () => StreamingView | undefined;
  /** The /varz document (already holding process figures and request counts). */
  varz: () => Record<string, unknown>;
}

/** Node process metrics (`process_*`, `nodejs_*`) are collected once per process, shared by every monitor. */
let processRegistry: Registry | null = null;

function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const SUB_LABELS = ['server_id', 'channel', 'client_id', 'inbox', 'queue_name', 'is_durable', 'is_offline', 'durable_name'] as const;

export class Metrics {
  private readonly registry = new Registry();
  private readonly gauges = new Map<string, Gauge<string>>();

  constructor(private readonly source: MetricsSource) {}

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    this.update();
    const own = await this.registry.metrics();
    const proc = await processMetrics().metrics();
    return own + '\n' + proc;
  }

  private gauge(name: string, help: string, labelNames: readonly string[] = ['server_id']): Gauge<string> {
    let g = this.gauges.get(name);
    if (g === undefined) {
      g = new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
      this.gauges.set(name, g);
    }
    return g;
  }

  private update(): void {
    for (const g of this.gauges.values()) g.reset();
    const { core } = this.source;
    const id = { server_id: core.serverId };

    // Every numeric field of /varz, as the exporter's varz collector does.
    for (const [key, value] of Object.entries(this.source.varz())) {
      if (typeof value === 'number') this.gauge(`gnatsd_varz_${key}`, key).set(id, value);
    }
    for (const [key, value] of Object.entries(sublistStats(core))) {
      this.gauge(`gnatsd_subsz_${key}`, key).set(id, value);
    }
    this.updateConnz(id);

    const view = this.source.streaming();
    if (view !== undefined) this.updateStreaming(view, id);
  }

  private updateConnz(id: { server_id: string }): void {
    const connz = buildConnz(this.source.core, defaultConnzOptions, Date.now()) as {
      num_connections: number; total: number; offset: number; limit: number;
      connections: Array<Record<string, number>>;
    };
    const sums = { pending_bytes: 0, subscriptions: 0, in_msgs: 0, out_msgs: 0, in_bytes: 0, out_bytes: 0 };
    for (const c of connz.connections) for (const k of Object.keys(sums) as Array<keyof typeof sums>) sums[k] += c[k];
    for (const k of ['num_connections', 'total', 'offset', 'limit'] as const) this.gauge(`gnatsd_connz_${k}`, k).set(id, connz[k]);
    for (const [k, v] of Object.entries(sums)) this.gauge(`gnatsd_connz_${k}`, k).set(id, v);
  }

  private updateStreaming(view: StreamingView, id: { server_id: string }): void {
    const totals = storeTotals(view);
    let clients = 0;
    const perClient = this.gauge('nss_client_subscriptions', 'Online subscriptions of a client', ['server_id', 'client_id']);
    for (const c of view.clients()) {
      clients++;
      perClient.set({ ...id, client_id: c.id }, c.subscriptions().length);
    }
    this.gauge('nss_server_bytes_total', 'Total of bytes').set(id, totals.bytes);
    this.gauge('nss_server_msgs_total', 'Total of messages').set(id, totals.msgs);
    this.gauge('nss_server_channels', 'Total channels').set(id, totals.channels);
    this.gauge('nss_server_subscriptions', 'Total subscriptions').set(id, totals.subscriptions);
    this.gauge('nss_server_clients', 'Total clients').set(id, clients);
    const k = view.counters;
    this.gauge('nss_server_in_msgs', 'Messages published to the streaming server').set(id, k.inMsgs);
    this.gauge('nss_server_in_bytes', 'Bytes of the publish requests').set(id, k.inBytes);
    this.gauge('nss_server_out_msgs', 'Messages delivered, redeliveries included').set(id, k.outMsgs);
    this.gauge('nss_server_out_bytes', 'Bytes of the delivered messages').set(id, k.outBytes);
    if (k.deadLetters !== undefined) {
      this.gauge('nss_server_dead_letters', 'Messages dead-lettered after max_deliver deliveries without an ack').set(id, k.deadLetters);
    }
    if (k.redeliveredMsgs !== undefined) {
      this.gauge('nss_server_redelivered_msgs', 'Messages redelivered').set(id, k.redeliveredMsgs);
    }
    this.gauge('nss_server_info', 'Info', ['server_id', 'cluster_id', 'version', 'go_version', 'state', 'role', 'start_time'])
      .set({
        ...id, cluster_id: view.clusterId, version: view.version, go_version: `node${process.versions.node}`,
        state: view.state, role: view.role ?? '', start_time: view.startTime.toISOString(),
      }, 1);
    this.gauge('nss_store_info', 'Store type', ['server_id', 'type']).set({ ...id, type: view.storeType }, 1);

    const labels = ['server_id', 'channel'];
    const bytes = this.gauge('nss_chan_bytes_total', 'Total of bytes', labels);
    const msgs = this.gauge('nss_chan_msgs_total', 'Total of messages', labels);
    const last = this.gauge('nss_chan_last_seq', 'Last seq', labels);
    const first = this.gauge('nss_chan_first_seq', 'First seq', labels);
    const lastSent = this.gauge('nss_chan_subs_last_sent', 'Last message sent', SUB_LABELS);
    const pending = this.gauge('nss_chan_subs_pending_count', 'Pending message count', SUB_LABELS);
    const inflight = this.gauge('nss_chan_subs_max_inflight', 'Max in flight message count', SUB_LABELS);
    const stalled = this.gauge('nss_chan_subs_stalled', 'Whether the subscription reached its max in flight', SUB_LABELS);
    const deadLettered = this.gauge('nss_chan_subs_dead_lettered', 'Messages dead-lettered from the subscription (max_deliver)', SUB_LABELS);
    for (const c of view.channels()) {
      const cl = { ...id, channel: c.name };
      bytes.set(cl, c.bytes);
      msgs.set(cl, c.msgs);
      last.set(cl, c.lastSeq);
      first.set(cl, c.firstSeq);
      for (const s of c.subscriptions()) {
        // A durable queue group is `durable:group`: the exporter splits it into two labels.
        let durable = s.durableName;
        let queue = s.queueName;
        if (s.isDurable && queue !== '') {
          const colon = queue.indexOf(':');
          durable = queue.slice(0, colon);
          queue = queue.slice(colon + 1);
        }
        const sl = {
          ...cl, client_id: s.clientId, inbox: s.inbox, queue_name: queue,
          is_durable: String(s.isDurable), is_offline: String(s.isOffline), durable_name: durable,
        };
        lastSent.set(sl, s.lastSent);
        pending.set(sl, s.pendingCount);
        inflight.set(sl, s.maxInFlight);
        stalled.set(sl, s.isStalled ? 1 : 0);
        if (s.deadLettered !== undefined) deadLettered.set(sl, s.deadLettered);
      }
    }
  }
}
