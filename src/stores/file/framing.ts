/**
 * On-disk framing shared by every file of the store (stores.md §3.2, §3.6):
 *   file   = version (uint32 LE, 1) + records
 *   record = uint32 LE size, or (type << 24) | size for typed files
 *            + uint32 LE CRC-32 of the payload + payload
 *   index  = version + 32-byte entries: seq u64, offset u64 (of the record header in
 *            the .dat), timestamp i64, payload size u32, CRC-32 of bytes 0-27 u32.
 */
import { crc32Range, type Crc32 } from './crc32.js';
import { FILE_STORE_ERRORS as E } from './errors.js';

export const FILE_VERSION = 1;
export const VERSION_SIZE = 4;
export const RECORD_HEADER_SIZE = 8;
export const INDEX_RECORD_SIZE = 32;
/** Bytes counted per message on top of its payload: header + index entry. */
export const MSG_RECORD_OVERHEAD = RECORD_HEADER_SIZE + INDEX_RECORD_SIZE;
export const MAX_TYPED_RECORD_SIZE = 0xffffff;

export const enum SubRecordType { New = 1, Update = 2, Delete = 3, Ack = 4, Msg = 5 }
export const enum ClientRecordType { Add = 1, Delete = 2 }
export const UNTYPED = 0;

export const VERSION_BYTES: Buffer = (() => {
  const b = Buffer.alloc(VERSION_SIZE);
  b.writeUInt32LE(FILE_VERSION, 0);
  return b;
})();

/**
 * Writes the 8-byte header at `pos` for the payload already encoded at
 * buf[pos + 8, pos + 8 + size). Returns the end of the record.
 */
export function frameRecord(buf: Buffer, pos: number, type: number, size: number, crc32: Crc32): number {
  const payloadStart = pos + RECORD_HEADER_SIZE;
  const end = payloadStart + size;
  let first = size;
  if (type !== UNTYPED) {
    if (size > MAX_TYPED_RECORD_SIZE) throw new Error(E.recordTooBig);
    first = ((type << 24) | size) >>> 0;
  }
  buf.writeUInt32LE(first, pos);
  buf.writeUInt32LE(crc32(buf.subarray(payloadStart, end)), pos + 4);
  return end;
}

/** `crcTable`: crc32Table(poly) of the store's polynomial (28 bytes: cheaper in JS than a view and a zlib call). */
export function writeIndexEntry(
  buf: Buffer, pos: number, seq: number, offset: number, timestamp: bigint, size: number, crcTable: Uint32Array,
): number {
  writeU64(buf, pos, seq);
  writeU64(buf, pos + 8, offset);
  buf.writeBigInt64LE(timestamp, pos + 16);
  buf.writeUInt32LE(size, pos + 24);
  buf.writeUInt32LE(crc32Range(crcTable, buf, pos, pos + 28), pos + 28);
  return pos + INDEX_RECORD_SIZE;
}

export function writeU64(buf: Buffer, pos: number, v: number): void {
  buf.writeUInt32LE(v >>> 0, pos);
  buf.writeUInt32LE(Math.floor(v / 0x100000000) >>> 0, pos + 4);
}

/** Checks the 4-byte version header; returns an error text or null. */
/**
 * True when the version word never reached the disk: the file is shorter than it
 * or it reads 0 (a power loss after the file was created, before its first sync).
 * The header is the first write of a file, so no later byte of it was synced either.
 */
export function headerNeverSynced(head: Buffer, bytesRead: number): boolean {
  return bytesRead < VERSION_SIZE || head.readUInt32LE(0) === 0;
}

export function checkVersion(head: Buffer, bytesRead: number): string | null {
  if (bytesRead < VERSION_SIZE) return E.unableToVerifyVersion(bytesRead === 0 ? 'EOF' : E.unexpectedEof);
  const v = head.readUInt32LE(0);
  if (v === 0 || v > FILE_VERSION) return E.unsupportedVersion(v);
  return null;
}
