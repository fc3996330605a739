/**
 * Reads a whole record file of the file store (stores.md §3.2) the way fsck
 * needs it: unlike recovery, which stops at the first bad record, it goes on
 * past damage by looking for the next offset where a valid record starts (a
 * plausible header, a matching CRC-32 and a payload the file kind accepts), so
 * every intact record is found and every damaged range is named.
 */
import type { Crc32 } from '../stores/file/crc32.js';
import { FILE_STORE_ERRORS as E } from '../stores/file/errors.js';
import { FILE_VERSION, RECORD_HEADER_SIZE, VERSION_SIZE } from '../stores/file/framing.js';

export interface RecordSpan {
  /** Offset of the record header. */
  offset: number;
  /** Offset just past the payload. */
  end: number;
  type: number;
}

export interface Damage {
  offset: number;
  /** Bytes that belong to no intact record (to the next one, or to the end). */
  length: number;
  error: string;
}

export interface ScanResult {
  /** 0 when the version word is missing or unsupported (nothing else was read). */
  version: number;
  records: RecordSpan[];
  damage: Damage[];
  /** Offset of a zero-padded tail (recovery cuts it, not damage), or -1. */
  zeroTail: number;
}

/** null when a record of `type` with this payload can be what the file holds, else what is wrong; sees records in order. */
export type Accept = (type: number, payload: Buffer) => string | null;

export function scanRecords(buf: Buffer, typed: boolean, crc32: Crc32, accept: Accept): ScanResult {
  const out: ScanResult = { version: 0, records: [], damage: [], zeroTail: -1 };
  if (buf.length < VERSION_SIZE) {
    out.damage.push({ offset: 0, length: buf.length, error: `file version missing (${buf.length} bytes)` });
    return out;
  }
  const version = buf.readUInt32LE(0);
  if (version !== FILE_VERSION) {
    out.damage.push({ offset: 0, length: buf.length, error: E.unsupportedVersion(version) });
    return out;
  }
  out.version = version;
  let p = VERSION_SIZE;
  while (p < buf.length) {
    const r = recordAt(buf, p, typed, crc32, accept);
    if (typeof r !== 'string') {
      out.records.push(r);
      p = r.end;
      continue;
    }
    if (r === ZERO && isZero(buf, p)) {
      out.zeroTail = p;
      break;
    }
    const next = resync(buf, p + 1, typed, crc32, accept);
    const end = next === null ? buf.length : next.offset;
    out.damage.push({ offset: p, length: end - p, error: next === null && r === TORN ? E.unexpectedEof : r });
    if (next === null) break;
    out.records.push(next);
    p = next.end;
  }
  return out;
}

const ZERO = 'zeroed record header';
const TORN = 'incomplete record';

function recordAt(buf: Buffer, p: number, typed: boolean, crc32: Crc32, accept: Accept): RecordSpan | string {
  if (p + RECORD_HEADER_SIZE > buf.length) return TORN;
  const first = buf.readUInt32LE(p);
  const crc = buf.readUInt32LE(p + 4);
  if (first === 0 && crc === 0) return ZERO;
  const size = typed ? first & 0xffffff : first;
  const type = typed ? first >>> 24 : 0;
  const end = p + RECORD_HEADER_SIZE + size;
  if (end > buf.length) return TORN;
  const payload = buf.subarray(p + RECORD_HEADER_SIZE, end);
  const got = crc32(payload);
  if (got !== crc) return E.corruptedData(crc, got);
  const wrong = accept(type, payload);
  return wrong === null ? { offset: p, end, type } : wrong;
}

/** The first valid record at or after `from`, or null. */
function resync(buf: Buffer, from: number, typed: boolean, crc32: Crc32, accept: Accept): RecordSpan | null {
  for (let q = from; q + RECORD_HEADER_SIZE <= buf.length; q++) {
    const first = buf.readUInt32LE(q);
    if (first === 0) continue;
    const size = typed ? first & 0xffffff : first;
    if (size === 0 || q + RECORD_HEADER_SIZE + size > buf.length) continue;
    const r = recordAt(buf, q, typed, crc32, accept);
    if (typeof r !== 'string') return r;
  }
  return null;
}

function isZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
