import net from 'node:net';

/**
 * A raw TCP peer for byte-exact protocol tests: collects everything the server
 * sends and lets a test await a byte pattern or the server's close.
 */
export class RawClient {
  readonly socket: net.Socket;
  private data = Buffer.alloc(0);
  closed = false;
  private waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Everything received so far, as latin1 text. */
  get text(): string {
    return this.data.toString('latin1');
  }

  /** Drops what was received so far (e.g. the INFO line). */
  consume(): string {
    const t = this.text;
    this.data = Buffer.alloc(0);
    return t;
  }

  write(bytes: string | Buffer): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Resolves once `pred` holds on the received text (or rejects after `timeoutMs`). */
  async until(pred: (text: string, closed: boolean) => boolean, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.text, this.closed)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received so far: ${JSON.stringify(this.text)} closed=${this.closed}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.text;
  }

  untilIncludes(s: string, timeoutMs?: number): Promise<string> {
    return this.until((t) => t.includes(s), timeoutMs);
  }

  untilClosed(timeoutMs?: number): Promise<string> {
    return this.until((_t, closed) => closed, timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Decodes the escaping of the captures: \r \n \t \\ and \xNN. */
export function unescapeCapture(s: string): string {
  return s.replace(/\\(r|n|t|\\|x[0-9a-fA-F]{2})/g, (_m, e: string) => {
    if (e === 'r') return '\r';
    if (e === 'n') return '\n';
    if (e === 't') return '\t';
    if (e === '\\') return '\\';
    return String.fromCharCode(parseInt(e.slice(1), 16));
  });
}
