/**
 * A full natstream for the monitoring tests (core NATS, the streaming server on
 * the in-process transport, the monitor), the ticketing scenario of the
 * captures, and small promise wrappers around node-nats-streaming 0.3.2.
 */
import { createRequire } from 'node:module';
import { NatsServer } from '../../src/nats/server.js';
import { createStore } from '../../src/stores/factory.js';
import type { StoreLimits } from '../../src/stores/store.js';
import { StreamingServer } from '../../src/streaming/server.js';
import { startMonitor, type RunningMonitor } from '../../src/monitor/http.js';
import type { DashboardOptions } from '../../src/monitor/dashboard.js';
import type { CoreOptions } from '../../src/nats/options.js';
import { silentLogger } from '../../src/util/logger.js';
import { recordingLogger } from './support.js';

const require = createRequire(import.meta.url);
// node-nats-streaming is CommonJS without useful typings for events.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const stan: any = require('node-nats-streaming');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Stan = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StanSub = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StanMsg = any;

export interface Stack {
  core: NatsServer;
  streaming: StreamingServer;
  monitor: RunningMonitor;
  natsUrl: string;
  logger: ReturnType<typeof recordingLogger>;
  connect(clientId: string): Promise<Stan>;
  close(): Promise<void>;
}

export async function startStack(opts: {
  clusterId?: string;
  core?: Partial<CoreOptions>;
  limits?: StoreLimits;
  dashboard?: DashboardOptions;
} = {}): Promise<Stack> {
  const clusterId = opts.clusterId ?? 'ticketing';
  const core = new NatsServer({ port: 0, host: '127.0.0.1', ...opts.core });
  await core.listen();
  const store = await createStore('MEMORY', { limits: opts.limits }, silentLogger);
  const streaming = new StreamingServer({
    transport: core.createInternalTransport('_NSS-general'),
    store,
    options: { clusterId, hbInterval: 5000, hbTimeout: 5000, hbFailCount: 2, standaloneCheckTimeout: 0, ...(opts.limits ? { limits: opts.limits } : {}) },
    logger: silentLogger,
  });
  await streaming.start();
  const logger = recordingLogger();
  const monitor = await startMonitor({ core, streaming, host: '127.0.0.1', port: 0, logger, dashboard: opts.dashboard });
  const natsUrl = `nats://127.0.0.1:${core.port}`;
  const opened: Stan[] = [];
  return {
    core, streaming, monitor, natsUrl, logger,
    async connect(clientId) {
      const sc = await connectStan(natsUrl, clusterId, clientId);
      opened.push(sc);
      return sc;
    },
    async close() {
      await Promise.all(opened.map(closeStan));
      await monitor.close();
      await streaming.shutdown();
      await core.close();
    },
  };
}

export function connectStan(url: string, clusterId: string, clientId: string, opts: Record<string, unknown> = {}): Promise<Stan> {
  return new Promise((resolve, reject) => {
    const sc = stan.connect(clusterId, clientId, { url, connectTimeout: 3000, ...opts });
    sc.once('connect', () => resolve(sc));
    sc.once('error', (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
  });
}

export function closeStan(sc: Stan): Promise<void> {
  if (sc.isClosed()) return Promise.resolve();
  return new Promise<void>((resolve) => {
    sc.once('close', () => resolve());
    sc.once('error', () => resolve());
    sc.close();
  });
}

export function publish(sc: Stan, channel: string, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    sc.publish(channel, data, (err: Error | undefined, guid: string) => (err ? reject(err) : resolve(guid)));
  });
}

/**
 * Subscribes and resolves once the server accepted and `n` messages arrived,
 * each handed to `onMsg`. The listener is in place before the server answers:
 * messages can come in the same read as the subscription response.
 */
export async function subscribeAndReceive(
  sc: Stan, channel: string, group: string | null, options: unknown, n: number, onMsg: (m: StanMsg) => void = () => {},
): Promise<StanSub> {
  const sub = group === null ? sc.subscribe(channel, options) : sc.subscribe(channel, group, options);
  const got: StanMsg[] = [];
  const received = new Promise<void>((resolve) => {
    const handler = (m: StanMsg) => {
      onMsg(m);
      got.push(m);
      if (got.length === n) {
        sub.removeListener('message', handler);
        resolve();
      }
    };
    sub.on('message', handler);
  });
  await new Promise<void>((resolve, reject) => {
    sub.once('ready', () => resolve());
    sub.once('error', (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
  });
  await received;
  return sub;
}

/** A PING round trip on the client's NATS connection: everything it sent was handled. */
export function flushClient(sc: Stan): Promise<void> {
  return new Promise((resolve) => sc.nc.flush(() => resolve()));
}

/**
 * The ticketing scenario of the captures (spec captures/README.md): two
 * clients, 10 + 3 messages, a durable queue group, a plain subscription, an
 * offline durable with one message pending, a stalled durable.
 */
export async function ticketingScenario(stack: Stack): Promise<{ orders: Stan; tickets: Stan }> {
  const orders = await stack.connect('orders-1');
  const tickets = await stack.connect('tickets-1');
  for (let i = 1; i <= 10; i++) {
    await publish(tickets, 'ticket:created', JSON.stringify({ id: `t${i}`, title: `concert ${i}`, price: 10 + i, userId: 'u1' }));
  }
  for (let i = 1; i <= 3; i++) {
    await publish(orders, 'order:created', JSON.stringify({ id: `o${i}`, ticket: { id: `t${i}`, price: 10 + i } }));
  }

  const queueOpts = orders.subscriptionOptions().setDurableName('orders-service').setManualAckMode(true).setDeliverAllAvailable().setAckWait(5000);
  await subscribeAndReceive(orders, 'ticket:created', 'orders-service', queueOpts, 10, (m) => m.ack());

  await subscribeAndReceive(orders, 'order:created', null, orders.subscriptionOptions().setDeliverAllAvailable(), 3);

  const durableOpts = tickets.subscriptionOptions().setDurableName('tickets-service').setManualAckMode(true).setDeliverAllAvailable();
  const durable = await subscribeAndReceive(tickets, 'order:created', null, durableOpts, 3, (m) => { if (m.getSequence() <= 2) m.ack(); });
  await flushClient(tickets);
  await new Promise<void>((resolve, reject) => {
    durable.once('closed', () => resolve());
    durable.once('error', reject);
    durable.close();
  });

  const slowOpts = tickets.subscriptionOptions().setDurableName('slow-worker').setManualAckMode(true).setDeliverAllAvailable().setMaxInFlight(4).setAckWait(60000);
  await subscribeAndReceive(tickets, 'ticket:created', null, slowOpts, 4);
  await flushClient(orders);
  await flushClient(tickets);
  return { orders, tickets };
}
