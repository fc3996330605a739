/**
 * The file store's delivery counts (see ../delivery-counts.ts): one text file
 * per channel directory, `natstream-deliveries.log`, that the Go server never
 * opens (it reads `msgs.<n>.dat`/`.idx` and `subs.dat` only). One line per
 * change, `<count> <seq> <unit>`; count 0 forgets the record; the last line of a
 * (unit, seq) wins. A torn last line (no newline) is ignored. The file is
 * rewritten with the live records only when it is opened, so it stays as small
 * as the set of pending redelivered messages.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DeliveryCountRecord, DeliveryCounts } from '../delivery-counts.js';

export const DELIVERY_COUNTS_FILE_NAME = 'natstream-deliveries.log';

export class FileDeliveryCounts implements DeliveryCounts {
  private readonly file: string;
  private buffered = '';
  private writing: Promise<void> = Promise.resolve();

  constructor(channelDir: string, private readonly sync: boolean) {
    this.file = path.join(channelDir, DELIVERY_COUNTS_FILE_NAME);
  }

  async load(): Promise<DeliveryCountRecord[]> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const live = new Map<string, DeliveryCountRecord>();
    const end = text.lastIndexOf('\n');
    for (const line of text.slice(0, end + 1).split('\n')) {
      const m = /^(\d+) (\d+) (.+)$/.exec(line);
      if (m === null) continue;
      const rec = { count: Number(m[1]), seq: Number(m[2]), unit: m[3] };
      const key = `${rec.seq} ${rec.unit}`;
      if (rec.count === 0) live.delete(key);
      else live.set(key, rec);
    }
    const records = [...live.values()];
    await this.rewrite(records);
    return records;
  }

  async clear(): Promise<void> {
    this.buffered = '';
    await this.writing.catch(() => undefined);
    await fs.promises.rm(this.file, { force: true });
  }

  set(unit: string, seq: number, count: number): void {
    this.buffered += `${count} ${seq} ${unit}\n`;
  }

  remove(unit: string, seq: number): void {
    this.buffered += `0 ${seq} ${unit}\n`;
  }

  flush(): Promise<void> {
    if (this.buffered === '') return this.writing;
    const text = this.buffered;
    this.buffered = '';
    this.writing = this.writing.then(() => this.append(text));
    return this.writing;
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
  }

  private async append(text: string): Promise<void> {
    const fh = await fs.promises.open(this.file, 'a');
    try {
      await fh.writeFile(text);
      if (this.sync) await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Replaces the file with `records` (write aside, then rename: a crash leaves the old or the new one). */
  private async rewrite(records: DeliveryCountRecord[]): Promise<void> {
    if (records.length === 0) {
      await fs.promises.rm(this.file, { force: true });
      return;
    }
    const tmp = `${this.file}.tmp`;
    await fs.promises.writeFile(tmp, records.map((r) => `${r.count} ${r.seq} ${r.unit}\n`).join(''));
    await fs.promises.rename(tmp, this.file);
  }
}
