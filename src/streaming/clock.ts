/**
 * Unix time in nanoseconds for message timestamps: the wall clock read once,
 * advanced by the monotonic high-resolution clock (one bigint addition per call).
 */

const base = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export function nowNanos(): bigint {
  return base + process.hrtime.bigint();
}
