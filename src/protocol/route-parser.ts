import { NatsErr } from './nats-errors.js';

/**
 * What the route parser hands to a route connection. The grammar is
 * nats-server's route protocol (server/parser.go with ROUTER kind):
 *
 *   INFO {json}                  CONNECT {json}          PING / PONG / +OK / -ERR 'text'
 *   RS+ <acc> <subj> [<queue> <weight>]                  RS- <acc> <subj> [<queue>]
 *   LS+ <origin> <acc> <subj> [<queue> <weight>]         LS- <acc> <subj> [<queue>]
 *   RMSG <acc> <subj> [+ <reply> <q>... | | <q>... | <reply>] <size>
 *   HMSG <acc> <subj> [+ <reply> <q>... | | <q>... | <reply>] <hdr> <size>
 *   LMSG <origin> <acc> <subj> [...] <hdr> <size>   (leaf-origin message, headers always)
 *
 * Strings are latin1 so that subjects survive the round trip unchanged;
 * `payload` is a view valid only during the call.
 */
export interface RouteParserHandler {
  onInfo(json: string): void;
  onConnect(json: string): void;
  onPing(): void;
  onPong(): void;
  onErr(text: string): void;
  /** RS+ (origin '') and LS+; `queue` '' and weight 0 for a plain subscription. */
  onRemoteSub(account: string, subject: string, queue: string, weight: number, origin: string): void;
  onRemoteUnsub(account: string, subject: string, queue: string): void;
  /**
   * RMSG/HMSG/LMSG. `queues` is null when the message is for plain
   * subscriptions only; `headerSize` is 0 without headers.
   */
  onRoutedMsg(account: string, subject: string, reply: string, queues: string[] | null, headerSize: number, payload: Buffer): void;
  /** Close the route; send `-ERR '<errText>'` first when not null. `reason` is for the log. */
  onProtocolError(errText: string | null, reason: string): void;
}

const enum State {
  ControlLine,
  Payload,
  Stopped,
}

const CR = 13;
const LF = 10;
const MAX_SIZE_DIGITS = 9;

/** Route lines carry long subject lists and are not limited by max_control_line in nats-server; this only bounds memory. */
const MAX_ROUTE_LINE = 1024 * 1024;
/** nats-server does not apply max_payload to routes either; this only bounds memory. */
const MAX_ROUTE_PAYLOAD = 64 * 1024 * 1024;

/**
 * The route protocol as a line-oriented state machine, like the client
 * parser (nats-parser.ts): a control line is found with one indexOf; a
 * payload is handed over as a subarray of the read buffer unless it
 * straddles two reads.
 */
export class RouteParser {
  private state = State.ControlLine;
  private partialLine: Buffer | null = null;
  private msgAccount = '';
  private msgSubject = '';
  private msgReply = '';
  private msgQueues: string[] | null = null;
  private msgHeaderSize = 0;
  private msgSize = 0;
  /** Set for a PUB or HPUB a (misbehaving) route sent: its payload is read and dropped, as nats-server does. */
  private dropPayload = false;
  private payloadBuf: Buffer | null = null;
  private payloadHave = 0;

  constructor(private readonly handler: RouteParserHandler) {}

  stop(): void {
    this.state = State.Stopped;
    this.partialLine = null;
    this.payloadBuf = null;
  }

  get stopped(): boolean {
    return this.state === State.Stopped;
  }

  parse(buf: Buffer): void {
    let i = 0;
    const n = buf.length;
    while (i < n) {
      if (this.state === State.ControlLine) {
        const nl = buf.indexOf(LF, i);
        if (nl < 0) {
          const part = this.partialLine === null ? Buffer.from(buf.subarray(i, n)) : Buffer.concat([this.partialLine, buf.subarray(i, n)]);
          if (part.length > MAX_ROUTE_LINE) return this.fail(NatsErr.maxControlLine, 'maximum control line exceeded');
          this.partialLine = part;
          return;
        }
        let line: Buffer;
        let start: number;
        let end: number;
        if (this.partialLine === null) {
          line = buf;
          start = i;
          end = nl;
        } else {
          line = Buffer.concat([this.partialLine, buf.subarray(i, nl)]);
          this.partialLine = null;
          start = 0;
          end = line.length;
        }
        if (end > start && line[end - 1] === CR) end--;
        this.controlLine(line.toString('latin1', start, end));
        i = nl + 1;
      } else if (this.state === State.Payload) {
        i = this.payload(buf, i, n);
      } else {
        return;
      }
    }
  }

