/**
 * A minimal NATS client over a raw socket, for `--client raw`: it sends
 * pre-encoded PUB frames in large writes and counts MSG frames without
 * decoding them. The official client spends several microseconds per message,
 * which caps what it can put through any server; this one costs far less, so
 * the server becomes the limit and the bench measures it rather than the client.
 */
import net from 'node:net';

const LF = 10;
const CR = 13;

export interface RawHandler {
  /** One MSG: its control line is buf[start..end) without CRLF; `size` payload bytes follow. */
  onMsg(buf: Buffer, start: number, end: number, size: number): void;
}

export class RawConnection {
  private readonly socket: net.Socket;
  private partial: Buffer | null = null;
  /** Payload bytes (plus CRLF) still to skip. */
  private skip = 0;
  private readonly pongWaiters: Array<() => void> = [];
  private drainWaiter: (() => void) | null = null;
  private failure: ((err: Error) => void) | null = null;

  private constructor(
    socket: net.Socket,
    private readonly handler: RawHandler,
  ) {
    this.socket = socket;
  }

  static async connect(url: string, handler: RawHandler, onError: (err: Error) => void): Promise<RawConnection> {
    const u = new URL(url);
    const socket = net.connect({ host: u.hostname, port: Number(u.port), noDelay: true });
    const c = new RawConnection(socket, handler);
    c.failure = onError;
    socket.on('data', (chunk: Buffer) => c.onData(chunk));
    socket.on('drain', () => {
      const w = c.drainWaiter;
      c.drainWaiter = null;
      w?.();
    });
    socket.on('error', (err) => c.failure?.(err));
    socket.on('close', () => c.failure?.(new Error('connection closed')));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    socket.write('CONNECT {"verbose":false,"pedantic":false,"headers":false,"name":"natstream-bench-raw","lang":"raw","protocol":1}\r\n');
    await c.ping();
    return c;
  }

  /** Queues bytes; resolves at once unless the socket asks to wait for 'drain'. */
  write(data: Buffer | string): Promise<void> | null {
    if (this.socket.write(data)) return null;
    return new Promise((resolve) => (this.drainWaiter = resolve));
  }

  /** PING, resolved by the PONG: everything written before has been processed by the server. */
  ping(): Promise<void> {
    return new Promise((resolve) => {
      this.pongWaiters.push(resolve);
      this.socket.write('PING\r\n');
    });
  }

  close(): void {
    this.failure = null;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.partial !== null) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    let i = 0;
    const n = buf.length;
    while (i < n) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, n - i);
        this.skip -= take;
        i += take;
        continue;
      }
      const lf = buf.indexOf(LF, i);
      if (lf < 0) {
        this.partial = Buffer.from(buf.subarray(i));
        return;
      }
      const end = lf > i && buf[lf - 1] === CR ? lf - 1 : lf;
      const c0 = buf[i];
      if (c0 === 77 /* M */) {
        // The size is the last token of the line.
        let j = end;
        let size = 0;
        let mul = 1;
        while (j > i && buf[j - 1] >= 48 && buf[j - 1] <= 57) {
          size += (buf[j - 1] - 48) * mul;
          mul *= 10;
          j--;
        }
        this.skip = size + 2;
        this.handler.onMsg(buf, i, end, size);
      } else if (c0 === 80 /* P */) {
        if (buf[i + 1] === 73 /* I */) this.socket.write('PONG\r\n');
        else this.pongWaiters.shift()?.();
      } else if (c0 === 45 /* - */) {
        this.failure?.(new Error(buf.toString('latin1', i, end)));
      }
      i = lf + 1;
    }
  }
}

/** `count` PUB frames of one subject and payload size, back to back in one Buffer. */
export function pubFrames(subject: string, size: number, count: number, reply = ''): Buffer {
  const line = Buffer.from(reply === '' ? `PUB ${subject} ${size}\r\n` : `PUB ${subject} ${reply} ${size}\r\n`, 'latin1');
  const frame = line.length + size + 2;
  const out = Buffer.alloc(frame * count, 97);
  for (let k = 0; k < count; k++) {
    const at = k * frame;
    line.copy(out, at);
    out[at + line.length + size] = CR;
    out[at + line.length + size + 1] = LF;
  }
  return out;
}

/** The token `index` (0-based) of a control line, as a string. */
export function token(buf: Buffer, start: number, end: number, index: number): string {
  let i = start;
  for (let t = 0; ; t++) {
    while (i < end && buf[i] === 32) i++;
    const s = i;
    while (i < end && buf[i] !== 32) i++;
    if (t === index || i >= end) return buf.toString('latin1', s, i);
  }
}
