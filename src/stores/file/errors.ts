/**
 * Error and log strings of the file store: the Go server's texts (stores/filestore.go),
 * used by the code and by the tests alike.
 */
export const FILE_STORE_ERRORS = {
  rootDirRequired: 'for FILE stores, root directory must be specified',
  bufferSizeNegative: 'buffer size value must be a positive number',
  compactIntervalTooSmall: 'compact interval value must at least be 1 seconds',
  compactFragTooSmall: 'compact fragmentation value must at least be 1',
  compactMinSizeNegative: 'compact minimum file size value must be a positive number',
  crcPolyRange: 'crc polynomial should be between 1 and 4294967295',
  sliceNegative: 'slice max values must be positive numbers',
  fdsLimitNegative: 'file descriptor limit must be a positive number',
  parallelRecoveryTooSmall: 'parallel recovery value must be at least 1',
  readBufferSizeNegative: 'read buffer size value must be a positive number',
  truncateConsecutive:
    'file store should not be opened consecutively with the TruncateUnexpectedEOF option set to true',
  recordTooBig: 'record size too big',
  storeClosed: 'store is closed',
  /** natstream only: the Go server takes no lock outside of FT mode. */
  dirLocked: (dir: string, owner: string) => `file store directory "${dir}" is in use by another server (${owner})`,
  unableToCreateRoot: (dir: string, err: string) => `unable to create the root directory [${dir}]: ${err}`,
  unsupportedVersion: (v: number) => `unsupported file version: ${v} (supports [1..1])`,
  unableToVerifyVersion: (err: string) => `unable to verify file version: ${err}`,
  incorrectFileSize: (expected: number, got: number) =>
    `incorrect file size, expected ${expected} bytes, got ${got} bytes`,
  corruptedData: (expected: number, got: number) =>
    `corrupted data, expected crc to be 0x${hex8(expected)}, got 0x${hex8(got)}`,
  unexpectedEof: 'unexpected EOF',
  unexpectedSubRecordType: (t: number) => `unexpected record type: ${t}`,
  invalidClientRecordType: (t: number) => `invalid client record type: ${t}`,
  invalidSliceName: (file: string) => `message log has an invalid name: ${file}`,
  recoverServerFile: (file: string, err: string) => `unable to recover server file "${file}": ${err}`,
  recoverClientFile: (file: string, err: string) => `unable to recover client file "${file}": ${err}`,
  recoverMsgStore: (channel: string, file: string, err: string) =>
    `unable to recover message store for [${channel}](file: "${file}"): ${err}`,
  recoverSubStore: (channel: string, err: string) => `unable to recover subscription store for [${channel}]: ${err}`,
  lastMsgCheck: (file: string, what: string) => `Verification of last message for file "${file}" failed: ${what}`,
  badProtobuf: (what: string) => `unable to decode ${what}: invalid protobuf`,
} as const;

/** Log lines (the store logs them; the tests look for them). */
export const FILE_STORE_LOGS = {
  indexError: (file: string, err: string) =>
    `Error with index file "${file}": ${err}. Truncating and recovering from data file`,
  unexpectedEofFor: (file: string) => `Unexpected EOF for file "${file}"`,
  copyAdvice: (root: string) => `It is recommended that you make a copy of the whole datatstore "${root}".`,
  restartAdvice: (offset: number) =>
    `Restart with the ContinueOnUnexpectedEOF flag to truncate this file to this offset: ${offset}.`,
  dataLoss: 'Dataloss may occur. Details about the first corrupted record follows...',
  corruptedRecord: (file: string, err: string) => `Corrupted record in file "${file}": ${err}`,
  /** natstream adds the offset, which the Go dump leaves implicit. */
  recordOffset: (file: string, offset: number) => `Bad record in file "${file}" at offset ${offset}`,
  /** natstream only: what happens to a damaged record met after start-up (damage.ts). */
  damagedSkipped: (channel: string, seq: number) =>
    `Message ${seq} of channel ${JSON.stringify(channel)} cannot be read and is skipped (see natstream fsck)`,
  damageLogCapped: (where: string) =>
    `Further damaged records in "${where}" are not logged; /streaming/storez lists them`,
  zeroedCut: (file: string, offset: number) =>
    `File "${file}" has a zeroed record header at offset ${offset} with data after it: truncated there, ` +
    'as a zero-padded tail; records after it are lost (natstream fsck on a copy taken before the start lists them)',
  unreadableMessage: (channel: string, seq: number, err: string) =>
    `Unable to read message ${seq} of channel ${JSON.stringify(channel)}: ${err}`,
  truncated: (file: string, offset: number) => `File "${file}" has been truncated to offset: ${offset}`,
  recoveryResumes: 'Recovery resumes...',
  partTooShort: (part: string, expected: number, read: number) =>
    `${part} expected to be ${expected} bytes, only read ${read}`,
  serverFileCorrupted: (file: string, err: string) => `Server file "${file}" corrupted: ${err}`,
  followInstructions: 'Follow instructions in documentation in order to recover from this',
  archiveScriptError: (script: string, err: string, out: string) =>
    `Error invoking archive script "${script}": ${err} (output=${out})`,
  archiveScriptOutput: (channel: string, dat: string, idx: string, out: string) =>
    `Output of archive script for ${channel} (${dat} and ${idx}): ${out}`,
} as const;

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** natstream-only recovery lines. */
export const FILE_STORE_NOTES = {
  unindexedTailCut: (file: string, offset: number, why: string) =>
    `Message log "${file}": ${why} at offset ${offset}, after the last indexed message; ` +
    'truncating there (a record after the index was never acknowledged)',
  indexOutOfOrder: (seq: number, prev: number) => `index entry for sequence ${seq} follows sequence ${prev}`,
  indexPastData: (seq: number, end: number, size: number) =>
    `index entry for sequence ${seq} ends at offset ${end}, data file has ${size} bytes`,
  staleRecord: (seq: number, last: number) => `record of sequence ${seq} after sequence ${last}`,
  headerNeverSynced: (file: string) =>
    `File "${file}" has no version header (created, then lost power before its first sync): starting it empty`,
} as const;
