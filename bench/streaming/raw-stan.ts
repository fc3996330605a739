/**
 * A minimal STAN client over a raw socket, for `--client raw`. It speaks the
 * same protocol as node-nats-streaming (ConnectRequest on the discover subject,
 * PubMsg with a reply for the PubAck, SubscriptionRequest, Ack per delivery,
 * CloseRequest) but writes pre-encoded PubMsg frames in large writes, patching
 * only the guid and the timestamp, reads deliveries without building objects,
 * and sends the Acks of one socket read in one write. node-nats-streaming
 * spends tens of microseconds per message, which caps what it can put through
 * any server; this client costs a few, so the server becomes the limit.
 *
 * Control messages use the project's protobuf codecs (src/protocol/stan-codec.ts);
 * they are checked against node-nats-streaming's own codec by the protocol tests.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

import {
  decodeConnectResponse, decodePubAck, decodeSubscriptionResponse, encodeCloseRequest, encodeConnectRequest,
  encodePubMsg, encodeSubscriptionRequest, StartPosition,
} from '../../src/protocol/stan-codec.js';

const CR = 13;
const LF = 10;

/** Where a MSG goes, by the subscription id the client gave it. */
type MsgHandler = (buf: Buffer, start: number, end: number) => void;

const SID_HEARTBEAT = 1;
const SID_REPLIES = 2;
const SID_ACKS = 3;
const SID_INBOX = 4;

function uniqueToken(): string {
  return randomBytes(9).toString('base64url');
}

/** One NATS connection with just enough of the protocol: SUB, PUB, MSG with payload, PING/PONG. */
class RawNats {
  private partial: Buffer | null = null;
  private readonly handlers: Array<MsgHandler | undefined> = [];
  private readonly pongs: Array<() => void> = [];
  private drained: (() => void) | null = null;
  onError: (err: Error) => void = () => {};
  /** Called after each socket read has been handled (acks of that read go out in one write). */
  onReadDone: (() => void) | null = null;

  private constructor(readonly socket: net.Socket) {}

  static async connect(url: string): Promise<RawNats> {
    const u = new URL(url);
    const socket = net.connect({ host: u.hostname, port: Number(u.port), noDelay: true });
    const c = new RawNats(socket);
    socket.on('data', (chunk: Buffer) => c.onData(chunk));
    socket.on('drain', () => {
      const d = c.drained;
      c.drained = null;
      d?.();
    });
    socket.on('error', (err) => c.onError(err));
    socket.on('close', () => c.onError(new Error('connection closed')));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    socket.write('CONNECT {"verbose":false,"pedantic":false,"headers":false,"name":"natstream-stream-bench-raw","lang":"raw","protocol":1}\r\n');
    await c.ping();
    return c;
  }

  subscribe(subject: string, sid: number, handler: MsgHandler): void {
    this.handlers[sid] = handler;
    this.socket.write(`SUB ${subject} ${sid}\r\n`);
  }

  /** Queues bytes; a promise when the socket wants 'drain' first. */
  write(data: Buffer | string): Promise<void> | null {
    if (this.socket.write(data)) return null;
    return new Promise((resolve) => (this.drained = resolve));
  }

  publish(subject: string, reply: string, payload: Uint8Array): void {
    const head = Buffer.from(reply === '' ? `PUB ${subject} ${payload.length}\r\n` : `PUB ${subject} ${reply} ${payload.length}\r\n`, 'latin1');
    this.socket.write(Buffer.concat([head, payload, Buffer.from('\r\n')]));
  }

  ping(): Promise<void> {
    return new Promise((resolve) => {
      this.pongs.push(resolve);
      this.socket.write('PING\r\n');
    });
  }

