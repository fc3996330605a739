/**
 * What `natstream fsck` finds in a file-store directory (stores.md §3): every
 * record of server.dat, clients.dat and, per channel, subs.dat and each message
 * slice is read and checked (CRC-32, framing, protobuf), and every index entry
 * is compared with the data file. Nothing is written here (repair.ts does that).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeMsgProto } from '../protocol/stan-msg.js';
import {
  decodeClientDelete, decodeClientInfo, decodeServerInfo, decodeSubState, decodeSubStateDelete, decodeSubStateUpdate,
} from '../protocol/stan-records.js';
import { CLIENTS_FILE_NAME } from '../stores/file/client-log.js';
import { DataCipher } from '../stores/crypto/data-cipher.js';
import { channelKey, type MasterKey } from '../stores/crypto/keys.js';
import type { Crc32 } from '../stores/file/crc32.js';
import { FILE_STORE_ERRORS as E } from '../stores/file/errors.js';
import { INDEX_RECORD_SIZE, VERSION_SIZE } from '../stores/file/framing.js';
import { DAT_SUFFIX, IDX_SUFFIX, SLICE_PREFIX } from '../stores/file/msg-slice.js';
import { SERVER_FILE_NAME } from '../stores/file/server-file.js';
import { SUBS_FILE_NAME } from '../stores/file/sub-store.js';
import { scanRecords, type Accept, type Damage, type ScanResult } from './scan.js';

export type FileKind = 'server' | 'clients' | 'subs' | 'msgs' | 'index';

export interface FileReport {
  file: string;
  kind: FileKind;
  /** Channel name for subs, msgs and index files. */
  channel?: string;
  damage: Damage[];
  /** Data files: the scan (intact records) that a repair keeps. */
  scan?: ScanResult;
}

export interface CheckOptions {
  crc32: Crc32;
  /** Encrypted stores: the key, to check that each message's data authenticates. */
  master?: MasterKey;
}

export function checkDir(root: string, o: CheckOptions): FileReport[] {
  const { crc32 } = o;
  const reports: FileReport[] = [];
  const serverFile = path.join(root, SERVER_FILE_NAME);
  if (fs.existsSync(serverFile)) reports.push(checkServerFile(serverFile, crc32));
  const clientsFile = path.join(root, CLIENTS_FILE_NAME);
  if (fs.existsSync(clientsFile)) reports.push(dataReport(clientsFile, 'clients', undefined, true, crc32, acceptClientRecord));
  for (const ent of fs.readdirSync(root, { withFileTypes: true })) {
    if (!ent.isDirectory()) continue;
    const channel = ent.name;
    const dir = path.join(root, channel);
    const subs = path.join(dir, SUBS_FILE_NAME);
    if (fs.existsSync(subs)) reports.push(dataReport(subs, 'subs', channel, true, crc32, acceptSubRecord));
    for (const no of sliceNumbers(dir)) {
      const dat = path.join(dir, `${SLICE_PREFIX}${no}${DAT_SUFFIX}`);
      const report = dataReport(dat, 'msgs', channel, false, crc32, acceptMsgRecord(opener(o.master, channel)));
      reports.push(report);
      const idx = path.join(dir, `${SLICE_PREFIX}${no}${IDX_SUFFIX}`);
      if (fs.existsSync(idx)) reports.push(checkIndex(idx, channel, fs.readFileSync(dat), report.scan!, crc32));
    }
  }
  return reports;
}

/** Decrypts (and so authenticates) the data of a message of `channel`; throws the cipher's error. */
function opener(master: MasterKey | undefined, channel: string): ((data: Uint8Array) => void) | null {
  if (master === undefined) return null;
  const cipher = new DataCipher(master.code, channelKey(master, channel), 0);
  return (data) => { cipher.decrypt(data); };
}

function sliceNumbers(dir: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(SLICE_PREFIX) || !name.endsWith(DAT_SUFFIX)) continue;
    const num = name.slice(SLICE_PREFIX.length, -DAT_SUFFIX.length);
    if (/^[0-9]+$/.test(num)) out.push(Number(num));
  }
  return out.sort((a, b) => a - b);
}

function dataReport(file: string, kind: FileKind, channel: string | undefined, typed: boolean, crc32: Crc32, accept: Accept): FileReport {
  const scan = scanRecords(fs.readFileSync(file), typed, crc32, accept);
  return { file, kind, channel, damage: scan.damage, scan };
}

