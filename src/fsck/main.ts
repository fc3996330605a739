/**
 * `natstream fsck --dir D [--repair] [--file_crc_poly N]`: lists the damage in a
 * file-store directory and, with --repair, keeps only the intact records (the
 * Go server has no such tool). Exit statuses as e2fsck's: 0 nothing damaged,
 * 1 damage repaired, 4 damage left, 8 operational error, 16 usage error.
 */
import * as fs from 'node:fs';
import { ENCRYPTION_KEY_ENV, masterKey } from '../stores/crypto/keys.js';
import { crc32For } from '../stores/file/crc32.js';
import { DirLock } from '../stores/file/dir-lock.js';
import { CRC_POLY_IEEE } from '../stores/file/options.js';
import { checkDir, type FileReport } from './check.js';
import { repair } from './repair.js';

export const FSCK_USAGE = `Usage: natstream fsck --dir <dir> [--repair] [--cluster_id <id>] [--encryption_key <key>] [--file_crc_poly <int>]

Checks every record of a FILE store directory (server.dat, clients.dat, and per
channel subs.dat, msgs.N.dat, msgs.N.idx) and lists the damaged ones.
  --repair              rewrite damaged files with their intact records only and
                        remove mismatching indexes (rebuilt at the next start);
                        the originals are copied to <dir>.fsck-<time> first.
                        Stop the server first.
  --cluster_id <id>     with --repair: write a damaged server.dat anew for this
                        cluster ID (otherwise it is left as it is)
  --encryption_key <key> encrypted stores: also check that each message's data
                        authenticates with this key (or the one in
                        NATS_STREAMING_ENCRYPTION_KEY, which wins as for the server)
  --file_crc_poly <int> CRC-32 polynomial the store was written with (default ${CRC_POLY_IEEE})
`;

export const FsckExit = { clean: 0, repaired: 1, damaged: 4, failed: 8, usage: 16 } as const;

interface Args { dir: string; repair: boolean; crcPoly: number; clusterId: string; key: string }

function parseArgs(argv: string[]): Args | string {
  const a: Args = { dir: '', repair: false, crcPoly: CRC_POLY_IEEE, clusterId: '', key: '' };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].replace(/^--?/, '').split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    switch (name) {
      case 'dir': a.dir = value() ?? ''; break;
      case 'repair': a.repair = inline === undefined || inline === 'true'; break;
      case 'file_crc_poly': a.crcPoly = Number(value()); break;
      case 'cid': case 'cluster_id': a.clusterId = value() ?? ''; break;
      case 'encryption_key': a.key = value() ?? ''; break;
      case 'h': case 'help': return '';
      default: return `unknown flag: ${argv[i]}`;
    }
  }
  if (!a.dir) return 'fsck needs --dir';
  if (!(a.crcPoly >= 1 && a.crcPoly <= 0xffffffff)) return 'crc polynomial should be between 1 and 4294967295';
  return a;
}

export interface FsckIo { out: (s: string) => void; err: (s: string) => void }

export async function runFsck(
  argv: string[],
  io: FsckIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    if (args) io.err(`${args}\n`);
    (args ? io.err : io.out)(FSCK_USAGE);
    return args ? FsckExit.usage : FsckExit.clean;
  }
  if (!fs.existsSync(args.dir) || !fs.statSync(args.dir).isDirectory()) {
    io.err(`fsck: ${args.dir}: not a directory\n`);
    return FsckExit.failed;
  }
  const lock = args.repair ? new DirLock(args.dir) : null;
  if (lock) {
    const got = lock.tryAcquire();
    if (got !== true) {
      const [pid, host] = got.holder.split(' ');
      io.err(`fsck: ${args.dir} is in use by a server (pid ${pid || '?'} on ${host || 'unknown host'}); stop it first\n`);
      return FsckExit.failed;
    }
  }
  try {
    const crc32 = crc32For(args.crcPoly);
    // The cipher only matters for writing: each message names its own.
    const master = args.key || env[ENCRYPTION_KEY_ENV] ? masterKey('AES', args.key, env) : undefined;
    const reports = checkDir(args.dir, { crc32, master });
    const damaged = reports.filter((r) => r.damage.length > 0);
    printReports(reports, io);
    if (damaged.length === 0) {
      io.out(`${reports.length} file(s) checked, no damage\n`);
      return FsckExit.clean;
    }
    const ranges = damaged.reduce((n, r) => n + r.damage.length, 0);
    io.out(`${reports.length} file(s) checked, ${ranges} damaged range(s) in ${damaged.length} file(s)\n`);
    if (!args.repair) {
      io.out('run again with --repair (server stopped) to keep the intact records only\n');
      return FsckExit.damaged;
    }
    const res = await repair(args.dir, reports, { crc32, clusterId: args.clusterId || undefined });
    for (const a of res.actions) io.out(`repaired: ${a}\n`);
    for (const f of res.unrepaired) io.out(`not repaired: ${f}\n`);
    if (res.actions.length > 0) io.out(`originals copied to ${res.backupDir}\n`);
    return res.unrepaired.length > 0 ? FsckExit.damaged : FsckExit.repaired;
  } catch (err) {
    io.err(`fsck: ${(err as Error).message}\n`);
    return FsckExit.failed;
  } finally {
    lock?.release();
  }
}

function printReports(reports: FileReport[], io: FsckIo): void {
  for (const r of reports) {
    for (const d of r.damage) {
      const where = r.channel !== undefined ? ` (channel ${JSON.stringify(r.channel)})` : '';
      io.out(`${r.file}${where}: offset ${d.offset}: ${d.error} (${d.length} byte(s))\n`);
    }
    if (r.scan && r.scan.zeroTail >= 0) io.out(`${r.file}: zero-padded tail at offset ${r.scan.zeroTail} (cut at the next start)\n`);
  }
}
