/**
 * A small table-driven protobuf codec for the STAN control messages (connect,
 * subscribe, unsubscribe, close, ping and their replies): singular proto3
 * fields of five kinds, encoded in field-number order with defaults omitted, as
 * the generated code and the Go server do. Written here so that a start does not
 * load and boot the protobuf runtime and its descriptors (10-20 ms of every
 * start here); test/protocol/stan-codec.test.ts checks every message against
 * node-nats-streaming's google-protobuf codec, in both directions.
 */
import {
  PbReader, WIRE_LEN, WIRE_VARINT, splitInt64Scratch, scratchHi, scratchLo, utf8Length, varint64Size,
  varintSize, writeUtf8, writeVarint, writeVarint64,
} from './stan-wire.js';

/** string, bytes, int32 (and enums), uint64 and int64 (as bigint). */
export type FieldKind = 'string' | 'bytes' | 'int32' | 'uint64' | 'int64';

export interface FieldSpec {
  no: number;
  name: string;
  kind: FieldKind;
}

/** Field specs from `[number, name, kind]` rows, in ascending field numbers. */
export function fields(...rows: Array<[number, string, FieldKind]>): FieldSpec[] {
  return rows.map(([no, name, kind]) => ({ no, name, kind }));
}

const EMPTY = new Uint8Array(0);

function defaultOf(kind: FieldKind): unknown {
  switch (kind) {
    case 'string': return '';
    case 'bytes': return EMPTY;
    case 'int32': return 0;
    default: return 0n;
  }
}

/**
 * Decodes `bytes` into an object with every field of `specs` (defaults for absent
 * ones). Unknown fields, and known ones of another wire type, are skipped; bytes
 * fields are views into `bytes`. Throws RangeError on malformed input.
 */
export function decodeFields<T>(specs: FieldSpec[], bytes: Uint8Array): T {
  const out: Record<string, unknown> = {};
  for (const f of specs) out[f.name] = defaultOf(f.kind);
  const r = new PbReader(bytes);
  while (!r.done) {
    const tag = r.varint();
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    const f = specs.find((s) => s.no === no);
    if (f === undefined || wt !== (f.kind === 'string' || f.kind === 'bytes' ? WIRE_LEN : WIRE_VARINT)) {
      r.skip(wt);
      continue;
    }
    switch (f.kind) {
      case 'string': out[f.name] = r.string(); break;
      case 'bytes': out[f.name] = r.bytes(); break;
      case 'int32': out[f.name] = r.int32(); break;
      case 'uint64': out[f.name] = r.uint64(); break;
      case 'int64': out[f.name] = r.int64(); break;
    }
  }
  return out as T;
}

/** Encodes the fields of `specs` found in `m` (absent or default values are omitted). */
export function encodeFields(specs: FieldSpec[], m: object): Uint8Array {
  const values = m as Record<string, unknown>;
  let size = 0;
  for (const f of specs) {
    const v = values[f.name];
    const tag = varintSize(f.no * 8);
    switch (f.kind) {
      case 'string': { const len = typeof v === 'string' ? utf8Length(v) : 0; if (len > 0) size += tag + varintSize(len) + len; break; }
      case 'bytes': { const len = v instanceof Uint8Array ? v.length : 0; if (len > 0) size += tag + varintSize(len) + len; break; }
      case 'int32': { const n = typeof v === 'number' ? v | 0 : 0; if (n !== 0) size += tag + (n > 0 ? varintSize(n) : 10); break; }
      default: { if (typeof v === 'bigint' && v !== 0n) { splitInt64Scratch(v); size += tag + varint64Size(scratchLo(), scratchHi()); } }
    }
  }
  const buf = new Uint8Array(size);
  let pos = 0;
  for (const f of specs) {
    const v = values[f.name];
    switch (f.kind) {
      case 'string': {
        const len = typeof v === 'string' ? utf8Length(v) : 0;
        if (len === 0) break;
        pos = writeVarint(buf, writeVarint(buf, pos, f.no * 8 + WIRE_LEN), len);
        pos = writeUtf8(buf, pos, v as string, len);
        break;
      }
      case 'bytes': {
        const len = v instanceof Uint8Array ? v.length : 0;
        if (len === 0) break;
        pos = writeVarint(buf, writeVarint(buf, pos, f.no * 8 + WIRE_LEN), len);
        buf.set(v as Uint8Array, pos);
        pos += len;
        break;
      }
      case 'int32': {
        const n = typeof v === 'number' ? v | 0 : 0;
        if (n === 0) break;
        pos = writeVarint(buf, pos, f.no * 8 + WIRE_VARINT);
        // A negative int32 is sign-extended to a 10-byte varint.
        pos = n > 0 ? writeVarint(buf, pos, n) : writeVarint64(buf, pos, n >>> 0, 0xffffffff);
        break;
      }
      default: {
        if (typeof v !== 'bigint' || v === 0n) break;
        splitInt64Scratch(v);
        pos = writeVarint(buf, pos, f.no * 8 + WIRE_VARINT);
        pos = writeVarint64(buf, pos, scratchLo(), scratchHi());
      }
    }
  }
  return buf;
}
