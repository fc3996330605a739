import net from 'node:net';

/**
 * Opens a TCP connection, writes `chunks` one by one (each its own write, no
 * Nagle), half-closes (unless `halfClose` is false: an HTTP request with
 * `Connection: close` waits for its answer like a browser or curl), and resolves
 * with what the server sent once the server closed its side too (it does on EOF,
 * or earlier on a protocol error).
 */
export async function sendAndClose(port: number, chunks: Buffer[], timeoutMs = 5000, halfClose = true): Promise<string> {
  const sock = net.connect({ port, host: '127.0.0.1' });
  sock.setNoDelay(true);
  const got: Buffer[] = [];
  sock.on('data', (d) => got.push(d));
  sock.on('error', () => {}); // a reset by the server is an answer too
  const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  await Promise.race([new Promise<void>((resolve) => sock.once('connect', () => resolve())), closed]);
  for (const c of chunks) {
    if (sock.destroyed || !sock.writable) break;
    await new Promise<void>((resolve) => sock.write(c, () => resolve()));
  }
  if (halfClose && !sock.destroyed) sock.end();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`server kept the connection open ${timeoutMs} ms after EOF`)), timeoutMs);
  });
  try {
    await Promise.race([closed, timeout]);
  } finally {
    clearTimeout(timer);
    sock.destroy();
  }
  return Buffer.concat(got).toString('latin1');
}

/** Cuts `b` at the given fractions of its length (sorted, deduplicated). */
export function splitAt(b: Buffer, fractions: number[]): Buffer[] {
  const cuts = [...new Set(fractions.map((f) => Math.floor(f * b.length)))].filter((c) => c > 0 && c < b.length).sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of cuts) { out.push(b.subarray(prev, c)); prev = c; }
  out.push(b.subarray(prev));
  return out;
}

/** True when the server still accepts a connection and greets it with INFO. */
export function greets(port: number, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => { clearTimeout(timer); sock.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('data', (d) => { if (d.toString('latin1').startsWith('INFO ')) done(true); });
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}
