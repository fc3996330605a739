/**
 * Encryption at rest as a decorator around any store (Go: stores/cryptostore.go):
 * the data of each message is encrypted before the wrapped store keeps it and
 * decrypted on every read. Subscriptions, clients and message metadata stay in
 * clear; empty data is stored as is. Each channel has its own key (keys.ts) and
 * nonce counter (data-cipher.ts).
 *
 * A message that does not authenticate is reported once and skipped, as the file
 * store does with a damaged record (damage.ts), except at start: when the newest
 * message of a channel does not authenticate the key is wrong, and the start fails.
 */
import { makeMsg } from '../../protocol/stan-msg.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { DamageLog } from '../damage.js';
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
  private readonly damage: DamageLog;

  /** Fails with `encryption cipher not supported` or `encryption key required`. */
  constructor(
    private readonly inner: Store, sel: EncryptionSelection,
    env: Record<string, string | undefined> = process.env, logger: Logger = silentLogger,
  ) {
    this.master = masterKey(sel.cipher ?? '', sel.key ?? '', env);
    this.damage = new DamageLog(logger);
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
  damagedRecords(): DamagedRecord[] { return [...(this.inner.damagedRecords?.() ?? []), ...this.damage.records()]; }
  /** Dead letters: delivery counts hold no message data, the inner store keeps them as they are. */
  get openDeliveryCounts(): Store['openDeliveryCounts'] { return this.inner.openDeliveryCounts?.bind(this.inner); }

  async recover(): Promise<RecoveredState | null> {
    const rs = await this.inner.recover();
    if (rs === null) return null;
    for (const [name, rc] of rs.channels) {
      const wrapped = this.wrap(name, rc.channel);
      // A wrong key would fail every read: refuse to start rather than skip every message.
      try {
        await (wrapped.msgs as CryptoMsgStore).checkNewest();
      } catch (err) {
        throw new Error(`unable to recover message store for [${name}]: ${(err as Error).message}`);
      }
      rc.channel = wrapped;
    }
    return rs;
  }

  async createChannel(channel: string): Promise<ChannelStore> {
    return this.wrap(channel, await this.inner.createChannel(channel));
  }

  private wrap(name: string, ch: ChannelStore): ChannelStore {
    const cipher = new DataCipher(this.master.code, channelKey(this.master, name), ch.msgs.lastSequence());
    const onUnreadable = (sequence: number, error: string) => this.damage.report({ channel: name, sequence, error });
    return { msgs: new CryptoMsgStore(ch.msgs, cipher, onUnreadable), subs: ch.subs };
  }
}

export class CryptoMsgStore implements MsgStore {
  /** Present when the wrapped store has it (the memory store). */
  readonly lookupRangeSync?: (from: number, to: number, max: number) => Msg[];
  readonly needsFlush?: () => boolean;

  constructor(
    private readonly inner: MsgStore, private readonly cipher: DataCipher,
    private readonly onUnreadable: (seq: number, error: string) => void,
  ) {
    const sync = inner.lookupRangeSync;
    if (sync !== undefined) {
      this.lookupRangeSync = (from, to, max) => this.readable(from, (f) => sync.call(inner, f, to, max));
    }
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
    // As readable(), with the wrapped store's asynchronous reads.
    for (let f = from; ;) {
      const batch = await this.inner.lookupRange(f, to, max);
      const out = this.decryptAll(batch);
      if (out.length > 0 || batch.length === 0) return out;
      f = batch[batch.length - 1].sequence + 1;
    }
  }

  async firstMsg(): Promise<Msg | undefined> { return this.decrypted(await this.inner.firstMsg()); }
  async lastMsg(): Promise<Msg | undefined> { return this.decrypted(await this.inner.lastMsg()); }

  /** Throws the cipher's error when the newest message does not authenticate (a wrong key). */
  async checkNewest(): Promise<void> {
    const m = await this.inner.lastMsg();
    if (m !== undefined && m.data.length > 0) this.cipher.decrypt(m.data);
  }

  firstSequence(): number { return this.inner.firstSequence(); }
  lastSequence(): number { return this.inner.lastSequence(); }
  getSequenceFromTimestamp(timestamp: bigint): Promise<number> { return this.inner.getSequenceFromTimestamp(timestamp); }
  state(): MsgStoreState { return this.inner.state(); }
  flush(): Promise<void> { return this.inner.flush(); }
  empty(): Promise<void> { return this.inner.empty(); }
  close(): Promise<void> { return this.inner.close(); }

  /**
   * A batch with its unreadable messages left out, never empty while the wrapped
   * store has more: an empty batch tells delivery that nothing is left.
   */
  private readable(from: number, read: (from: number) => Msg[]): Msg[] {
    for (let f = from; ;) {
      const batch = read(f);
      const out = this.decryptAll(batch);
      if (out.length > 0 || batch.length === 0) return out;
      f = batch[batch.length - 1].sequence + 1;
    }
  }

  private decryptAll(batch: Msg[]): Msg[] {
    const out: Msg[] = [];
    for (const m of batch) {
      const d = this.decrypted(m);
      if (d !== undefined) out.push(d);
    }
    return out;
  }

  /** A copy with clear data (the wrapped store may cache the stored one), or undefined when it does not authenticate. */
  private decrypted(m: Msg | undefined): Msg | undefined {
    if (m === undefined || m.data.length === 0) return m;
    let data: Uint8Array;
    try {
      data = this.cipher.decrypt(m.data);
    } catch (err) {
      this.onUnreadable(m.sequence, (err as Error).message);
      return undefined;
    }
    if (data === m.data) return m;
    return makeMsg(m.sequence, m.subject, m.reply, data, m.timestamp);
  }
}
