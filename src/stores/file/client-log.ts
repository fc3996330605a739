/**
 * `clients.dat`: add (1, ClientInfo) and delete (2, ClientDelete) records
 * (stores.md §3.4). Recovery replays them into a map, a later add replacing an
 * earlier one. A delete may trigger a compaction: the live clients rewritten as
 * add records. Adds and deletes are durable when their promise resolves.
 */
import type { Logger } from '../../util/logger.js';
import type { ClientInfo } from '../store.js';
import { AppendFile } from './append-file.js';
import { Committer } from './committer.js';
import type { Crc32 } from './crc32.js';
import { FILE_STORE_ERRORS as E } from './errors.js';
import { ClientRecordType, RECORD_HEADER_SIZE, VERSION_BYTES, VERSION_SIZE, frameRecord } from './framing.js';
import type { FileStoreOptions } from './options.js';
import { replayRecordFile } from './replay-records.js';
import { clientDeleteCodec, clientInfoCodec, type RecordCodec } from './records.js';

export const CLIENTS_FILE_NAME = 'clients.dat';

export class ClientLog {
  readonly clients = new Map<string, ClientInfo>();
  private deleteRecs = 0;
  private fileSize = VERSION_SIZE;
  private compactedAt = 0;
  private compacting = false;
  private file: AppendFile | null = null;
  private committer: Committer | null = null;

  constructor(
    private readonly path: string,
    private readonly rootDir: string,
    private readonly opts: FileStoreOptions,
    private readonly crc32: Crc32,
    private readonly logger: Logger,
  ) {}

  /** Replays the file (if any) and opens it for appending. */
  recover(): void {
    if (this.file) return;
    let size = 0;
    try {
      size = this.replay();
    } catch (e) {
      throw new Error(E.recoverClientFile(this.path, (e as Error).message));
    }
    this.open(size);
  }

  async add(info: ClientInfo): Promise<void> {
    this.append(ClientRecordType.Add, clientInfoCodec, info);
    this.clients.set(info.id, { ...info });
    await this.committer!.flush();
  }

  async delete(id: string): Promise<void> {
    this.append(ClientRecordType.Delete, clientDeleteCodec, { id });
    this.clients.delete(id);
    this.deleteRecs++;
    this.maybeCompact();
    await this.committer!.flush();
  }

  async syncNow(): Promise<void> {
    if (this.committer?.dirty) await this.committer.flush(true);
  }

  async close(): Promise<void> {
    await this.committer?.close();
  }

  private open(size: number): void {
    if (this.file) return;
    this.file = AppendFile.open(this.path, size);
    this.fileSize = this.file.size;
    this.committer = new Committer([this.file], this.opts.sync, this.opts.bufferSize);
  }

  private append<T>(type: ClientRecordType, codec: RecordCodec<T>, v: T): void {
    // Not recovered yet (a store used without recover()): replay first, so that a
    // compaction never forgets a client the file holds.
    if (!this.file) this.recover();
    const err = this.committer!.error;
    if (err) throw err;
    const size = codec.size(v);
    const f = this.file!;
    const p = f.alloc(RECORD_HEADER_SIZE + size);
    codec.write(f.buf, p + RECORD_HEADER_SIZE, v);
    frameRecord(f.buf, p, type, size, this.crc32);
    this.fileSize += RECORD_HEADER_SIZE + size;
  }

  private maybeCompact(): void {
    const o = this.opts;
    if (!o.compactEnabled || this.compacting) return;
    if (o.compactMinFileSize > 0 && this.fileSize < o.compactMinFileSize) return;
    const frag = Math.floor((this.deleteRecs * 100) / (this.deleteRecs + this.clients.size));
    if (frag < o.compactFragmentation) return;
    if (Date.now() - this.compactedAt < o.compactInterval * 1000) return;
    this.compacting = true;
    this.committer!.replace(this.file!, this.rootDir, CLIENTS_FILE_NAME, () => this.snapshot()).then(
      () => { this.compactedAt = Date.now(); },
      (e: Error) => this.logger.error(`Unable to compact clients file "${this.path}": ${e.message}`),
    ).finally(() => { this.compacting = false; });
  }

  private snapshot(): Buffer {
    let size = VERSION_SIZE;
    for (const c of this.clients.values()) size += RECORD_HEADER_SIZE + clientInfoCodec.size(c);
    const buf = Buffer.allocUnsafe(size);
    VERSION_BYTES.copy(buf, 0);
    let p = VERSION_SIZE;
    for (const c of this.clients.values()) {
      const n = clientInfoCodec.write(buf, p + RECORD_HEADER_SIZE, c) - p - RECORD_HEADER_SIZE;
      p = frameRecord(buf, p, ClientRecordType.Add, n, this.crc32);
    }
    this.deleteRecs = 0;
    this.fileSize = size;
    return buf;
  }

  private replay(): number {
    const bad = { logger: this.logger, rootDir: this.rootDir, truncateBadEof: this.opts.truncateBadEof };
    return replayRecordFile(this.path, this.crc32, this.opts.crc, bad, (type, buf, start, end) => {
      if (type !== ClientRecordType.Add && type !== ClientRecordType.Delete) {
        throw new Error(E.invalidClientRecordType(type));
      }
      try {
        if (type === ClientRecordType.Add) {
          const c = clientInfoCodec.read(buf, start, end);
          this.clients.set(c.id, c);
        } else {
          this.clients.delete(clientDeleteCodec.read(buf, start, end).id);
          this.deleteRecs++;
        }
      } catch {
        throw new Error(E.badProtobuf(type === ClientRecordType.Add ? 'ClientInfo' : 'ClientDelete'));
      }
      this.fileSize += RECORD_HEADER_SIZE + (end - start);
    });
  }

}