/** server.dat holds exactly one record (Go: recoverServerInfo). */
function checkServerFile(file: string, crc32: Crc32): FileReport {
  const buf = fs.readFileSync(file);
  const scan = scanRecords(buf, false, crc32, (_t, payload) => decodes('ServerInfo', () => decodeServerInfo(payload)));
  const damage = scan.damage.slice();
  if (damage.length === 0 && scan.records.length === 0 && buf.length > VERSION_SIZE) {
    // A zeroed record is no padding here: the one record is gone.
    damage.push({ offset: VERSION_SIZE, length: buf.length - VERSION_SIZE, error: 'the server record is zeroed' });
  } else if (damage.length === 0 && scan.records.length > 1) {
    damage.push({ offset: scan.records[1].offset, length: buf.length - scan.records[1].offset, error: 'more than one record' });
  }
  return { file, kind: 'server', damage, scan };
}

const acceptClientRecord: Accept = (type, payload) => {
  if (type === 1) return decodes('ClientInfo', () => decodeClientInfo(payload));
  if (type === 2) return decodes('ClientDelete', () => decodeClientDelete(payload));
  return E.invalidClientRecordType(type);
};

const acceptSubRecord: Accept = (type, payload) => {
  switch (type) {
    case 1:
    case 2: return decodes('SubState', () => decodeSubState(payload));
    case 3: return decodes('SubStateDelete', () => decodeSubStateDelete(payload));
    case 4:
    case 5: return decodes('SubStateUpdate', () => decodeSubStateUpdate(payload));
    default: return E.unexpectedSubRecordType(type);
  }
};

/** Message records decode, their sequences go up, and with a key their data authenticates. */
function acceptMsgRecord(opener: ((data: Uint8Array) => void) | null): Accept {
  let last = 0;
  return (_type, payload) => {
    let m: { sequence: number; data: Uint8Array };
    try {
      m = decodeMsgProto(payload);
    } catch {
      return E.badProtobuf('MsgProto');
    }
    if (m.sequence <= last) return `message sequence ${m.sequence} after sequence ${last}`;
    if (opener !== null && m.data.length > 0) {
      try {
        opener(m.data);
      } catch (err) {
        return `message ${m.sequence}: ${(err as Error).message}`;
      }
    }
    last = m.sequence;
    return null;
  };
}

function decodes(what: string, f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch {
    return E.badProtobuf(what);
  }
}

/**
 * Every index entry must have a valid CRC and name an intact record of the data
 * file (offset, size, sequence). Missing trailing entries are not damage: recovery
 * indexes records written after the last entry.
 */
function checkIndex(file: string, channel: string, dat: Buffer, scan: ScanResult, crc32: Crc32): FileReport {
  const buf = fs.readFileSync(file);
  const damage: Damage[] = [];
  const byOffset = new Map<number, number>();
  for (const r of scan.records) byOffset.set(r.offset, r.end);
  if (buf.length < VERSION_SIZE || buf.readUInt32LE(0) !== 1) {
    damage.push({ offset: 0, length: buf.length, error: 'bad file version' });
    return { file, kind: 'index', channel, damage };
  }
  // Consecutive bad entries are one damaged range (a data file cut short leaves many).
  let run: Damage | null = null;
  let first = '';
  let count = 0;
  for (let p = VERSION_SIZE; p < buf.length; p += INDEX_RECORD_SIZE) {
    const error = indexEntryError(buf, p, dat, byOffset, crc32);
    const length = Math.min(INDEX_RECORD_SIZE, buf.length - p);
    if (error === null) {
      run = null;
    } else if (run === null) {
      run = { offset: p, length, error };
      first = error;
      count = 1;
      damage.push(run);
    } else {
      run.length += length;
      run.error = `${first} (and ${count++} following entries)`;
    }
  }
  return { file, kind: 'index', channel, damage };
}

function indexEntryError(buf: Buffer, p: number, dat: Buffer, byOffset: Map<number, number>, crc32: Crc32): string | null {
  if (p + INDEX_RECORD_SIZE > buf.length) return 'incomplete index entry';
  const entry = buf.subarray(p, p + INDEX_RECORD_SIZE);
  if (entry.every((b) => b === 0)) return 'zeroed index entry';
  if (crc32(entry.subarray(0, 28)) !== entry.readUInt32LE(28)) return 'index entry CRC mismatch';
  const seq = Number(entry.readBigUInt64LE(0));
  const offset = Number(entry.readBigUInt64LE(8));
  const size = entry.readUInt32LE(24);
  const end = byOffset.get(offset);
  if (end === undefined || end - offset - 8 !== size) return `index entry for sequence ${seq} names no intact record at offset ${offset}`;
  let recSeq = -1;
  try {
    recSeq = decodeMsgProto(dat.subarray(offset + 8, end)).sequence;
  } catch { /* counted as a mismatch below */ }
  if (recSeq !== seq) return `index entry for sequence ${seq} points to the record of sequence ${recSeq}`;
  return null;
}
