import { NatsErr } from './nats-errors.js';

/**
 * What the parser hands to a client connection. Strings are decoded as latin1
 * so that every byte of a subject survives the round trip to MSG unchanged.
 * `payload` is a view into the read buffer (or into the parser's own buffer
 * for a payload that straddled reads): valid only during the call.
 */
export interface NatsParserHandler {
  onConnect(json: string): void;
  onPub(subject: string, reply: string, payload: Buffer): void;
  /** `payload` holds headers and body; the first `headerSize` bytes are the header block. */
  onHpub(subject: string, reply: string, headerSize: number, payload: Buffer): void;
  onSub(subject: string, queue: string, sid: string): void;
  /** `max` is -1 when absent or not a number. */
  onUnsub(sid: string, max: number): void;
  onPing(): void;
  onPong(): void;
  /**
   * The stream is unusable: send `-ERR '<errText>'` when errText is not null,
   * then close. `reason` is for the log. The parser stops by itself.
   */
  onProtocolError(errText: string | null, reason: string): void;
}

const enum State {
  ControlLine,
  Payload,
  Stopped,
}

const enum Op {
  Pub,
  Hpub,
  Sub,
  Unsub,
  Connect,
  Ping,
  Pong,
  Ok,
  Info,
  Err,
}

/** Result of matching an operation name: an Op, or one of these. */
const NEED_MORE = -1;
const BAD_OP = -2;
const OP_AT_LINE_END = -3;

const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;
const MAX_SIZE_DIGITS = 9;

/**
 * The NATS client protocol as a state machine over the socket's bytes, in the
 * manner of nats-server's parser.go but line-oriented: a control line is found
 * with one native indexOf and parsed in place; a payload is delivered as a
 * subarray of the read buffer. Only a line or payload that straddles two reads
 * is copied. Hand-written because it is the hottest code of the server and no
 * library parses the NATS server side of the protocol.
 */
export class NatsParser {
  maxControlLine: number;
  maxPayload: number;
  /** Set once the client negotiated headers; HPUB is refused before that. */
  headersAllowed = false;

  private state = State.ControlLine;
  /** Bytes of a control line that has not seen its '\n' yet. */
  private partialLine: Buffer | null = null;
  /** Pending publish, between its control line and its payload. */
  private pubOp = Op.Pub;
  private pubSubject = '';
  private pubReply = '';
  private pubHeaderSize = 0;
  private pubSize = 0;
  /** A payload that straddles reads is gathered here (with its trailing CRLF). */
  private payloadBuf: Buffer | null = null;
  private payloadHave = 0;
  private lastSubjectBytes: Buffer | null = null;
  private lastSubject = '';
  /** Token boundaries of the current line: start, end pairs. */
  private readonly tokens = new Int32Array(12);

  constructor(
    private readonly handler: NatsParserHandler,
    limits: { maxControlLine: number; maxPayload: number },
  ) {
    this.maxControlLine = limits.maxControlLine;
    this.maxPayload = limits.maxPayload;
  }

