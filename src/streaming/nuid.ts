/**
 * 22-character unique IDs in the NATS NUID shape (12 random base-62 characters
 * followed by a 10-character sequence that grows by a random step): ack inboxes,
 * the server ID. Cheap enough to call per subscription.
 */

import { randomBytes, randomInt } from 'node:crypto';

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE = 62;
const PRE_LEN = 12;
const SEQ_LEN = 10;
const MAX_SEQ = BASE ** SEQ_LEN; // 839299365868340224 > 2^53: keep the sequence below 2^53
const SEQ_LIMIT = Math.min(MAX_SEQ, Number.MAX_SAFE_INTEGER);
const MIN_INC = 33;
const MAX_INC = 333;

export class Nuid {
  private prefix = '';
  private seq = 0;
  private inc = 0;

  constructor() {
    this.reset();
  }

  next(): string {
    this.seq += this.inc;
    if (this.seq >= SEQ_LIMIT) this.reset();
    let s = '';
    let n = this.seq;
    for (let i = 0; i < SEQ_LEN; i++) {
      s = DIGITS[n % BASE] + s;
      n = Math.floor(n / BASE);
    }
    return this.prefix + s;
  }

  private reset(): void {
    const bytes = randomBytes(PRE_LEN);
    let p = '';
    for (let i = 0; i < PRE_LEN; i++) p += DIGITS[bytes[i] % BASE];
    this.prefix = p;
    this.seq = randomInt(0, 2 ** 40);
    this.inc = randomInt(MIN_INC, MAX_INC);
  }
}

export const nuid = new Nuid();
