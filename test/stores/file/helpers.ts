/**
 * Test helpers for the file store: temp directories, an independent reader of
 * the on-disk format (its own bitwise CRC-32, no code shared with the store), and
 * a logger that keeps the lines.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Logger } from '../../../src/util/logger.js';

export async function tempDir(prefix = 'natstream-fs-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** CRC-32/IEEE, bit by bit: deliberately not the store's implementation. */
export function crc32Ieee(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

export interface ParsedRecord {
  offset: number;
  type: number;
  size: number;
  crc: number;
  payload: Buffer;
}

/** Splits a record file (version + records) and checks every CRC. */
export function parseRecordFile(buf: Buffer, typed: boolean): ParsedRecord[] {
  if (buf.readUInt32LE(0) !== 1) throw new Error(`version ${buf.readUInt32LE(0)}`);
  const out: ParsedRecord[] = [];
  let p = 4;
  while (p < buf.length) {
    const first = buf.readUInt32LE(p);
    const size = typed ? first & 0xffffff : first;
    const type = typed ? first >>> 24 : 0;
    const crc = buf.readUInt32LE(p + 4);
    const payload = buf.subarray(p + 8, p + 8 + size);
    if (payload.length !== size) throw new Error(`record at ${p} is cut`);
    if (crc32Ieee(payload) !== crc) throw new Error(`bad CRC at ${p}`);
    out.push({ offset: p, type, size, crc, payload });
    p += 8 + size;
  }
  return out;
}

export interface ParsedIndexEntry {
  seq: number;
  offset: number;
  timestamp: bigint;
  size: number;
}

export function parseIndexFile(buf: Buffer): ParsedIndexEntry[] {
  if (buf.readUInt32LE(0) !== 1) throw new Error('version');
  if ((buf.length - 4) % 32 !== 0) throw new Error(`index size ${buf.length}`);
  const out: ParsedIndexEntry[] = [];
  for (let p = 4; p < buf.length; p += 32) {
    if (crc32Ieee(buf.subarray(p, p + 28)) !== buf.readUInt32LE(p + 28)) throw new Error(`bad index CRC at ${p}`);
    out.push({
      seq: Number(buf.readBigUInt64LE(p)),
      offset: Number(buf.readBigUInt64LE(p + 8)),
      timestamp: buf.readBigInt64LE(p + 16),
      size: buf.readUInt32LE(p + 24),
    });
  }
  return out;
}

/** Protobuf fields of a payload as [number, value] (varints as bigint, length-delimited as Buffer). */
export function protoFields(buf: Buffer): Array<[number, bigint | Buffer]> {
  const out: Array<[number, bigint | Buffer]> = [];
  let p = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[p++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
  };
  while (p < buf.length) {
    const tag = Number(varint());
    if ((tag & 7) === 0) out.push([tag >>> 3, varint()]);
    else if ((tag & 7) === 2) {
      const len = Number(varint());
      out.push([tag >>> 3, buf.subarray(p, p + len)]);
      p += len;
    } else throw new Error(`wire type ${tag & 7}`);
  }
  return out;
}

export function listFiles(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

export interface CapturingLogger extends Logger {
  lines: string[];
}

export function capturingLogger(): CapturingLogger {
  const lines: string[] = [];
  const add = (lvl: string) => (m: string) => { lines.push(`[${lvl}] ${m}`); };
  return {
    lines,
    notice: add('INF'), warn: add('WRN'), error: add('ERR'), fatal: add('FTL'), debug: add('DBG'), trace: add('TRC'),
    debugEnabled: false, traceEnabled: false,
  };
}