  /** Stop parsing: nothing more is delivered (the connection is closing). */
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
          this.keepPartialLine(buf, i, n);
          return;
        }
        if (this.partialLine === null) {
          this.controlLine(buf, i, nl);
        } else {
          const line = Buffer.concat([this.partialLine, buf.subarray(i, nl)]);
          this.partialLine = null;
          this.controlLine(line, 0, line.length);
        }
        i = nl + 1;
      } else if (this.state === State.Payload) {
        i = this.payload(buf, i, n);
      } else {
        return;
      }
    }
  }

  private keepPartialLine(buf: Buffer, start: number, end: number): void {
    const line =
      this.partialLine === null
        ? Buffer.from(buf.subarray(start, end))
        : Buffer.concat([this.partialLine, buf.subarray(start, end)]);
    // Judge what has arrived so far, as the reference does byte by byte: a bad
    // operation name or an overlong argument fails before the line ends.
    const op = matchOp(line, 0, line.length, true);
    if (op === BAD_OP) return this.fail(NatsErr.unknownOp, 'unknown protocol operation');
    const argStart = op >= 0 ? skipBlanks(line, opLength(op), line.length) : 0;
    if (line.length - argStart > this.maxControlLine) {
      return this.fail(NatsErr.maxControlLine, 'maximum control line exceeded');
    }
    this.partialLine = line;
  }

  private controlLine(buf: Buffer, start: number, lf: number): void {
    const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
    const op = matchOp(buf, start, end, false);
    if (op < 0) return this.fail(NatsErr.unknownOp, 'unknown protocol operation');
    switch (op) {
      case Op.Ping:
        return this.handler.onPing();
      case Op.Pong:
        return this.handler.onPong();
      case Op.Ok:
        return;
      case Op.Err:
        return this.fail(null, 'client sent -ERR');
    }
    const argStart = skipBlanks(buf, start + opLength(op), end);
    if (end - argStart > this.maxControlLine) {
      return this.fail(NatsErr.maxControlLine, 'maximum control line exceeded');
    }
    switch (op) {
      case Op.Info:
        return;
      case Op.Connect:
        return this.handler.onConnect(buf.toString('latin1', argStart, end));
      case Op.Pub:
        return this.pubLine(buf, argStart, end);
      case Op.Hpub:
        return this.hpubLine(buf, argStart, end);
      case Op.Sub:
        return this.subLine(buf, argStart, end);
      case Op.Unsub:
        return this.unsubLine(buf, argStart, end);
    }
  }

  private pubLine(buf: Buffer, start: number, end: number): void {
    const t = this.tokens;
    const count = splitArgs(buf, start, end, t);
    if (count !== 2 && count !== 3) return this.fail(null, 'processPub parse error');
    const size = parseSize(buf, t[2 * count - 2], t[2 * count - 1]);
    if (size < 0) return this.fail(null, 'processPub parse error');
    if (size > this.maxPayload) return this.fail(NatsErr.maxPayload, 'maximum payload exceeded');
    this.pubOp = Op.Pub;
    this.pubSubject = this.subjectAt(buf, t[0], t[1]);
    this.pubReply = count === 3 ? buf.toString('latin1', t[2], t[3]) : '';
    this.pubHeaderSize = 0;
    this.pubSize = size;
    this.state = State.Payload;
  }

  private hpubLine(buf: Buffer, start: number, end: number): void {
    if (!this.headersAllowed) return this.fail(null, 'message headers not supported');
    const t = this.tokens;
    const count = splitArgs(buf, start, end, t);
    if (count !== 3 && count !== 4) return this.fail(null, 'processHeaderPub parse error');
    const headerSize = parseSize(buf, t[2 * count - 4], t[2 * count - 3]);
    const size = parseSize(buf, t[2 * count - 2], t[2 * count - 1]);
    if (headerSize < 0 || size < 0 || headerSize > size) {
      return this.fail(null, 'processHeaderPub parse error');
    }
    if (size > this.maxPayload) return this.fail(NatsErr.maxPayload, 'maximum payload exceeded');
    this.pubOp = Op.Hpub;
    this.pubSubject = this.subjectAt(buf, t[0], t[1]);
    this.pubReply = count === 4 ? buf.toString('latin1', t[2], t[3]) : '';
    this.pubHeaderSize = headerSize;
    this.pubSize = size;
    this.state = State.Payload;
  }

  /**
   * The subject at buf[s..e), reusing the previous string when the bytes are
   * the same: publishers tend to repeat subjects, and an identical string also
   * hits the sublist cache without re-hashing a fresh copy.
   */
  private subjectAt(buf: Buffer, s: number, e: number): string {
    const last = this.lastSubjectBytes;
    const len = e - s;
    if (last !== null && last.length === len) {
      let i = 0;
      while (i < len && last[i] === buf[s + i]) i++;
      if (i === len) return this.lastSubject;
    }
    const subject = buf.toString('latin1', s, e);
    if (len <= 256) {
      this.lastSubjectBytes = Buffer.from(buf.subarray(s, e));
      this.lastSubject = subject;
    }
    return subject;
  }

  private subLine(buf: Buffer, start: number, end: number): void {
    const t = this.tokens;
    const count = splitArgs(buf, start, end, t);
    if (count !== 2 && count !== 3) return this.fail(null, 'processSub parse error');
    const subject = buf.toString('latin1', t[0], t[1]);
    const queue = count === 3 ? buf.toString('latin1', t[2], t[3]) : '';
    const sid = buf.toString('latin1', t[2 * count - 2], t[2 * count - 1]);
    this.handler.onSub(subject, queue, sid);
  }

  private unsubLine(buf: Buffer, start: number, end: number): void {
    const t = this.tokens;
    const count = splitArgs(buf, start, end, t);
    if (count !== 1 && count !== 2) return this.fail(null, 'processUnsub parse error');
    const sid = buf.toString('latin1', t[0], t[1]);
    const max = count === 2 ? parseSize(buf, t[2], t[3]) : -1;
    this.handler.onUnsub(sid, max);
  }

  /** Consumes payload bytes from buf[i..n); returns the new read index. */
  private payload(buf: Buffer, i: number, n: number): number {
    const size = this.pubSize;
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
    if (this.pubOp === Op.Pub) {
      this.handler.onPub(this.pubSubject, this.pubReply, payload);
    } else {
      this.handler.onHpub(this.pubSubject, this.pubReply, this.pubHeaderSize, payload);
    }
  }

  private fail(errText: string | null, reason: string): void {
    this.stop();
    this.handler.onProtocolError(errText, reason);
  }
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