  close(): void {
    this.onError = () => {};
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.partial !== null) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    const n = buf.length;
    let i = 0;
    while (i < n) {
      const lf = buf.indexOf(LF, i);
      if (lf < 0) break;
      const end = lf > i && buf[lf - 1] === CR ? lf - 1 : lf;
      const c0 = buf[i];
      if (c0 === 77 /* M */) {
        // MSG <subject> <sid> [reply] <size>: size is the last token, sid the third.
        let j = end;
        let size = 0;
        for (let mul = 1; j > i && buf[j - 1] >= 48 && buf[j - 1] <= 57; j--, mul *= 10) size += (buf[j - 1] - 48) * mul;
        if (lf + 1 + size + 2 > n) break;
        let k = i + 4;
        while (buf[k] !== 32) k++;
        let sid = 0;
        for (k++; buf[k] >= 48 && buf[k] <= 57; k++) sid = sid * 10 + buf[k] - 48;
        this.handlers[sid]?.(buf, lf + 1, lf + 1 + size);
        i = lf + 1 + size + 2;
        continue;
      }
      if (c0 === 80 /* P */) {
        if (buf[i + 1] === 73 /* PING */) this.socket.write('PONG\r\n');
        else this.pongs.shift()?.();
      } else if (c0 === 45 /* -ERR */) {
        this.onError(new Error(buf.toString('latin1', i, end)));
      }
      i = lf + 1;
    }
    if (i < n) this.partial = Buffer.from(buf.subarray(i));
    this.onReadDone?.();
  }

  /** The reply subject of the MSG whose payload starts at `payloadStart` (its control line precedes it). */
  static replyOf(buf: Buffer, payloadStart: number): string {
    let lineStart = payloadStart - 2;
    while (lineStart > 0 && buf[lineStart - 1] !== LF) lineStart--;
    const tokens = buf.toString('latin1', lineStart, payloadStart - 2).split(' ');
    return tokens.length === 5 ? tokens[3] : '';
  }
}

export interface RawStanOptions {
  url: string;
  clusterId: string;
  clientId: string;
}

/** A STAN client session: connect, publish or subscribe, close. */
export class RawStan {
  private readonly id = uniqueToken();
  private readonly replyPrefix = `_INBOX.${this.id}.r`;
  private requestSeq = 0;
  private readonly pending = new Map<string, (payload: Buffer) => void>();
  private pubPrefix = '';
  private subscriptions = 0;
  private subRequests = '';
  private closeRequests = '';
  readonly connId = Buffer.from(uniqueToken(), 'latin1');

  private constructor(
    readonly nc: RawNats,
    readonly opts: RawStanOptions,
  ) {}

  static async connect(opts: RawStanOptions, onError: (err: Error) => void): Promise<RawStan> {
    const nc = await RawNats.connect(opts.url);
    nc.onError = onError;
    const sc = new RawStan(nc, opts);
    const hbInbox = `_INBOX.${sc.id}.hb`;
    // Server heartbeats: an empty reply says the client is alive.
    nc.subscribe(hbInbox, SID_HEARTBEAT, (buf, start) => {
      const reply = RawNats.replyOf(buf, start);
      if (reply !== '') nc.publish(reply, '', new Uint8Array(0));
    });
    nc.subscribe(`${sc.replyPrefix}.*`, SID_REPLIES, (buf, start, end) => {
      const reply = subjectOf(buf, start);
      const answer = sc.pending.get(reply);
      if (answer === undefined) return;
      sc.pending.delete(reply);
      answer(Buffer.from(buf.subarray(start, end)));
    });
    await nc.ping();
    const res = decodeConnectResponse(
      await sc.request(`_STAN.discover.${opts.clusterId}`, encodeConnectRequest({
        clientId: opts.clientId, heartbeatInbox: hbInbox, protocol: 1, connId: sc.connId, pingInterval: 5, pingMaxOut: 3,
      })),
    );
    if (res.error !== '') throw new Error(`connect: ${res.error}`);
    sc.pubPrefix = res.pubPrefix;
    sc.subRequests = res.subRequests;
    sc.closeRequests = res.closeRequests;
    return sc;
  }

