import { connect, Events, type ConnectionOptions, type NatsConnection, type Subscription as NatsSubscription } from 'nats';
import type { MessageHandler, Transport, TransportSubscription } from './transport.js';

/** How the streaming layer reaches an existing NATS server or cluster (`-ns`). */
export interface ExternalTransportOptions {
  /** One URL or several, comma-separated (`nats://host:4222,nats://other:4222`). */
  servers: string;
  user?: string;
  pass?: string;
  token?: string;
  /** Connection name shown in the NATS server's /connz. */
  name?: string;
  tls?: { certFile?: string; keyFile?: string; caFile?: string };
}

/**
 * The streaming server on top of a separate NATS server, through the official
 * `nats` client: how natstream runs beside a real nats-server cluster.
 */
export class ExternalTransport implements Transport {
  private constructor(private readonly nc: NatsConnection) {}

  static async connect(o: ExternalTransportOptions): Promise<ExternalTransport> {
    const opts: ConnectionOptions = {
      servers: o.servers.split(',').map((s) => s.trim()).filter(Boolean),
      name: o.name,
      user: o.user,
      pass: o.pass,
      token: o.token,
      maxReconnectAttempts: -1,
      waitOnFirstConnect: false,
    };
    if (o.tls) opts.tls = { certFile: o.tls.certFile, keyFile: o.tls.keyFile, caFile: o.tls.caFile };
    return new ExternalTransport(await connect(opts));
  }

  subscribe(subject: string, handler: MessageHandler, queue?: string): TransportSubscription {
    const sub: NatsSubscription = this.nc.subscribe(subject, {
      queue: queue || undefined,
      callback: (err, msg) => {
        if (err === null) handler(msg.subject, msg.reply ?? '', msg.data);
      },
    });
    return { unsubscribe: () => sub.unsubscribe() };
  }

  publish(subject: string, payload: Uint8Array, reply?: string): void {
    this.nc.publish(subject, payload, reply ? { reply } : undefined);
  }

  async request(subject: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array | null> {
    try {
      const m = await this.nc.request(subject, payload, { timeout: timeoutMs, noMux: false });
      return m.data;
    } catch {
      // Timeout or no responders: both mean nobody answered.
      return null;
    }
  }

  flush(): Promise<void> {
    return this.nc.flush();
  }

  onTopologyChange(handler: () => void): void {
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === Events.Update) handler();
      }
    })();
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}
