/**
 * `parseCommandLine(argv)`: what the `natstream` command should do, decided
 * the way the Go server decides it, without printing or exiting:
 *
 * 1. Go flag syntax over the flag table; an unknown flag or bad value gives
 *    Go's one-line error (stderr) plus the usage (stdout), exit status 2
 *    (the Go binary exits 0 there, which hides typos in deployments);
 * 2. `-v`, `-h`, `--help_tls`, then the positional words `version`/`help`;
 *    any other positional argument: `unrecognized command: "x"`, status 1;
 * 3. `-sl` sends a signal to a running server;
 * 4. configuration files: `-c` for the NATS options, `-sc` for the streaming
 *    options, one file for both when only one is given;
 * 5. the flags again, so that they override the files; then the values Go
 *    resolves in a second pass (`-SDV`, `-DV`, sizes, TLS);
 * 6. the checks the Go server makes while reading options (bad sizes, TLS
 *    without certificate, routes without cluster): message alone, status 1.
 */
import { readFileSync } from 'node:fs';
import { parseRouteUrl } from '../nats/cluster/options.js';
import type { CoreOptions } from '../nats/options.js';
import type { FileStoreOptions } from '../stores/file/options.js';
import type { SqlStoreOptions } from '../stores/sql/options.js';
import type { StreamingOptions } from '../streaming/options.js';
import { parseConfFile } from './conf-parser.js';
import { flagErrors, optionErrors } from './errors.js';
import type { FlagSpec } from './flag-table.js';
import { parseGoFlags, type FlagOccurrence } from './go-flags.js';
import { applyNatsConfig, applyStreamingConfig } from './load-config.js';
import { emptySettings, type Settings } from './settings.js';
import { toOptions } from './to-options.js';
import { ownValue } from '../util/dict.js';
import { renderTlsHelp, renderUsage } from './usage.js';
import { PROGRAM_NAME, versionLine } from './version.js';

export interface LogOptions {
  /** `-D`: NATS-layer [DBG] lines. */
  debug: boolean;
  /** `-V`: NATS protocol [TRC] lines. */
  trace: boolean;
  traceVerbose: boolean;
  /** `-SD`: streaming [DBG] lines. */
  streamDebug: boolean;
  /** `-SV`: streaming [TRC] lines. */
  streamTrace: boolean;
  /** `-T`: date and time on each line (default true). */
  logtime: boolean;
  logtimeUTC: boolean;
  /** `-l`: append to this file instead of stderr. */
  logFile?: string;
  syslog: boolean;
  remoteSyslog?: string;
}

export interface MonitorOptions {
  /** Defaults to the client listen host (`-a`). */
  host?: string;
  /** `-m`; 0 or absent: no HTTP monitoring. */
  port?: number;
  /** `-ms`. */
  httpsPort?: number;
  basePath?: string;
  /** natstream only: the dashboard (`--dashboard`, default on) and its publish form (`--dashboard_publish`, default off). */
  dashboard?: { enabled?: boolean; allowPublish?: boolean; allowClose?: boolean };
}

/** The streaming server's own NATS connection (with `-ns`, the external transport). */
export interface StreamingConnectionOptions {
  /** `-ns`: run on this external NATS server (or cluster, comma-separated URLs). */
  natsServerUrl?: string;
  secure?: boolean;
  tlsClientCert?: string;
  tlsClientKey?: string;
  tlsClientCa?: string;
  tlsServerName?: string;
  tlsSkipVerify?: boolean;
  credentials?: string;
  /** From `--user/--pass/--auth`, or else the streaming config's username/password/token. */
  user?: string;
  pass?: string;
  token?: string;
  nkeySeedFile?: string;
}

export interface StoreSelection {
  /** `-st`: MEMORY, FILE or SQL, upper-cased as given (anything else fails at start). */
  type?: string;
  /** `--dir`: the FILE store's root directory. */
  dir?: string;
  file: Partial<Omit<FileStoreOptions, 'dir'>>;
  sql: Partial<SqlStoreOptions>;
  /** `--encrypt`, `--encryption_cipher`, `--encryption_key` (docs/encryption.md). */
  encryption?: { cipher: string; key: string };
}

/** Features of the Go server natstream parses but does not run (refused at start, see startup-checks). */
export interface UnsupportedFeatures {
  clustering: Settings['stan']['clustering'];
  partitioning?: boolean;
  encrypt?: boolean;
  encryptionCipher?: string;
  encryptionKey?: string;
}

export interface NatstreamOptions {
  core: Partial<CoreOptions>;
  streaming: Partial<StreamingOptions>;
  store: StoreSelection;
  connection: StreamingConnectionOptions;
  /** `--ft_group`: fault-tolerance group (FILE/SQL stores). */
  ftGroup?: string;
  unsupported: UnsupportedFeatures;
  monitor: MonitorOptions;
  log: LogOptions;
  /** `-P`: write the PID here (removed at exit). */
  pidFile?: string;
  /** `--ports_file_dir`: write `<exe>_<pid>.ports` there once listening (removed at exit). */
  portsFileDir?: string;
  /** The files read, for SIGHUP reload. */
  configFiles: { nats?: string; streaming?: string };
  /** The command line as given (reload re-applies it over the files). */
  argv: readonly string[];
}

export type CommandLine =
  | { kind: 'run'; options: NatstreamOptions }
  /** Print `text` on stdout, exit 0 (`-h`, `-v`, `--help_tls`). */
  | { kind: 'help' | 'version'; text: string }
  /** `-t`: the configuration is valid; print `text` on stderr, exit 0. */
  | { kind: 'checked'; text: string }
  /** `-sl <signal>=<pid>`: send it and exit 0. */
  | { kind: 'signal'; signal: NodeJS.Signals; pid: number }
  | { kind: 'error'; stderr: string; stdout: string; exitCode: 1 | 2 };

