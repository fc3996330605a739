import * as fs from 'node:fs';
import { handleBadRecord, reportZeroCut, type BadRecordContext } from './bad-record.js';
import type { Crc32 } from './crc32.js';
import { FILE_STORE_NOTES as N } from './errors.js';
import { VERSION_SIZE, checkVersion, headerNeverSynced } from './framing.js';
import { Scan, RecordScanner, readAt } from './record-scanner.js';
import { io } from './io.js';

/**
 * Replays a typed record file (clients.dat, subs.dat): checks the version,
 * hands each record to `onRecord`, cuts a zero-padded tail, and treats a torn
 * or corrupted record as the Go server does (bad-record.ts). Returns the size
 * to append at; 0 when the file is missing or empty.
 */
export function replayRecordFile(
  path: string,
  crc32: Crc32,
  checkCrc: boolean,
  bad: BadRecordContext,
  onRecord: (type: number, buf: Buffer, start: number, end: number) => void,
): number {
  if (!fs.existsSync(path)) return 0;
  const fd = io.openSync(path, 'r+');
  try {
    let size = fs.fstatSync(fd).size;
    if (size === 0) return 0;
    const head = readAt(fd, 0, VERSION_SIZE);
    if (headerNeverSynced(head, Math.min(size, VERSION_SIZE))) {
      bad.logger.warn(N.headerNeverSynced(path));
      io.ftruncateSync(fd, 0);
      return 0;
    }
    const version = checkVersion(head, Math.min(size, VERSION_SIZE));
    if (version) throw new Error(version);
    const sc = new RecordScanner(fd, size, true, crc32, checkCrc);
    for (;;) {
      const r = sc.next();
      if (r === Scan.End) break;
      if (r === Scan.ZeroTail) {
        reportZeroCut(bad.logger, path, sc);
        io.ftruncateSync(fd, sc.offset);
        size = sc.offset;
        break;
      }
      if (r === Scan.Torn || r === Scan.BadCrc) {
        handleBadRecord(bad, path, fd, sc, r, true);
        size = sc.offset;
        break;
      }
      onRecord(sc.type, sc.buf, sc.payloadStart, sc.payloadStart + sc.size);
    }
    return size;
  } finally {
    io.closeSync(fd);
  }
}
