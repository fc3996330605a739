/**
 * Dead-letter options (natstream only, docs/dead-letters.md): after how many
 * deliveries without an ack a message leaves a subscription, and where it goes.
 */
import { byWidth, keyMatches } from '../stores/limits.js';

export interface DeadLetterOptions {
  /** `--max_deliver`: deliveries without an ack after which a message is dead (0 = never). */
  maxDeliver: number;
  /** `--dead_letter_prefix`: dead letters of `foo` go to `<prefix>.foo`; '' drops them. */
  prefix: string;
  /**
   * `max_deliver` of `store_limits { channels { ... } }`, by channel key (wildcards as for the
   * other per-channel limits; the most specific key wins; 0 or -1 = never for that channel).
   */
  perChannel?: Record<string, number>;
}

export const DEFAULT_DEAD_LETTER_OPTIONS: Readonly<DeadLetterOptions> = Object.freeze({ maxDeliver: 0, prefix: 'DLQ' });

/** The max_deliver of `channel` (0 = unlimited). */
export function maxDeliverOf(o: DeadLetterOptions, channel: string): number {
  let v = Math.max(0, o.maxDeliver);
  const per = o.perChannel;
  if (per === undefined) return v;
  const keys = Object.keys(per).filter((k) => keyMatches(k, channel)).sort(byWidth);
  // widest first: the most specific key is applied last and wins
  for (const k of keys) v = per[k] < 0 ? 0 : per[k];
  return v;
}

/** Whether any channel can have dead letters. */
export function deadLettersConfigured(o: DeadLetterOptions): boolean {
  return o.maxDeliver > 0 || Object.values(o.perChannel ?? {}).some((v) => v > 0);
}

/** Where the dead letters of `channel` go; '' when they are dropped (no prefix, or `channel` is itself a dead-letter channel). */
export function deadLetterChannelOf(o: DeadLetterOptions, channel: string): string {
  if (o.prefix === '' || isDeadLetterChannel(o, channel)) return '';
  return `${o.prefix}.${channel}`;
}

export function isDeadLetterChannel(o: DeadLetterOptions, channel: string): boolean {
  return o.prefix !== '' && channel.startsWith(`${o.prefix}.`);
}
