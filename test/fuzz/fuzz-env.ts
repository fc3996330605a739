/**
 * Settings shared by the fuzz tests: seeded, and bounded so that `npm test`
 * spends a few seconds per file. NATSTREAM_FUZZ_RUNS multiplies the number of
 * runs of every property (e.g. 50 for a long session); NATSTREAM_FUZZ_SEED
 * replays another seed (fast-check prints the seed and path of a failure).
 */
import fc from 'fast-check';

const SCALE = Number(process.env.NATSTREAM_FUZZ_RUNS ?? 1);
const SEED = Number(process.env.NATSTREAM_FUZZ_SEED ?? 15_2026);

/** fast-check parameters for a property run `base` times in `npm test`. */
export function fuzzParams<T>(base: number): fc.Parameters<T> {
  return { numRuns: Math.max(1, Math.round(base * SCALE)), seed: SEED, endOnFailure: true, verbose: 1, includeErrorInReport: true };
}

/** Every property name of Object.prototype (`toString`, `__proto__`, `constructor` ...). */
export const PROTO_NAMES: readonly string[] = Object.getOwnPropertyNames(Object.prototype);

/** A key from outside data: a known one, an inherited property name, or anything. */
export function keyArb(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: fc.constantFrom(...PROTO_NAMES) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
}

/** A name token as subjects, client IDs, channels carry it: plain, inherited, odd bytes. */
export const tokenArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-zA-Z0-9_-]{1,8}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_NAMES) },
  // latin1 only: the tests send strings as latin1 bytes
  { weight: 1, arbitrary: fc.string({ maxLength: 10, unit: fc.nat({ max: 255 }).map((c) => String.fromCharCode(c)) }) },
  { weight: 1, arbitrary: fc.constantFrom('', '*', '>', '.', 'a..b', ' ', '\t', '\u0000', '\u00e4', '\u00ff') },
);

export const subjectArb: fc.Arbitrary<string> = fc.array(tokenArb, { minLength: 1, maxLength: 3 }).map((t) => t.join('.'));
