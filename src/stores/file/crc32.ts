/**
 * CRC-32 of record payloads and index records. The IEEE polynomial (the default,
 * and the only one a Go-written store normally uses) goes through zlib's native
 * crc32 (Node >= 20.15). Any other `-file_crc_poly` uses a table built here, the
 * same reflected table-driven algorithm as Go's hash/crc32 MakeTable/Checksum.
 */
import * as zlib from 'node:zlib';
import { CRC_POLY_IEEE } from './options.js';

export type Crc32 = (data: Uint8Array) => number;

type ZlibCrc = (data: Uint8Array, value?: number) => number;
const nativeCrc32: ZlibCrc | undefined = (zlib as unknown as { crc32?: ZlibCrc }).crc32;

export function crc32For(poly: number): Crc32 {
  const native = nativeCrc32;
  if (poly === CRC_POLY_IEEE && native) return (data) => native(data);
  const table = crc32Table(poly);
  return (data) => crc32Range(table, data, 0, data.length);
}

const tables = new Map<number, Uint32Array>();

/** The lookup tables of `poly` for slicing-by-8 (8 x 256 entries; the first 256 are the plain table), shared. */
export function crc32Table(poly: number): Uint32Array {
  let t = tables.get(poly >>> 0);
  if (t === undefined) tables.set(poly >>> 0, (t = makeTables(poly >>> 0)));
  return t;
}

/**
 * CRC-32 of buf[start, end) computed here, 8 bytes a step: for the 28 bytes of an
 * index entry this beats a call into zlib on a new view (recovery checks a million
 * of them for 1M messages).
 */
export function crc32Range(t: Uint32Array, buf: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = (c ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24))) >>> 0;
    c = t[1792 + (lo & 0xff)] ^ t[1536 + ((lo >>> 8) & 0xff)] ^ t[1280 + ((lo >>> 16) & 0xff)] ^ t[1024 + (lo >>> 24)]
      ^ t[768 + buf[i + 4]] ^ t[512 + buf[i + 5]] ^ t[256 + buf[i + 6]] ^ t[buf[i + 7]];
  }
  for (; i < end; i++) c = t[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function makeTables(poly: number): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) {
    for (let k = 1; k < 8; k++) t[k * 256 + i] = (t[(k - 1) * 256 + i] >>> 8) ^ t[t[(k - 1) * 256 + i] & 0xff];
  }
  return t;
}