  private controlLine(line: string): void {
    const sp = firstBlank(line);
    const op = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
    const rest = sp < 0 ? '' : line.slice(sp + 1).trim();
    switch (op) {
      case 'PING':
        return this.handler.onPing();
      case 'PONG':
        return this.handler.onPong();
      case '+OK':
        return;
      case '-ERR':
        return this.handler.onErr(unquote(rest));
      case 'INFO':
        return this.handler.onInfo(rest);
      case 'CONNECT':
        return this.handler.onConnect(rest);
      case 'RS+':
      case 'SUB':
        // nats-server's route parser takes the old SUB/UNSUB spellings as RS+/RS-.
        return this.remoteSub(rest, false);
      case 'LS+':
        return this.remoteSub(rest, true);
      case 'RS-':
      case 'LS-':
      case 'UNSUB':
        return this.remoteUnsub(rest);
      case 'RMSG':
        return this.routedMsg(rest, false, false);
      case 'HMSG':
        return this.routedMsg(rest, true, false);
      case 'LMSG':
        return this.routedMsg(rest, true, true);
      case 'PUB':
        return this.droppedPub(rest, false);
      case 'HPUB':
        return this.droppedPub(rest, true);
      case 'A+':
      case 'A-':
        // Gateway account interest: meaningless on a route.
        return;
      default:
        if (line.trim() === '') return;
        return this.fail(NatsErr.unknownOp, 'unknown protocol operation');
    }
  }

  private remoteSub(rest: string, hasOrigin: boolean): void {
    const args = splitBlanks(rest);
    const off = hasOrigin ? 1 : 0;
    if (args.length === 2 + off) {
      return this.handler.onRemoteSub(args[off], args[off + 1], '', 0, hasOrigin ? args[0] : '');
    }
    if (args.length === 4 + off) {
      const weight = parseSize(args[off + 3]);
      return this.handler.onRemoteSub(args[off], args[off + 1], args[off + 2], weight < 1 ? 1 : weight, hasOrigin ? args[0] : '');
    }
    this.fail(null, `processRemoteSub Parse Error: '${rest}'`);
  }

  private remoteUnsub(rest: string): void {
    const args = splitBlanks(rest);
    if (args.length !== 2 && args.length !== 3) return this.fail(null, `processRemoteUnsub parse error: '${rest}'`);
    this.handler.onRemoteUnsub(args[0], args[1], args.length === 3 ? args[2] : '');
  }

  private routedMsg(rest: string, headers: boolean, hasOrigin: boolean): void {
    const name = hasOrigin ? 'processRoutedOriginClusterMsgArgs' : headers ? 'processRoutedHeaderMsgArgs' : 'processRoutedMsgArgs';
    let args = splitBlanks(rest);
    if (hasOrigin) args = args.slice(1);
    const sizes = headers ? 2 : 1;
    if (args.length < 2 + sizes) return this.fail(null, `${name} Parse Error: '[${args.join(' ')}]'`);
    let reply = '';
    let queues: string[] | null = null;
    const middle = args.length - 2 - sizes;
    if (middle === 1) {
      reply = args[2];
    } else if (middle > 1) {
      const indicator = args[2];
      if (indicator === '+') {
        reply = args[3];
        queues = args.slice(4, args.length - sizes);
      } else if (indicator === '|') {
        queues = args.slice(3, args.length - sizes);
      } else {
        return this.fail(null, `${name} Bad or Missing Reply Indicator: '${indicator}'`);
      }
    }
    const size = parseSize(args[args.length - 1]);
    const hdr = headers ? parseSize(args[args.length - 2]) : 0;
    if (hdr < 0) return this.fail(null, `${name} Bad or Missing Header Size: '${rest}'`);
    if (size < 0) return this.fail(null, `${name} Bad or Missing Size: '[${args.join(' ')}]'`);
    if (hdr > size) return this.fail(null, `${name} Header Size larger then TotalSize: '${rest}'`);
    if (size > MAX_ROUTE_PAYLOAD) return this.fail(NatsErr.maxPayload, 'maximum payload exceeded');
    this.msgAccount = args[0];
    this.msgSubject = args[1];
    this.msgReply = reply;
    this.msgQueues = queues;
    this.msgHeaderSize = hdr;
    this.msgSize = size;
    this.dropPayload = false;
    this.state = State.Payload;
  }

