/**
 * `natstream fsck --repair`: rewrites each damaged data file with its intact
 * records only (damaged ranges skipped, a torn tail cut) and deletes the index
 * of every rewritten or mismatching message slice, which recovery rebuilds from
 * the data file. Each file is copied to a backup directory next to the store
 * (`<dir>.fsck-<time>`, outside it: every sub-directory of the store is a
 * channel) before it is changed. A damaged server.dat is written anew only when
 * the cluster ID is given: its record holds nothing else that the server does not
 * derive from it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_STREAMING_OPTIONS } from '../streaming/options.js';
import { newServerInfo } from '../streaming/server.js';
import type { Crc32 } from '../stores/file/crc32.js';
import { DAT_SUFFIX, IDX_SUFFIX } from '../stores/file/msg-slice.js';
import { writeServerFile } from '../stores/file/server-file.js';
import { VERSION_BYTES, VERSION_SIZE } from '../stores/file/framing.js';
import type { FileReport } from './check.js';

export interface RepairResult {
  /** What was done, one line per file. */
  actions: string[];
  /** Damaged files left as they are. */
  unrepaired: string[];
  backupDir: string;
}

export interface RepairOptions {
  crc32: Crc32;
  /** Lets a damaged server.dat be written anew for this cluster. */
  clusterId?: string;
  now?: Date;
}

export async function repair(root: string, reports: FileReport[], o: RepairOptions): Promise<RepairResult> {
  const now = o.now ?? new Date();
  const backupDir = `${path.resolve(root)}.fsck-${now.toISOString().replace(/[:.]/g, '-')}`;
  const result: RepairResult = { actions: [], unrepaired: [], backupDir };
  const backup = (file: string) => {
    const to = path.join(backupDir, path.relative(root, file));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(file, to);
  };
  const dropIndex = new Set<string>();
  for (const r of reports) {
    if (r.damage.length === 0) continue;
    if (r.kind === 'index') {
      dropIndex.add(r.file);
      continue;
    }
    const scan = r.scan!;
    if (r.kind === 'server') {
      if (!o.clusterId) {
        result.unrepaired.push(`${r.file} (give --cluster_id to write it anew)`);
        continue;
      }
      backup(r.file);
      await writeServerFile(r.file, newServerInfo({ ...DEFAULT_STREAMING_OPTIONS, clusterId: o.clusterId }), o.crc32);
      result.actions.push(`${r.file}: written anew for cluster ${JSON.stringify(o.clusterId)}`);
      continue;
    }
    if (scan.version === 0 && fs.statSync(r.file).size >= VERSION_SIZE) {
      result.unrepaired.push(r.file);
      continue;
    }
    backup(r.file);
    const parts: Buffer[] = [VERSION_BYTES];
    const data = fs.readFileSync(r.file);
    for (const rec of scan.records) parts.push(data.subarray(rec.offset, rec.end));
    writeReplacing(r.file, Buffer.concat(parts));
    result.actions.push(`${r.file}: rewritten with its ${scan.records.length} intact record(s)`);
    if (r.kind === 'msgs') dropIndex.add(r.file.slice(0, -DAT_SUFFIX.length) + IDX_SUFFIX);
  }
  for (const idx of dropIndex) {
    if (!fs.existsSync(idx)) continue;
    backup(idx);
    fs.rmSync(idx);
    result.actions.push(`${idx}: removed (rebuilt from the data file at the next start)`);
  }
  return result;
}

/** Temporary file in the same directory, fsynced, renamed over the target. */
function writeReplacing(file: string, content: Buffer): void {
  const tmp = `${file}.fsck-tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dirFd = fs.openSync(path.dirname(file), 'r');
  try { fs.fsyncSync(dirFd); } finally { fs.closeSync(dirFd); }
}
