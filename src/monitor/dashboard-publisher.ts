/**
 * Publishing from the dashboard's form. The monitor does it as an ordinary
 * STAN client on an in-process transport of the core server: connect on the
 * cluster's discover subject, publish, wait for the PubAck, close. It needs no
 * access to the streaming server's internals, and the message takes the same
 * path (limits, storage, delivery) as any client's.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { NatsServer } from '../nats/server.js';
import { newNuid } from '../nats/server-id.js';
import {
  CloseRequestSchema,
  CloseResponseSchema,
  ConnectRequestSchema,
  ConnectResponseSchema,
  PubAckSchema,
  PubMsgSchema,
} from '../protocol/gen/stan_pb.js';
import type { Transport } from '../transport/transport.js';
import { DashboardText } from './errors.js';

const REQUEST_TIMEOUT_MS = 5000;

/** A publish that did not go through: `status` is the HTTP answer. */
export class PublishError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'PublishError';
  }
}

export interface PublishRequest {
  discoverSubject: string;
  channel: string;
  data: Uint8Array;
  /** Checked once the publish subject is known (the user's NATS publish permissions). */
  mayPublish?: (subject: string) => boolean;
}

export class DashboardPublisher {
  private transport: Transport | null = null;
  /** One publish at a time: each uses its own short-lived client. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly core: NatsServer) {}

  publish(req: PublishRequest): Promise<{ guid: string }> {
    const run = this.queue.then(() => this.publishNow(req));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async publishNow(req: PublishRequest): Promise<{ guid: string }> {
    const t = (this.transport ??= this.core.createInternalTransport('_NSS-dashboard'));
    const clientId = `natstream-dashboard-${newNuid()}`;
    const hbInbox = `_INBOX.${newNuid()}`;
    // Answer the server's heartbeats while connected.
    const hb = t.subscribe(hbInbox, (_subject, reply) => {
      if (reply !== '') t.publish(reply, new Uint8Array(0));
    });
    try {
      const connId = new TextEncoder().encode(newNuid());
      const connectReq = create(ConnectRequestSchema, {
        clientId, heartbeatInbox: hbInbox, protocol: 1, connId, pingInterval: 5, pingMaxOut: 3,
      });
      const connectRaw = await t.request(req.discoverSubject, toBinary(ConnectRequestSchema, connectReq), REQUEST_TIMEOUT_MS);
      if (connectRaw === null) throw new PublishError(504, DashboardText.timeout);
      const conn = fromBinary(ConnectResponseSchema, connectRaw);
      if (conn.error !== '') throw new PublishError(502, conn.error);
      try {
        const subject = `${conn.pubPrefix}.${req.channel}`;
        if (req.mayPublish && !req.mayPublish(subject)) throw new PublishError(403, DashboardText.notPermitted(subject));
        const guid = newNuid();
        const pub = create(PubMsgSchema, { clientId, guid, subject: req.channel, data: req.data, connId });
        const ackRaw = await t.request(subject, toBinary(PubMsgSchema, pub), REQUEST_TIMEOUT_MS);
        if (ackRaw === null) throw new PublishError(504, DashboardText.timeout);
        const ack = fromBinary(PubAckSchema, ackRaw);
        if (ack.error !== '') throw new PublishError(502, ack.error);
        return { guid };
      } finally {
        const close = create(CloseRequestSchema, { clientId });
        await t.request(conn.closeRequests, toBinary(CloseRequestSchema, close), REQUEST_TIMEOUT_MS);
      }
    } finally {
      hb.unsubscribe();
    }
  }

  /** Closes client `clientId` as its own CloseRequest would (connections, subscriptions, non-durable state). */
  closeClient(closeSubject: string, clientId: string): Promise<void> {
    const run = this.queue.then(async () => {
      const t = (this.transport ??= this.core.createInternalTransport('_NSS-dashboard'));
      const close = create(CloseRequestSchema, { clientId });
      const raw = await t.request(closeSubject, toBinary(CloseRequestSchema, close), REQUEST_TIMEOUT_MS);
      if (raw === null) throw new PublishError(504, DashboardText.timeout);
      const answer = fromBinary(CloseResponseSchema, raw);
      if (answer.error !== '') throw new PublishError(404, answer.error);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.transport) await this.transport.close();
    this.transport = null;
  }
}
