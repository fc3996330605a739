/**
 * `server.dat`: the version word and exactly one untyped ServerInfo record
 * (stores.md §3.3). Written whole on init (through a temporary file renamed over
 * it, then synced); an empty file means "no state".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../util/logger.js';
import type { ServerInfo } from '../store.js';
import type { Crc32 } from './crc32.js';
import { FILE_STORE_ERRORS as E, FILE_STORE_LOGS as L } from './errors.js';
import { RECORD_HEADER_SIZE, UNTYPED, VERSION_BYTES, VERSION_SIZE, checkVersion, frameRecord } from './framing.js';
import { syncDir } from './committer.js';
import { serverInfoCodec } from './records.js';
import { io, ioFsync, ioWrite } from './io.js';

export const SERVER_FILE_NAME = 'server.dat';

/** The stored server info, or null when there is none. */
export function readServerFile(file: string, crc32: Crc32, checkCrc: boolean, logger: Logger): ServerInfo | null {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (buf.length === 0) return null;
  const fail = (err: string): never => {
    logger.error(L.serverFileCorrupted(file, err));
    logger.error(L.followInstructions);
    throw new Error(E.recoverServerFile(file, err));
  };
  const bad = checkVersion(buf, buf.length);
  if (bad) throw new Error(E.recoverServerFile(file, bad));
  if (buf.length === VERSION_SIZE) return null;
  if (buf.length < VERSION_SIZE + RECORD_HEADER_SIZE) return fail(E.unexpectedEof);
  const size = buf.readUInt32LE(VERSION_SIZE);
  const crc = buf.readUInt32LE(VERSION_SIZE + 4);
  if (size === 0 && crc === 0) return fail('end of file padded with zeros');
  const start = VERSION_SIZE + RECORD_HEADER_SIZE;
  if (buf.length < start + size) return fail(E.unexpectedEof);
  const payload = buf.subarray(start, start + size);
  if (checkCrc) {
    const got = crc32(payload);
    if (got !== crc) return fail(E.corruptedData(crc, got));
  }
  if (buf.length !== start + size) {
    throw new Error(E.recoverServerFile(file, E.incorrectFileSize(start + size, buf.length)));
  }
  try {
    return serverInfoCodec.read(buf, start, start + size);
  } catch {
    throw new Error(E.recoverServerFile(file, E.badProtobuf('ServerInfo')));
  }
}

export async function writeServerFile(file: string, info: ServerInfo, crc32: Crc32): Promise<void> {
  const size = serverInfoCodec.size(info);
  const buf = Buffer.allocUnsafe(VERSION_SIZE + RECORD_HEADER_SIZE + size);
  VERSION_BYTES.copy(buf, 0);
  serverInfoCodec.write(buf, VERSION_SIZE + RECORD_HEADER_SIZE, info);
  frameRecord(buf, VERSION_SIZE, UNTYPED, size, crc32);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = io.openSync(tmp, 'w');
  try {
    let done = 0;
    while (done < buf.length) done += await ioWrite(fd, buf, done, buf.length - done, done);
    await ioFsync(fd);
  } finally {
    io.closeSync(fd);
  }
  io.renameSync(tmp, file);
  await syncDir(path.dirname(file));
}