  private request(subject: string, payload: Uint8Array, timeoutMs = 10_000): Promise<Buffer> {
    const reply = `${this.replyPrefix}.${++this.requestSeq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reply);
        reject(new Error(`no answer on ${subject} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(reply, (p) => {
        clearTimeout(timer);
        resolve(p);
      });
      this.nc.publish(subject, reply, payload);
    });
  }

  /** A publisher of `size`-byte messages on `channel`. */
  publisher(channel: string, size: number): RawPublisher {
    return new RawPublisher(this, `${this.pubPrefix}.${channel}`, channel, size);
  }

  /** Subscribes from the channel's first message; `onMsg` gets each delivery's data bounds. */
  async subscribe(
    channel: string, o: { qGroup: string; durableName: string; maxInFlight: number },
    onMsg: (buf: Buffer, dataStart: number, dataEnd: number, redelivered: boolean) => void,
  ): Promise<void> {
    // several subscriptions per client: each its own inbox and SID, the acks of one read flushed together
    const k = this.subscriptions++;
    const inbox = k === 0 ? `_INBOX.${this.id}.sub` : `_INBOX.${this.id}.sub${k}`;
    let ackInbox = '';
    const acks = new AckWriter(channel);
    const flush = () => acks.flush(this.nc, ackInbox);
    const before = this.nc.onReadDone;
    this.nc.onReadDone = before === null ? flush : () => { before(); flush(); };
    this.nc.subscribe(inbox, SID_INBOX + k, (buf, start, end) => {
      const m = scanMsgProto(buf, start, end);
      onMsg(buf, m.dataStart, m.dataEnd, m.redelivered);
      acks.add(m.sequence);
    });
    await this.nc.ping();
    const res = decodeSubscriptionResponse(
      await this.request(this.subRequests, encodeSubscriptionRequest({
        clientId: this.opts.clientId, subject: channel, qGroup: o.qGroup, inbox, maxInFlight: o.maxInFlight,
        ackWaitInSecs: 30, durableName: o.durableName, startPosition: StartPosition.First,
      })),
    );
    if (res.error !== '') throw new Error(`subscribe: ${res.error}`);
    ackInbox = res.ackInbox;
    // Deliveries that came in the same read as the response are acked now.
    acks.flush(this.nc, ackInbox);
  }

  async close(): Promise<void> {
    try {
      if (this.closeRequests !== '') await this.request(this.closeRequests, encodeCloseRequest(this.opts.clientId), 3000);
    } finally {
      this.nc.close();
    }
  }
}

/**
 * PUB frames of one PubMsg template: every frame is the same bytes but for the
 * guid's last digits (a counter) and the first 8 data bytes (the publish time).
 */
export class RawPublisher {
  private readonly frame: Buffer;
  private readonly guidDigitsAt: number;
  private readonly dataAt: number;
  private seq = 0;
  private readonly guidLength: number;
  /** PubAcks answered, and those that carried an error (the first error kept). */
  answered = 0;
  failed = 0;
  firstError = '';
  /** Called on every PubAck (in publish order), e.g. to time it. */
  onAnswer: (() => void) | null = null;
  private waiter: (() => void) | null = null;
  private waitingFor = 0;

  constructor(
    private readonly sc: RawStan,
    natsSubject: string,
    channel: string,
    readonly size: number,
  ) {
    const ackInbox = `_STAN.acks.${uniqueToken()}`;
    // A guid of fixed length: 12 random characters and 10 decimal digits.
    const guidPrefix = uniqueToken().slice(0, 12);
    const guid = guidPrefix + '0'.repeat(10);
    this.guidLength = guid.length;
    const data = Buffer.alloc(size, 97);
    const body = Buffer.from(encodePubMsg({ clientId: sc.opts.clientId, guid, subject: channel, data, connId: sc.connId }));
    const head = Buffer.from(`PUB ${natsSubject} ${ackInbox} ${body.length}\r\n`, 'latin1');
    this.frame = Buffer.concat([head, body, Buffer.from('\r\n')]);
    // PubMsg fields in number order: clientID(1), guid(2), subject(3), data(5), connID(6).
    const clientIdLength = Buffer.byteLength(sc.opts.clientId);
    this.guidDigitsAt = head.length + 1 + varintSize(clientIdLength) + clientIdLength + 1 + varintSize(guid.length) + 12;
    this.dataAt = head.length + body.length - (1 + varintSize(sc.connId.length) + sc.connId.length) - size;
    sc.nc.subscribe(ackInbox, SID_ACKS, (buf, start, end) => {
      this.answered++;
      this.onAnswer?.();
      // A success is exactly the guid field: anything longer carries an error.
      if (end - start !== 2 + this.guidLength) {
        const e = decodePubAck(buf.subarray(start, end)).error;
        if (e !== '') {
          this.failed++;
          if (this.firstError === '') this.firstError = e;
        }
      }
      if (this.waiter !== null && this.answered >= this.waitingFor) {
        const w = this.waiter;
        this.waiter = null;
        w();
      }
    });
  }

  get frameLength(): number {
    return this.frame.length;
  }

