/**
 * The stream of a channel: its configuration from the channel limits, and the
 * check of a stream found at start-up against it (a stream altered by hand is
 * reported, never silently used).
 */

import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig, type StreamInfo } from 'nats';

import type { ChannelLimits } from '../store.js';

export function streamConfig(name: string, subject: string, limits: ChannelLimits, replicas: number): Partial<StreamConfig> {
  return {
    name,
    subjects: [subject],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    ...limitFields(limits),
  };
}

/**
 * max_msgs and max_age are the stream's own. max_bytes is not: JetStream reserves
 * a stream's max_bytes of disk on every replica when the stream is made (100
 * channels at the default 1000 MB would reserve 100 GB), and counts headers too;
 * natstream enforces it by purging the stream (msg-store.ts).
 */
function limitFields(l: ChannelLimits): Pick<StreamConfig, 'max_msgs' | 'max_bytes' | 'max_age'> {
  return {
    max_msgs: l.maxMsgs > 0 ? l.maxMsgs : -1,
    max_bytes: -1,
    max_age: l.maxAge > 0 ? l.maxAge * 1_000_000 : 0,
  };
}

/** Problems that make a stream unusable as the channel's (start-up fails with them). */
export function streamProblems(info: StreamInfo, subject: string): string[] {
  const c = info.config;
  const out: string[] = [];
  if (c.subjects?.length !== 1 || c.subjects[0] !== subject) {
    out.push(`subjects are ${JSON.stringify(c.subjects ?? [])}, natstream needs exactly ["${subject}"]`);
  }
  if (c.retention !== RetentionPolicy.Limits) out.push(`retention is ${c.retention}, natstream needs limits`);
  if (c.discard !== DiscardPolicy.Old) out.push(`discard policy is ${c.discard}, natstream needs old`);
  if (c.mirror) out.push('the stream is a mirror');
  if (c.sealed) out.push('the stream is sealed');
  if (c.deny_delete || c.deny_purge) out.push('the stream denies delete or purge, which limits need');
  if ((c.max_msgs_per_subject ?? -1) > 0) out.push(`max_msgs_per_subject is ${c.max_msgs_per_subject}`);
  return out;
}

/** The limits that differ from the configured ones, as `field: found -> configured` texts. */
export function limitDifferences(info: StreamInfo, limits: ChannelLimits): string[] {
  const want = limitFields(limits);
  const c = info.config;
  const out: string[] = [];
  for (const k of ['max_msgs', 'max_bytes', 'max_age'] as const) {
    const found = Number(c[k] ?? (k === 'max_age' ? 0 : -1));
    const norm = k === 'max_age' ? found : found <= 0 ? -1 : found;
    if (norm !== want[k]) out.push(`${k}: ${found} -> ${want[k]}`);
  }
  return out;
}

export function withLimits(info: StreamInfo, limits: ChannelLimits): StreamConfig {
  return { ...info.config, ...limitFields(limits) };
}
