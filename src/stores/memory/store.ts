/**
 * The memory store: the default, nothing persisted, limits enforced
 * (spec stores.md §2). `recover()` always returns null.
 */

import type { Logger } from '../../util/logger.js';
import { DEFAULT_STORE_LIMITS, resolveChannelLimits, validateLimits } from '../limits.js';
import {
  StoreError, type ChannelLimits, type ChannelStore, type ClientInfo, type RecoveredState,
  type ServerInfo, type Store, type StoreLimits,
} from '../store.js';
import { MemoryMsgStore } from './msg-store.js';
import { MemorySubStore } from './sub-store.js';

export class MemoryStore implements Store {
  readonly name = 'MEMORY';
  private limits: StoreLimits = { ...DEFAULT_STORE_LIMITS };
  private readonly channels = new Map<string, ChannelStore>();
  private readonly channelLimits = new Map<string, ChannelLimits>();

  constructor(private readonly logger: Logger, limits?: StoreLimits) {
    if (limits) this.setLimits(limits);
  }

  getExclusiveLock(): Promise<boolean> {
    return Promise.reject(new StoreError('notSupported'));
  }

  init(_info: ServerInfo): Promise<void> {
    return Promise.resolve();
  }

  recover(): Promise<RecoveredState | null> {
    return Promise.resolve(null);
  }

  setLimits(limits: StoreLimits): void {
    validateLimits(limits);
    this.limits = { ...limits };
  }

  getChannelLimits(channel: string): ChannelLimits | undefined {
    return this.channelLimits.get(channel);
  }

  createChannel(channel: string): Promise<ChannelStore> {
    if (this.channels.has(channel)) return Promise.reject(new StoreError('alreadyExists'));
    if (this.limits.maxChannels > 0 && this.channels.size >= this.limits.maxChannels) {
      return Promise.reject(new StoreError('tooManyChannels'));
    }
    const limits = resolveChannelLimits(this.limits, channel);
    const cs: ChannelStore = {
      msgs: new MemoryMsgStore(channel, limits, this.logger),
      subs: new MemorySubStore(limits),
    };
    this.channels.set(channel, cs);
    this.channelLimits.set(channel, limits);
    return Promise.resolve(cs);
  }

  async deleteChannel(channel: string): Promise<void> {
    const cs = this.channels.get(channel);
    if (!cs) throw new StoreError('notFound');
    this.channels.delete(channel);
    this.channelLimits.delete(channel);
    await cs.msgs.close();
    await cs.subs.close();
  }

  addClient(_info: ClientInfo): Promise<void> {
    return Promise.resolve();
  }

  deleteClient(_id: string): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    for (const cs of this.channels.values()) {
      await cs.msgs.close();
      await cs.subs.close();
    }
  }
}
