/**
 * What recovery does with a record it cannot read (Go: handleUnexpectedEOF): log
 * the file, the offset and a dump of the record, then either fail the start-up
 * or, with `-file_truncate_bad_eof`, cut the file there and carry on.
 *
 * The Go server's flag cuts only an incomplete record; natstream's also cuts at a
 * record whose CRC is wrong. After a power loss the un-synced tail of a file can
 * hold whole-looking records with torn sectors (writes reach the disk out of
 * order), and since an fsync covers the whole file, nothing at or after the first
 * damaged record was ever synced: cutting there never drops an acknowledged
 * message. Without the flag both still stop the start, as in Go.
 */
import type { Logger } from '../../util/logger.js';
import { FILE_STORE_ERRORS as E, FILE_STORE_LOGS as L } from './errors.js';
import { RECORD_HEADER_SIZE } from './framing.js';
import { Scan, readAt } from './record-scanner.js';
import type { RecordScanner } from './record-scanner.js';
import { io } from './io.js';

/** Lines of payload dump at most (the Go server dumps it all; a 1 MB record would be 50k lines). */
const MAX_DUMP_LINES = 16;

export interface BadRecordContext {
  logger: Logger;
  rootDir: string;
  truncateBadEof: boolean;
}

/**
 * Handles a Scan.Torn or Scan.BadCrc result at scanner.offset of `file`.
 * Returns normally when the file was truncated there (recovery continues);
 * throws the error text otherwise.
 */
export function handleBadRecord(ctx: BadRecordContext, file: string, fd: number, sc: RecordScanner, result: Scan, typed: boolean): void {
  const { logger } = ctx;
  const offset = sc.offset;
  const err = scanError(sc, result);
  if (result === Scan.Torn) {
    logger.error(L.unexpectedEofFor(file));
    if (!ctx.truncateBadEof) {
      logger.error(L.copyAdvice(ctx.rootDir));
      logger.error(L.restartAdvice(offset));
      logger.error(L.dataLoss);
    }
  } else {
    logger.error(L.corruptedRecord(file, err));
  }
  logger.error(L.recordOffset(file, offset));
  dumpRecord(logger, fd, offset, typed);
  if (ctx.truncateBadEof) {
    io.ftruncateSync(fd, offset);
    logger.notice(L.truncated(file, offset));
    logger.notice(L.recoveryResumes);
    return;
  }
  if (result === Scan.Torn) logger.error(L.partTooShort(sc.tornPart, sc.tornExpected, sc.tornRead));
  throw new Error(err);
}

/** The error text of a Scan.Torn or Scan.BadCrc result. */
export function scanError(sc: RecordScanner, result: Scan): string {
  return result === Scan.Torn ? E.unexpectedEof : E.corruptedData(sc.expectedCrc, sc.gotCrc);
}

/** A Scan.ZeroTail with data after it is cut like a zero-padded tail, but not silently. */
export function reportZeroCut(logger: Logger, file: string, sc: RecordScanner): void {
  if (sc.dataAfterZero) logger.error(L.zeroedCut(file, sc.offset));
}

function dumpRecord(logger: Logger, fd: number, offset: number, typed: boolean): void {
  logger.error('Record header:');
  const header = readAt(fd, offset, RECORD_HEADER_SIZE);
  logger.error(' Bytes:');
  dump(logger, header, false);
  if (header.length < RECORD_HEADER_SIZE) return;
  const first = header.readUInt32LE(0);
  const size = typed ? first & 0xffffff : first;
  if (typed) logger.error(` Type: ${first >>> 24}`);
  logger.error(` Size: ${size}`);
  logger.error(` CRC : 0x${header.readUInt32LE(4).toString(16).padStart(8, '0')}`);
  logger.error('Record payload:');
  const payload = readAt(fd, offset + RECORD_HEADER_SIZE, Math.min(size, MAX_DUMP_LINES * 20));
  dump(logger, payload, true);
  if (size > payload.length && payload.length === MAX_DUMP_LINES * 20) logger.error(` ... (${size - payload.length} more bytes)`);
}

/** 20 bytes a line, hex then (for payloads) printable text. */
function dump(logger: Logger, buf: Buffer, withText: boolean): void {
  for (let start = 0; start < buf.length; start += 20) {
    const part = buf.subarray(start, start + 20);
    const hex = [...part].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    if (!withText) { logger.error(hex); continue; }
    const text = [...part].map((b) => (b < 32 || b > 128 ? '.' : String.fromCharCode(b))).join('');
    logger.error(`${hex}${' '.repeat(3 * (20 - part.length))} - ${text}`);
  }
}