const SIGNALS: Record<string, NodeJS.Signals> = {
  stop: 'SIGKILL',
  quit: 'SIGINT',
  reopen: 'SIGUSR1',
  reload: 'SIGHUP',
  ldm: 'SIGUSR2',
  term: 'SIGTERM',
};

export interface ParseContext {
  /** Environment for `$VAR` in config files (default process.env). */
  env?: Record<string, string | undefined>;
  /** Program name in the usage text (default natstream). */
  program?: string;
}

export function parseCommandLine(argv: readonly string[], ctx: ParseContext = {}): CommandLine {
  const program = ctx.program ?? PROGRAM_NAME;
  const env = ctx.env ?? process.env;
  const usageError = (msg: string): CommandLine =>
    ({ kind: 'error', stderr: `${msg}\n`, stdout: renderUsage(program), exitCode: 2 });
  const fatal = (msg: string): CommandLine => ({ kind: 'error', stderr: `${msg}\n`, stdout: '', exitCode: 1 });

  const parsed = parseGoFlags(argv);
  if (!parsed.ok) return usageError(parsed.error);

  // What to do comes from the flags alone.
  const first = emptySettings();
  for (const o of parsed.occurrences) if (!o.spec.late) o.spec.apply(first, o.value as never, o.name);
  if (first.cli.version) return { kind: 'version', text: versionLine(program) };
  if (first.cli.help) return { kind: 'help', text: renderUsage(program) };
  if (first.cli.helpTls) return { kind: 'help', text: renderTlsHelp() };
  if (parsed.args.length > 0) {
    const word = parsed.args[0].toLowerCase();
    if (word === 'version') return { kind: 'version', text: versionLine(program) };
    if (word === 'help') return { kind: 'help', text: renderUsage(program) };
    return fatal(flagErrors.unrecognizedCommand(parsed.args[0]));
  }
  if (first.cli.signal) return signalCommand(first.cli.signal, fatal);

  // Files first, then the flags over them.
  const settings = emptySettings();
  const natsFile = first.cli.natsConfigFile || undefined;
  const stanFile = first.cli.stanConfigFile || undefined;
  if (first.cli.checkConfig && !natsFile) return fatal(optionErrors.checkConfigNeedsFile);
  try {
    if (natsFile || stanFile) {
      applyNatsConfig(parseConfFile((natsFile ?? stanFile)!, env), settings);
      applyStreamingConfig(parseConfFile((stanFile ?? natsFile)!, env), settings);
    }
  } catch (err) {
    return fatal((err as Error).message);
  }
  if (first.cli.checkConfig) {
    return { kind: 'checked', text: `${program}: configuration file ${natsFile} is valid\n` };
  }
  const error = applyFlags(parsed.occurrences, settings);
  if (error) return fatal(error);
  const checked = resolveFlagChecks(settings);
  if (checked) return fatal(checked);
  return { kind: 'run', options: toOptions(settings, argv, { nats: natsFile, streaming: stanFile ?? natsFile }) };
}

/** Flags in command-line order, then Go's second pass: each late flag once, by name. */
function applyFlags(occurrences: readonly FlagOccurrence[], s: Settings): string | undefined {
  const late = new Map<string, { spec: FlagSpec; value: FlagOccurrence['value'] }>();
  for (const o of occurrences) {
    if (o.spec.late) late.set(o.name, { spec: o.spec, value: o.value });
    else o.spec.apply(s, o.value as never, o.name);
  }
  for (const name of [...late.keys()].sort()) {
    const { spec, value } = late.get(name)!;
    const err = spec.apply(s, value as never, name);
    if (err) return err;
  }
  return undefined;
}

/** nats-server's checks on flag-derived settings (TLS from flags, routes, cluster peers). */
function resolveFlagChecks(s: Settings): string | undefined {
  const c = s.cli;
  if (c.tlsFlagSeen) {
    if (c.tlsFlag === false) {
      s.nats.tls = undefined;
    } else {
      if (!c.tlsCert) return optionErrors.tlsCertMissing;
      if (!c.tlsKey) return optionErrors.tlsKeyMissing;
      s.nats.tls = { cert: c.tlsCert, key: c.tlsKey, ca: c.tlsCaCert, verify: c.tlsVerify ?? false };
    }
  }
  if (s.nats.routes && !s.nats.clusterListen && !s.nats.clusterConfigured) return optionErrors.routesNeedCluster;
  if (s.nats.clusterListen && parseRouteUrl(s.nats.clusterListen) === null) return optionErrors.clusterUrl(s.nats.clusterListen);
  if (c.clusterPeersRaw) {
    const own = s.stan.clustering.nodeId;
    s.stan.clustering.peers = c.clusterPeersRaw.split(',').map((p) => p.trim()).filter((p) => p !== own);
  }
  return undefined;
}

function signalCommand(spec: string, fatal: (m: string) => CommandLine): CommandLine {
  const parts = spec.split('=');
  if (parts.length > 2) return fatal(optionErrors.invalidSignal(`[${parts.slice(2).join(' ')}]`));
  const signal = ownValue(SIGNALS, parts[0]!);
  if (!signal) return fatal(optionErrors.unknownSignal(parts[0]));
  if (parts.length < 2 || parts[1] === '') return fatal(optionErrors.signalNeedsPid);
  let pidText = parts[1];
  try {
    pidText = readFileSync(pidText, 'utf8').trim();
  } catch {
    // not a PID file: the PID itself
  }
  const pid = Number(pidText);
  if (!/^\d+$/.test(pidText) || !Number.isSafeInteger(pid)) return fatal(`invalid pid: ${pidText}`);
  return { kind: 'signal', signal, pid };
}
