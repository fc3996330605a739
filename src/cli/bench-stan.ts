/**
 * The STAN client of `natstream bench`: the protocol messages of
 * src/protocol on the official `nats` client, so the bench reaches any STAN
 * server (the Go one too) with the `nats` client's URLs, auth and TLS. Only what
 * a benchmark needs: connect, publish with at most N PubAcks outstanding (or one
 * at a time), subscribe with an ack per message, close.
 */
import { randomBytes } from 'node:crypto';
import { connect, createInbox, type ConnectionOptions, type NatsConnection } from 'nats';

import {
  StartPosition, decodeConnectResponse, decodePubAck, decodeSubscriptionResponse, encodeAck, encodeCloseRequest,
  encodeConnectRequest, encodePubMsg, encodeSubscriptionRequest,
} from '../protocol/stan-codec.js';

export interface BenchConnectOptions {
  servers: string[];
  clusterId: string;
  clientId: string;
  user?: string;
  pass?: string;
  /** A NATS credentials file. */
  creds?: string;
}

/** One delivery as the bench sees it. */
export interface Delivery {
  sequence: number;
  data: Uint8Array;
  /** MsgProto timestamp, Unix nanoseconds. */
  timestamp: bigint;
}

export class BenchStan {
  private pubPrefix = '';
  private subRequests = '';
  private closeRequests = '';
  private readonly ackSubject: string;
  private guidSeq = 0;
  private readonly guidPrefix = randomBytes(9).toString('base64url');
  private readonly connId = Buffer.from(randomBytes(9).toString('base64url'));
  /** PubAcks outstanding, by guid. */
  private readonly inFlight = new Map<string, (error: string) => void>();

  private constructor(readonly nc: NatsConnection, readonly clientId: string) {
    this.ackSubject = createInbox();
    nc.subscribe(this.ackSubject, {
      callback: (_err, m) => {
        const ack = decodePubAck(m.data);
        const done = this.inFlight.get(ack.guid);
        if (done === undefined) return;
        this.inFlight.delete(ack.guid);
        done(ack.error);
      },
    });
  }

  static async connect(o: BenchConnectOptions): Promise<BenchStan> {
    const opts: ConnectionOptions = { servers: o.servers, name: 'NATS Streaming Benchmark', maxReconnectAttempts: 0 };
    if (o.user !== undefined) { opts.user = o.user; opts.pass = o.pass; }
    if (o.creds !== undefined) {
      const { credsAuthenticator } = await import('nats');
      const { readFileSync } = await import('node:fs');
      opts.authenticator = credsAuthenticator(readFileSync(o.creds));
    }
    const nc = await connect(opts);
    const sc = new BenchStan(nc, o.clientId);
    const hbInbox = createInbox();
    // the server's heartbeats: an empty answer says this client is alive
    nc.subscribe(hbInbox, { callback: (_err, m) => { if (m.reply) nc.publish(m.reply); } });
    try {
      const res = decodeConnectResponse((await nc.request(`_STAN.discover.${o.clusterId}`, encodeConnectRequest({
        clientId: o.clientId, heartbeatInbox: hbInbox, protocol: 1, connId: sc.connId, pingInterval: 5, pingMaxOut: 3,
      }), { timeout: 5000 })).data);
      if (res.error !== '') throw new Error(res.error);
      sc.pubPrefix = res.pubPrefix;
      sc.subRequests = res.subRequests;
      sc.closeRequests = res.closeRequests;
    } catch (err) {
      await nc.close();
      const e = err as Error & { code?: string };
      throw new Error(e.code === '503' || e.code === 'TIMEOUT' || /timeout|no responders/i.test(e.message)
        ? `no NATS Streaming server with cluster ID "${o.clusterId}" answered` : e.message);
    }
    return sc;
  }

  /** Publishes `data` on `channel`; `onAck` gets the PubAck's error ('' = stored). */
  publish(channel: string, data: Uint8Array, onAck: (error: string) => void): void {
    const guid = `${this.guidPrefix}${++this.guidSeq}`;
    this.inFlight.set(guid, onAck);
    this.nc.publish(`${this.pubPrefix}.${channel}`, encodePubMsg({ clientId: this.clientId, guid, subject: channel, data, connId: this.connId }), {
      reply: this.ackSubject,
    });
  }

  get pubAcksPending(): number {
    return this.inFlight.size;
  }

  /**
   * Subscribes (all available messages, or only new ones with `newOnly`); every
   * message is acked after `onMsg`.
   */
  async subscribe(channel: string, qGroup: string, newOnly: boolean, onMsg: (d: Delivery) => void): Promise<() => void> {
    const inbox = createInbox();
    let ackInbox = '';
    const sub = this.nc.subscribe(inbox, {
      callback: (_err, m) => {
        const d = scanDelivery(m.data);
        onMsg(d);
        if (ackInbox !== '') this.nc.publish(ackInbox, encodeAck(channel, d.sequence));
      },
    });
    const res = decodeSubscriptionResponse((await this.nc.request(this.subRequests, encodeSubscriptionRequest({
      clientId: this.clientId, subject: channel, qGroup, inbox, maxInFlight: 1024, ackWaitInSecs: 30,
      startPosition: newOnly ? StartPosition.NewOnly : StartPosition.First,
    }), { timeout: 5000 })).data);
    if (res.error !== '') throw new Error(res.error);
    ackInbox = res.ackInbox;
    return () => sub.unsubscribe();
  }

  async close(): Promise<void> {
    try {
      if (this.closeRequests !== '') await this.nc.request(this.closeRequests, encodeCloseRequest(this.clientId), { timeout: 3000 });
    } catch {
      // the server may already be gone: closing the connection is what matters
    } finally {
      await this.nc.close();
    }
  }
}

/** The MsgProto fields the bench reads (sequence 1, timestamp 5, data 4), without a full decode. */
function scanDelivery(b: Uint8Array): Delivery {
  let sequence = 0;
  let timestamp = 0n;
  let data: Uint8Array = b.subarray(0, 0);
  let i = 0;
  while (i < b.length) {
    const tag = b[i++];
    const wt = tag & 7;
    if (wt === 1) { i += 8; continue; }
    if (wt === 5) { i += 4; continue; }
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const x = b[i++];
      v |= BigInt(x & 0x7f) << shift;
      if (x < 0x80) break;
      shift += 7n;
    }
    const field = tag >>> 3;
    if (wt === 2) {
      const n = Number(v);
      if (field === 4) data = b.subarray(i, i + n);
      i += n;
    } else if (field === 1) sequence = Number(v);
    else if (field === 5) timestamp = v;
  }
  return { sequence, data, timestamp };
}
