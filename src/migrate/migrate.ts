/**
 * `natstream migrate`: copies a FILE or SQL store into the JETSTREAM store
 * (docs/jetstream.md §Migration). Sequences, timestamps, clients, subscriptions
 * (durables, queue groups, last sent, pending) are kept; a channel whose first
 * sequence is above 1 keeps its numbering. It can run again after an
 * interruption: each channel goes on after the last message its stream holds,
 * and records are replaced. At the end each channel is verified by its message
 * count and a checksum of source and target.
 */

import { DEFAULT_STORE_LIMITS } from '../stores/limits.js';
import { JetStreamStore } from '../stores/jetstream/jetstream-store.js';
import type { JetStreamMsgStore } from '../stores/jetstream/msg-store.js';
import { streamName } from '../stores/jetstream/names.js';
import type { JetStreamSubStore } from '../stores/jetstream/sub-store.js';
import type { JetStreamStoreOptions } from '../stores/jetstream/options.js';
import type { MsgStore, StoreLimits } from '../stores/store.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { ChannelChecksum } from './checksum.js';
import { readStream } from './read-stream.js';
import { openSource } from './source.js';

export interface MigrateOptions {
  /** `file:DIR` or `sql:DRIVER:SOURCE`. */
  from: string;
  /** The JetStream side; `clusterId` defaults to the source's. */
  to: Omit<JetStreamStoreOptions, 'clusterId'> & { clusterId?: string };
  /** Messages read and written per round (default 2000). */
  batch?: number;
  logger?: Logger;
  onProgress?: (p: MigrateProgress) => void;
}

export interface MigrateProgress {
  channel: string;
  /** Messages of this channel copied so far / to copy in total (this run). */
  done: number;
  total: number;
  /** Over all channels. */
  allDone: number;
  allTotal: number;
}

export interface ChannelReport {
  channel: string;
  first: number;
  last: number;
  count: number;
  checksum: string;
  /** Messages copied by this run (0 when a previous run had copied them all). */
  copied: number;
  subscriptions: number;
  ok: boolean;
  problem?: string;
}

export interface MigrateReport {
  clusterId: string;
  clients: number;
  channels: ChannelReport[];
  ok: boolean;
  seconds: number;
}

/** No limits while copying: natstream sets the configured ones on the streams at its next start. */
const COPY_LIMITS: StoreLimits = {
  ...DEFAULT_STORE_LIMITS, maxChannels: 0, maxSubscriptions: 0, maxMsgs: 0, maxBytes: 0, maxAge: 0, maxInactivity: 0,
};

export async function migrate(o: MigrateOptions): Promise<MigrateReport> {
  const logger = o.logger ?? silentLogger;
  const batch = o.batch ?? 2000;
  const t0 = Date.now();
  const source = await openSource(o.from, logger);
  let target: JetStreamStore | undefined;
  try {
    const state = await source.recover();
    if (state === null) throw new Error(`${o.from}: nothing to migrate (no server state)`);
    const clusterId = o.to.clusterId ?? state.info.clusterId;
    target = await JetStreamStore.open({ ...o.to, clusterId }, COPY_LIMITS, logger);
    const existing = await target.recover();
    await target.init(state.info);
    for (const c of state.clients) await target.addClient(c);

    let allTotal = 0;
    const plan: Array<{ name: string; from: number; last: number }> = [];
    for (const [name, rc] of state.channels) {
      const src = rc.channel.msgs;
      const have = existing?.channels.get(name)?.channel.msgs.lastSequence() ?? 0;
      const from = Math.max(have + 1, src.firstSequence());
      const last = src.lastSequence();
      plan.push({ name, from, last });
      if (last >= from) allTotal += last - from + 1;
    }
    let allDone = 0;
    const reports: ChannelReport[] = [];
    for (const { name, from, last } of plan) {
      const rc = state.channels.get(name)!;
      const tch = existing?.channels.get(name)?.channel ?? await target.createChannel(name);
      const tmsgs = tch.msgs as JetStreamMsgStore;
      const total = last >= from ? last - from + 1 : 0;
      let done = 0;
      for (let seq = from; seq <= last;) {
        const msgs = await rc.channel.msgs.lookupRange(seq, last, batch);
        if (msgs.length === 0) break;
        for (const m of msgs) {
          if (m.sequence > tmsgs.lastSequence() + 1) await tmsgs.skipTo(m.sequence);
          tmsgs.store(m);
        }
        await tmsgs.flush();
        const next = msgs[msgs.length - 1].sequence + 1;
        done += next - seq;
        allDone += next - seq;
        seq = next;
        o.onProgress?.({ channel: name, done, total, allDone, allTotal });
      }
      for (const rs of rc.subscriptions) await (tch.subs as JetStreamSubStore).importSub(rs.sub, rs.pending);
      await tch.subs.flush();
      reports.push(await verify(target, clusterId, name, rc.channel.msgs, tmsgs, batch, done, rc.subscriptions.length));
    }
    return { clusterId, clients: state.clients.length, channels: reports, ok: reports.every((r) => r.ok), seconds: (Date.now() - t0) / 1000 };
  } finally {
    await target?.close();
    await source.close();
  }
}

async function verify(
  target: JetStreamStore, clusterId: string, name: string, src: MsgStore, dst: JetStreamMsgStore, batch: number,
  copied: number, subscriptions: number,
): Promise<ChannelReport> {
  const a = new ChannelChecksum();
  for (let seq = src.firstSequence(); seq !== 0 && seq <= src.lastSequence();) {
    const msgs = await src.lookupRange(seq, src.lastSequence(), batch);
    if (msgs.length === 0) break;
    for (const m of msgs) a.add(m);
    seq = msgs[msgs.length - 1].sequence + 1;
  }
  const b = new ChannelChecksum();
  const { js, jsm } = target.jetstream;
  await readStream(js, jsm, streamName(clusterId, name), name, (m) => b.add(m));
  const sums = [a.digest(), b.digest()];
  const problems: string[] = [];
  if (a.count !== b.count) problems.push(`${a.count} messages in the source, ${b.count} in the stream`);
  else if (sums[0] !== sums[1]) problems.push('checksums differ');
  if (dst.firstSequence() !== src.firstSequence() && src.state().msgs > 0) {
    problems.push(`first sequence ${src.firstSequence()} in the source, ${dst.firstSequence()} in the stream`);
  }
  if (dst.lastSequence() !== src.lastSequence()) problems.push(`last sequence ${src.lastSequence()} in the source, ${dst.lastSequence()} in the stream`);
  return {
    channel: name, first: src.firstSequence(), last: src.lastSequence(), count: a.count, checksum: sums[0],
    copied, subscriptions, ok: problems.length === 0, ...(problems.length > 0 ? { problem: problems.join('; ') } : {}),
  };
}
