/**
 * Options of the file store. Names follow the `-file_*` flags of the Go server;
 * defaults are its defaults (stores/filestore.go DefaultFileStoreOptions, plus the
 * flag defaults of 0.25 for auto sync and the read buffer).
 */
import { FILE_STORE_ERRORS as E } from './errors.js';

export interface FileStoreOptions {
  /** Root directory (`-dir`). Created when missing. */
  dir: string;
  /** `-file_sync`: fsync data at every flush. With it, a flush resolves only once the bytes are on disk. */
  sync: boolean;
  /** `-file_auto_sync`, milliseconds: with sync off, flush+fsync in the background this often (<= 0: never). */
  autoSync: number;
  /** `-file_slice_max_msgs`: messages per slice (0: no count limit). */
  sliceMaxMsgs: number;
  /** `-file_slice_max_bytes`: bytes per slice, index records included (0: no size limit). */
  sliceMaxBytes: number;
  /** `-file_slice_max_age`, milliseconds: time span of one slice (0: no age limit). */
  sliceMaxAge: number;
  /** `-file_slice_archive_script`: run on slice removal with (channel, dat.bak, idx.bak). */
  sliceArchiveScript: string;
  /** `-file_compact_enabled`: compaction of clients.dat and subs.dat. */
  compactEnabled: boolean;
  /** `-file_compact_frag`: percentage of dead records needed before compacting. */
  compactFragmentation: number;
  /** `-file_compact_interval`, seconds: minimum time between two compactions of a file. */
  compactInterval: number;
  /** `-file_compact_min_size`: a file smaller than this is never compacted. */
  compactMinFileSize: number;
  /** `-file_buffer_size`: most bytes buffered in memory per file between flushes (0: unbuffered). */
  bufferSize: number;
  /** `-file_crc`: verify record CRCs when reading. */
  crc: boolean;
  /** `-file_crc_poly`: CRC-32 polynomial (reversed form, IEEE = 0xEDB88320). */
  crcPoly: number;
  /** `-file_fds_limit`: soft cap on open files (0: none). */
  fdsLimit: number;
  /** `-file_parallel_recovery`: channels recovered in parallel. */
  parallelRecovery: number;
  /** `-file_truncate_bad_eof`: at recovery, cut a file at an incomplete last record instead of failing. */
  truncateBadEof: boolean;
  /** `-file_read_buffer_size`: read-ahead for lookups (0: off). */
  readBufferSize: number;
}

export const CRC_POLY_IEEE = 0xedb88320;

export const DEFAULT_FILE_STORE_OPTIONS: Readonly<Omit<FileStoreOptions, 'dir'>> = Object.freeze({
  sync: true,
  autoSync: 60_000,
  sliceMaxMsgs: 0,
  sliceMaxBytes: 64 * 1024 * 1024,
  sliceMaxAge: 0,
  sliceArchiveScript: '',
  compactEnabled: true,
  compactFragmentation: 50,
  compactInterval: 300,
  compactMinFileSize: 1024 * 1024,
  bufferSize: 2 * 1024 * 1024,
  crc: true,
  crcPoly: CRC_POLY_IEEE,
  fdsLimit: 0,
  parallelRecovery: 1,
  truncateBadEof: false,
  readBufferSize: 2 * 1024 * 1024,
});

/** Fills defaults and applies the Go server's validation (same error strings). */
export function resolveFileStoreOptions(opts: Partial<FileStoreOptions> & { dir: string }): FileStoreOptions {
  const o: FileStoreOptions = { ...DEFAULT_FILE_STORE_OPTIONS, ...stripUndefined(opts), dir: opts.dir };
  if (!o.dir) throw new Error(E.rootDirRequired);
  if (o.bufferSize < 0) throw new Error(E.bufferSizeNegative);
  if (o.compactInterval <= 0) throw new Error(E.compactIntervalTooSmall);
  if (o.compactFragmentation <= 0) throw new Error(E.compactFragTooSmall);
  if (o.compactMinFileSize < 0) throw new Error(E.compactMinSizeNegative);
  if (!(o.crcPoly >= 1 && o.crcPoly <= 0xffffffff)) throw new Error(E.crcPolyRange);
  if (o.sliceMaxMsgs < 0 || o.sliceMaxBytes < 0 || o.sliceMaxAge < 0) throw new Error(E.sliceNegative);
  if (o.fdsLimit < 0) throw new Error(E.fdsLimitNegative);
  if (o.parallelRecovery <= 0) throw new Error(E.parallelRecoveryTooSmall);
  if (o.readBufferSize < 0) throw new Error(E.readBufferSizeNegative);
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