function skipBlanks(buf: Buffer, i: number, end: number): number {
  while (i < end && isBlank(buf[i])) i++;
  return i;
}

/** Lower-cases an ASCII letter; other bytes pass unchanged. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

/** Lower-case spelling of each operation, and whether a blank (or '{') must follow it. */
const OP_NAMES: ReadonlyArray<[Op, string, boolean]> = [
  [Op.Pub, 'pub', true],
  [Op.Hpub, 'hpub', true],
  [Op.Sub, 'sub', true],
  [Op.Unsub, 'unsub', true],
  [Op.Connect, 'connect', false],
  [Op.Ping, 'ping', false],
  [Op.Pong, 'pong', false],
  [Op.Ok, '+ok', false],
  [Op.Info, 'info', false],
  [Op.Err, '-err', false],
];
const OP_LENGTH: number[] = [];
for (const [op, name] of OP_NAMES) OP_LENGTH[op] = name.length;

function opLength(op: Op): number {
  return OP_LENGTH[op];
}

/**
 * Identifies the operation at buf[start..end). With `partial` the line may go
 * on: running out of bytes gives NEED_MORE instead of an error.
 */
function matchOp(buf: Buffer, start: number, end: number, partial: boolean): number {
  const len = end - start;
  // PUB is by far the most frequent operation: recognise it before the table walk.
  if (len > 4 && (buf[start] | 0x20) === 0x70 && (buf[start + 1] | 0x20) === 0x75 && (buf[start + 2] | 0x20) === 0x62 && isBlank(buf[start + 3])) {
    return Op.Pub;
  }
  if (len === 0) return partial ? NEED_MORE : BAD_OP;
  const first = lower(buf[start]);
  for (const [op, name, needsBlank] of OP_NAMES) {
    if (name.charCodeAt(0) !== first) continue;
    // 'p' starts pub, ping and pong: the second letter decides.
    let k = 1;
    while (k < name.length && k < len && lower(buf[start + k]) === name.charCodeAt(k)) k++;
    if (k < name.length) {
      if (k === len) {
        return partial ? NEED_MORE : BAD_OP;
      }
      continue;
    }
    if (!needsBlank) return op;
    if (len === name.length) return partial ? NEED_MORE : OP_AT_LINE_END;
    return isBlank(buf[start + name.length]) ? op : BAD_OP;
  }
  return BAD_OP;
}

/** Splits arguments on runs of blanks into `out` (start, end pairs); returns how many, or 6 for too many. */
function splitArgs(buf: Buffer, i: number, end: number, out: Int32Array): number {
  let count = 0;
  while (i < end) {
    while (i < end && isBlank(buf[i])) i++;
    if (i >= end) break;
    if (count === 5) return 6;
    const s = i;
    while (i < end && !isBlank(buf[i])) i++;
    out[2 * count] = s;
    out[2 * count + 1] = i;
    count++;
  }
  return count;
}

/** Decimal digits only, at most 9 of them (parseSize in nats-server); -1 otherwise. */
function parseSize(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len === 0 || len > MAX_SIZE_DIGITS) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
