/**
 * Encryption at rest as a decorator around any store (Go: stores/cryptostore.go):
 * the data of each message is encrypted before the wrapped store keeps it and
 * decrypted on every read. Subscriptions, clients and message metadata stay in
 * clear; empty data is stored as is. Each channel has its own key (keys.ts) and
 * nonce counter (data-cipher.ts).
 */
import { makeMsg } from '../../protocol/stan-msg.js';
import type {
  ChannelLimits, ChannelStore, ClientInfo, DamagedRecord, Msg, MsgStore, MsgStoreState, RecoveredState,
  ServerInfo, Store, StoreLimits,
} from '../store.js';
import { DataCipher } from './data-cipher.js';
import { channelKey, masterKey, type MasterKey } from './keys.js';

export interface EncryptionSelection {
  /** `AES`, `CHACHA` or '' (the platform's default). */
  cipher?: string;
  /** The key; NATS_STREAMING_ENCRYPTION_KEY wins over it. */
  key?: string;
}

export class CryptoStore implements Store {
  private readonly master: MasterKey;

  /** Fails with `encryption cipher not supported` or `encryption key required`. */
  constructor(private readonly inner: Store, sel: EncryptionSelection, env: Record<string, string | undefined> = process.env) {
    this.master = masterKey(sel.cipher ?? '', sel.key ?? '', env);
  }

  get name(): string { return this.inner.name; }
  get location(): string | undefined { return this.inner.location; }

  getExclusiveLock(): Promise<boolean> { return this.inner.getExclusiveLock(); }
  init(info: ServerInfo): Promise<void> { return this.inner.init(info); }
  setLimits(limits: StoreLimits): void { this.inner.setLimits(limits); }
  getChannelLimits(channel: string): ChannelLimits | undefined { return this.inner.getChannelLimits(channel); }
  deleteChannel(channel: string): Promise<void> { return this.inner.deleteChannel(channel); }
  addClient(info: ClientInfo): Promise<void> { return this.inner.addClient(info); }
  deleteClient(id: string): Promise<void> { return this.inner.deleteClient(id); }
  close(): Promise<void> { return this.inner.close(); }
  damagedRecords(): DamagedRecord[] { return this.inner.damagedRecords?.() ?? []; }
  /** Dead letters: delivery counts hold no message data, the inner store keeps them as they are. */
  get openDeliveryCounts(): Store['openDeliveryCounts'] { return this.inner.openDeliveryCounts?.bind(this.inner); }

  async recover(): Promise<RecoveredState | null> {
    const rs = await this.inner.recover();
    if (rs === null) return null;
    for (const [name, rc] of rs.channels) {
      rc.channel = this.wrap(name, rc.channel);
      // A wrong key would fail every read: refuse to start rather than stall every subscription.
      try {
        await rc.channel.msgs.lastMsg();
      } catch (err) {
        throw new Error(`unable to recover message store for [${name}]: ${(err as Error).message}`);
      }
    }
    return rs;
  }

  async createChannel(channel: string): Promise<ChannelStore> {
    return this.wrap(channel, await this.inner.createChannel(channel));
  }

  private wrap(name: string, ch: ChannelStore): ChannelStore {
    const cipher = new DataCipher(this.master.code, channelKey(this.master, name), ch.msgs.lastSequence());
    return { msgs: new CryptoMsgStore(ch.msgs, cipher), subs: ch.subs };
  }
}

export class CryptoMsgStore implements MsgStore {
  /** Present when the wrapped store has it (the memory store). */
  readonly lookupRangeSync?: (from: number, to: number, max: number) => Msg[];
  readonly needsFlush?: () => boolean;

  constructor(private readonly inner: MsgStore, private readonly cipher: DataCipher) {
    const sync = inner.lookupRangeSync;
    if (sync !== undefined) this.lookupRangeSync = (from, to, max) => sync.call(inner, from, to, max).map((m) => this.decrypted(m));
    const needsFlush = inner.needsFlush;
    if (needsFlush !== undefined) this.needsFlush = () => needsFlush.call(inner);
  }

  store(msg: Msg): number {
    if (msg.data.length === 0) return this.inner.store(msg);
    const sealed = this.cipher.encrypt(msg.data);
    return this.inner.store(makeMsg(msg.sequence, msg.subject, msg.reply, sealed, msg.timestamp));
  }

  async lookup(seq: number): Promise<Msg | undefined> {
    return this.decrypted(await this.inner.lookup(seq));
  }

  async lookupRange(from: number, to: number, max: number): Promise<Msg[]> {
    return (await this.inner.lookupRange(from, to, max)).map((m) => this.decrypted(m));
  }

  async firstMsg(): Promise<Msg | undefined> { return this.decrypted(await this.inner.firstMsg()); }
  async lastMsg(): Promise<Msg | undefined> { return this.decrypted(await this.inner.lastMsg()); }

  firstSequence(): number { return this.inner.firstSequence(); }
  lastSequence(): number { return this.inner.lastSequence(); }
  getSequenceFromTimestamp(timestamp: bigint): Promise<number> { return this.inner.getSequenceFromTimestamp(timestamp); }
  state(): MsgStoreState { return this.inner.state(); }
  flush(): Promise<void> { return this.inner.flush(); }
  empty(): Promise<void> { return this.inner.empty(); }
  close(): Promise<void> { return this.inner.close(); }

  /** A copy with clear data: the wrapped store may cache the stored (encrypted) message. */
  private decrypted<M extends Msg | undefined>(m: M): M {
    if (m === undefined || m.data.length === 0) return m;
    const data = this.cipher.decrypt(m.data);
    if (data === m.data) return m;
    return makeMsg(m.sequence, m.subject, m.reply, data, m.timestamp) as M;
  }
}
