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
  const table = makeTable(poly >>> 0);
  return (data) => tableCrc32(table, data);
}

function makeTable(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
}

function tableCrc32(table: Uint32Array, data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