  private droppedPub(rest: string, headers: boolean): void {
    const args = splitBlanks(rest);
    const size = args.length >= (headers ? 3 : 2) ? parseSize(args[args.length - 1]) : -1;
    if (size < 0 || size > MAX_ROUTE_PAYLOAD) return this.fail(null, headers ? 'processHeaderPub parse error' : 'processPub parse error');
    this.msgSize = size;
    this.dropPayload = true;
    this.state = State.Payload;
  }

  private payload(buf: Buffer, i: number, n: number): number {
    const size = this.msgSize;
    const need = size + 2;
    if (this.payloadBuf === null) {
      if (n - i >= need) {
        if (buf[i + size] !== CR || buf[i + size + 1] !== LF) {
          this.fail(NatsErr.unknownOp, 'payload not followed by CRLF');
          return n;
        }
        this.state = State.ControlLine;
        this.deliver(buf.subarray(i, i + size));
        return i + need;
      }
      this.payloadBuf = Buffer.allocUnsafe(need);
      buf.copy(this.payloadBuf, 0, i, n);
      this.payloadHave = n - i;
      return n;
    }
    const take = Math.min(need - this.payloadHave, n - i);
    buf.copy(this.payloadBuf, this.payloadHave, i, i + take);
    this.payloadHave += take;
    if (this.payloadHave === need) {
      const whole = this.payloadBuf;
      this.payloadBuf = null;
      if (whole[size] !== CR || whole[size + 1] !== LF) {
        this.fail(NatsErr.unknownOp, 'payload not followed by CRLF');
        return n;
      }
      this.state = State.ControlLine;
      this.deliver(whole.subarray(0, size));
    }
    return i + take;
  }

  private deliver(payload: Buffer): void {
    if (this.dropPayload) return;
    this.handler.onRoutedMsg(this.msgAccount, this.msgSubject, this.msgReply, this.msgQueues, this.msgHeaderSize, payload);
  }

  private fail(errText: string | null, reason: string): void {
    this.stop();
    this.handler.onProtocolError(errText, reason);
  }
}

function firstBlank(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9) return i;
  }
  return -1;
}

/** Arguments split on runs of blanks (no regular expression: this runs once per routed message). */
function splitBlanks(s: string): string[] {
  const out: string[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    let c = s.charCodeAt(i);
    while (i < n && (c === 32 || c === 9)) c = s.charCodeAt(++i);
    if (i >= n) break;
    const start = i;
    while (i < n && c !== 32 && c !== 9) c = s.charCodeAt(++i);
    out.push(s.slice(start, i));
  }
  return out;
}

/** `'text'` -> `text` (the -ERR argument). */
function unquote(s: string): string {
  return s.length >= 2 && s.startsWith("'") && s.endsWith("'") ? s.slice(1, -1) : s;
}

/** Decimal digits only, at most 9 (parseSize in nats-server); -1 otherwise. */
function parseSize(s: string): number {
  if (s.length === 0 || s.length > MAX_SIZE_DIGITS) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
