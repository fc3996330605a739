/**
 * The channels of the server (spec streaming-protocol.md §9): lookup, creation
 * on first use (one store call per name even when requests race), the rule
 * against names differing only by case, and max_inactivity deletion.
 */

import type { RecoveredChannel } from '../stores/store.js';
import { Channel } from './channel.js';
import type { StreamingContext } from './context.js';
import { STAN_ERRORS, channelCaseConflict } from './errors.js';
import { detach } from './failures.js';

export class ChannelRegistry {
  /** lower-cased name → name, to refuse names that differ only by case. */
  private readonly byLowerName = new Map<string, string>();
  private readonly creating = new Map<string, Promise<Channel>>();
  /** Prepares a new channel before it is used (dead letters: its max_deliver and stored counts). */
  onCreate: ((ch: Channel) => Promise<unknown>) | null = null;
  private inactivityTimer: NodeJS.Timeout | undefined;

  /** Called for every channel added (created or recovered). */
  onAdded: ((ch: Channel) => void) | undefined;

  constructor(private readonly ctx: StreamingContext) {}

  get(name: string): Channel | undefined {
    return this.ctx.channels.get(name);
  }

  /** The channel, created (in the store too) if needed. Rejects with the text for the client. */
  lookupOrCreate(name: string): Promise<Channel> {
    const ch = this.ctx.channels.get(name);
    if (ch !== undefined) {
      return ch.deleting ? Promise.reject(new Error(STAN_ERRORS.channelBeingDeleted)) : Promise.resolve(ch);
    }
    let p = this.creating.get(name);
    if (p === undefined) {
      p = this.create(name);
      this.creating.set(name, p);
      const done = () => { this.creating.delete(name); };
      p.then(done, done);
    }
    return p;
  }

  private async create(name: string): Promise<Channel> {
    const existing = this.byLowerName.get(name.toLowerCase());
    if (existing !== undefined && existing !== name) throw new Error(channelCaseConflict(name, existing));
    const ctx = this.ctx;
    let cs;
    try {
      cs = await ctx.store.createChannel(name);
    } catch (err) {
      ctx.log.error(`Creating channel ${JSON.stringify(name)} failed: ${(err as Error).message}`);
      throw err;
    }
    const ch = new Channel(name, cs, ctx.store.getChannelLimits(name) ?? ctx.options.limits);
    if (this.onCreate !== null) await this.onCreate(ch);
    this.add(ch);
    ctx.log.notice(`Channel ${JSON.stringify(name)} has been created`);
    return ch;
  }

  /** A channel recovered from the store. */
  addRecovered(name: string, rc: RecoveredChannel): Channel {
    const ch = new Channel(name, rc.channel, this.ctx.store.getChannelLimits(name) ?? this.ctx.options.limits);
    this.add(ch);
    return ch;
  }

  private add(ch: Channel): void {
    this.ctx.channels.set(ch.name, ch);
    this.byLowerName.set(ch.name.toLowerCase(), ch.name);
    this.onAdded?.(ch);
  }

  /** Starts the coarse max_inactivity check when any channel can expire. */
  startInactivityChecks(): void {
    const limits = this.ctx.options.limits;
    let anyInactivity = limits.maxInactivity > 0;
    if (!anyInactivity && limits.perChannel) {
      anyInactivity = Object.values(limits.perChannel).some((l) => (l.maxInactivity ?? 0) > 0);
    }
    if (!anyInactivity) return;
    let smallest = Infinity;
    if (limits.maxInactivity > 0) smallest = limits.maxInactivity;
    for (const l of Object.values(limits.perChannel ?? {})) {
      if ((l.maxInactivity ?? 0) > 0) smallest = Math.min(smallest, l.maxInactivity!);
    }
    const period = Math.max(10, Math.min(1000, Math.floor(smallest / 10)));
    this.inactivityTimer = setInterval(() => { detach(this.ctx.log, 'Deleting inactive channels failed', this.deleteInactive()); }, period);
  }

  stop(): void {
    if (this.inactivityTimer) clearInterval(this.inactivityTimer);
    this.inactivityTimer = undefined;
  }

  /** Deletes channels without active subscriptions that saw no activity for max_inactivity. */
  private async deleteInactive(): Promise<void> {
    const now = Date.now();
    for (const ch of [...this.ctx.channels.values()]) {
      const max = ch.limits.maxInactivity;
      if (max <= 0 || ch.deleting || now - ch.lastActivity < max || ch.activeSubCount > 0) continue;
      ch.deleting = true;
      try {
        await this.ctx.lane.run(async () => {
          // re-check inside the lane: a subscription may have arrived meanwhile
          if (ch.activeSubCount > 0 || Date.now() - ch.lastActivity < max) { ch.deleting = false; return; }
          for (const s of ch.subs) { s.removed = true; s.ackSub?.unsubscribe(); }
          ch.subs.clear();
          ch.durables.clear();
          ch.queues.clear();
          await this.ctx.store.deleteChannel(ch.name);
          this.ctx.channels.delete(ch.name);
          this.byLowerName.delete(ch.name.toLowerCase());
          this.ctx.log.notice(`Channel ${JSON.stringify(ch.name)} has been deleted`);
        });
      } catch (err) {
        ch.deleting = false;
        this.ctx.log.error(`Unable to delete channel ${JSON.stringify(ch.name)}: ${(err as Error).message}`);
      }
    }
  }
}