  /** `k` frames, numbered on from the last and stamped with the current time. */
  frames(k: number): Buffer {
    const f = this.frame;
    const len = f.length;
    const out = Buffer.allocUnsafe(len * k);
    const stamped = this.size >= 8;
    for (let i = 0; i < k; i++) {
      const at = i * len;
      f.copy(out, at);
      let n = ++this.seq;
      for (let d = at + this.guidDigitsAt + 9; d >= at + this.guidDigitsAt; d--) {
        out[d] = 48 + (n % 10);
        n = Math.floor(n / 10);
      }
      if (stamped) out.writeBigUInt64LE(process.hrtime.bigint(), at + this.dataAt);
    }
    return out;
  }

  write(chunk: Buffer): Promise<void> | null {
    return this.sc.nc.write(chunk);
  }

  /** Resolves once `n` PubAcks have come back in all. */
  answeredUpTo(n: number): Promise<void> {
    if (this.answered >= n) return Promise.resolve();
    this.waitingFor = n;
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

/** Gathers the Acks of one socket read and sends them in one write. */
class AckWriter {
  private readonly subject: Buffer;
  private sequences: number[] = [];
  private headKey = '';
  private headBytes: Buffer = Buffer.alloc(0);

  constructor(channel: string) {
    this.subject = Buffer.from(channel, 'utf8');
  }

  add(sequence: number): void {
    this.sequences.push(sequence);
  }

  flush(nc: RawNats, ackInbox: string): void {
    const seqs = this.sequences;
    if (seqs.length === 0 || ackInbox === '') return;
    this.sequences = [];
    const s = this.subject;
    // Ack{subject = 1, sequence = 2}
    const fixed = 1 + varintSize(s.length) + s.length + 1;
    let total = 0;
    for (const q of seqs) total += 64 + ackInbox.length + fixed + varintSize(q);
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    for (const q of seqs) {
      const h = this.headFor(ackInbox, fixed + varintSize(q));
      at += h.copy(out, at);
      out[at++] = 0x0a;
      at = writeVarint(out, at, s.length);
      at += s.copy(out, at);
      out[at++] = 0x10;
      at = writeVarint(out, at, q);
      out[at++] = CR;
      out[at++] = LF;
    }
    nc.write(out.subarray(0, at));
  }

  private headFor(ackInbox: string, body: number): Buffer {
    const key = `${ackInbox} ${body}`;
    if (key !== this.headKey) {
      this.headKey = key;
      this.headBytes = head(ackInbox, body);
    }
    return this.headBytes;
  }
}

function writeVarint(buf: Buffer, at: number, v: number): number {
  while (v >= 0x80) {
    buf[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}

function head(subject: string, size: number): Buffer {
  return Buffer.from(`PUB ${subject} ${size}\r\n`, 'latin1');
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** The subject of the MSG whose payload starts at `payloadStart`. */
function subjectOf(buf: Buffer, payloadStart: number): string {
  let lineStart = payloadStart - 2;
  while (lineStart > 0 && buf[lineStart - 1] !== LF) lineStart--;
  const sp = buf.indexOf(32, lineStart + 4);
  return buf.toString('latin1', lineStart + 4, sp);
}

const scanned = { sequence: 0, dataStart: 0, dataEnd: 0, redelivered: false };

/** The fields of a MsgProto the subscriber needs, without decoding the rest (one result object, reused). */
function scanMsgProto(buf: Buffer, start: number, end: number): typeof scanned {
  const r = scanned;
  r.sequence = 0;
  r.dataStart = r.dataEnd = start;
  r.redelivered = false;
  let i = start;
  while (i < end) {
    const tag = buf[i++];
    const wt = tag & 7;
    let v = 0;
    let mul = 1;
    if (wt === 0 || wt === 2) {
      for (;;) {
        const b = buf[i++];
        v += (b & 0x7f) * mul;
        if (b < 0x80) break;
        mul *= 128;
      }
    } else if (wt === 1) {
      i += 8;
      continue;
    } else if (wt === 5) {
      i += 4;
      continue;
    }
    const field = tag >>> 3;
    if (wt === 2) {
      if (field === 4) {
        r.dataStart = i;
        r.dataEnd = i + v;
      }
      i += v;
    } else if (field === 1) r.sequence = v;
    else if (field === 6) r.redelivered = v !== 0;
  }
  return r;
}
