/**
 * Unix time in nanoseconds for message timestamps: the wall clock read once,
 * advanced by the monotonic high-resolution clock (one bigint addition per call).
 */

const base = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export function nowNanos(): bigint {
  return base + process.hrtime.bigint();
}

let turnMs = 0;
const endTurn = (): void => { turnMs = 0; };

/**
 * Date.now() read once per run of synchronous work (reset by a microtask): the
 * delivery and publish paths stamp every message of a batch with the same
 * millisecond instead of reading the clock per message.
 */
export function turnNowMs(): number {
  if (turnMs === 0) {
    turnMs = Date.now();
    queueMicrotask(endTurn);
  }
  return turnMs;
}
