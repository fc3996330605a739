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
import type { CoreOptions, TlsOptions } from '../nats/options.js';
import type { FileStoreOptions } from '../stores/file/options.js';
import { DEFAULT_STORE_LIMITS } from '../stores/limits.js';
import type { SqlDriver, SqlStoreOptions } from '../stores/sql/options.js';
import type { ChannelLimits, StoreLimits } from '../stores/store.js';
import type { StreamingOptions } from '../streaming/options.js';
import { parseConfFile } from './conf-parser.js';
import { flagErrors, optionErrors } from './errors.js';
import type { FlagSpec } from './flag-table.js';
import { parseGoFlags, type FlagOccurrence } from './go-flags.js';
import { applyNatsConfig, applyStreamingConfig } from './load-config.js';
import { emptySettings, type ChannelLimitsSetting, type Settings } from './settings.js';
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
}

/** Features of the Go server natstream parses but does not run (refused at start, see startup-checks). */
export interface UnsupportedFeatures {
  clustering: Settings['stan']['clustering'];
  partitioning?: boolean;
  encrypt?: boolean;
  encryptionCipher?: string;
  encryptionKey?: string;
  /** NATS routing (`--routes`, `--cluster`). */
  routes?: string;
  clusterListen?: string;
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
  if (c.clusterPeersRaw) {
    const own = s.stan.clustering.nodeId;
    s.stan.clustering.peers = c.clusterPeersRaw.split(',').map((p) => p.trim()).filter((p) => p !== own);
  }
  return undefined;
}

function signalCommand(spec: string, fatal: (m: string) => CommandLine): CommandLine {
  const parts = spec.split('=');
  if (parts.length > 2) return fatal(optionErrors.invalidSignal(`[${parts.slice(2).join(' ')}]`));
  const signal = SIGNALS[parts[0]];
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

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function toOptions(s: Settings, argv: readonly string[], files: NatstreamOptions['configFiles']): NatstreamOptions {
  const n = s.nats;
  let tls: TlsOptions | undefined;
  if (n.tls && n.tls.cert && n.tls.key) {
    tls = defined({ cert: n.tls.cert, key: n.tls.key, ca: n.tls.ca, verify: n.tls.verify,
      timeout: n.tls.timeoutSec });
  }
  const core: Partial<CoreOptions> = defined({
    host: n.host,
    // Go: 0 is the default port, -1 a random one.
    port: n.port === 0 ? undefined : n.port,
    serverName: n.serverName,
    user: n.user,
    pass: n.pass,
    authToken: n.token,
    users: n.users,
    authTimeout: n.authTimeoutSec !== undefined ? n.authTimeoutSec * 1000 : undefined,
    maxPayload: n.maxPayload,
    maxControlLine: n.maxControlLine,
    maxConnections: n.maxConnections,
    maxSubscriptions: n.maxSubscriptions,
    maxPending: n.maxPending,
    pingInterval: n.pingIntervalMs,
    pingMaxOut: n.pingMax,
    writeDeadline: n.writeDeadlineMs,
    noHeaderSupport: n.noHeaderSupport,
    tls,
  });
  const st = s.stan;
  const l = s.log;
  const streaming: Partial<StreamingOptions> = defined({
    clusterId: st.clusterId,
    discoverPrefix: st.discoverPrefix,
    hbInterval: st.hbIntervalMs,
    hbTimeout: st.hbTimeoutMs,
    hbFailCount: st.hbFailCount,
    limits: storeLimits(st),
    replaceDurable: st.replaceDurable,
    debug: l.stanDebug,
    trace: l.stanTrace,
    ioBatchSize: st.ioBatchSize,
  });
  const connection: StreamingConnectionOptions = defined({
    natsServerUrl: st.natsServerUrl || undefined,
    secure: st.secure,
    tlsClientCert: st.tlsClientCert,
    tlsClientKey: st.tlsClientKey,
    tlsClientCa: st.tlsClientCa,
    tlsServerName: st.tlsServerName,
    tlsSkipVerify: st.tlsSkipVerify,
    credentials: st.credentials,
    // Go: the NATS --user/--pass/--auth first, then the streaming config's own.
    user: n.user || st.username,
    pass: n.pass || st.password,
    token: n.token || st.token,
    nkeySeedFile: st.nkeySeedFile,
  });
  const f = s.file;
  const file: Partial<Omit<FileStoreOptions, 'dir'>> = defined({
    sync: f.doSync,
    autoSync: f.autoSyncMs,
    sliceMaxMsgs: f.sliceMaxMsgs,
    sliceMaxBytes: f.sliceMaxBytes,
    sliceMaxAge: f.sliceMaxAgeMs,
    sliceArchiveScript: f.sliceArchiveScript,
    compactEnabled: f.compactEnabled,
    compactFragmentation: f.compactFragmentation,
    compactInterval: f.compactIntervalSec,
    compactMinFileSize: f.compactMinFileSize,
    bufferSize: f.bufferSize,
    crc: f.doCRC,
    crcPoly: f.crcPolynomial,
    fdsLimit: f.fileDescriptorsLimit,
    parallelRecovery: f.parallelRecovery,
    truncateBadEof: f.truncateBadEOF,
    readBufferSize: f.readBufferSize,
  });
  const sql: Partial<SqlStoreOptions> = defined({
    driver: s.sql.driver as SqlDriver | undefined,
    source: s.sql.source,
    noCaching: s.sql.noCaching,
    maxOpenConns: s.sql.maxOpenConns,
    bulkInsertLimit: s.sql.bulkInsertLimit,
    createSchema: s.sql.createSchema,
  });
  const store: StoreSelection = defined({ type: st.storeType, dir: st.dir, file, sql });
  const unsupported: UnsupportedFeatures = defined({
    clustering: st.clustering,
    partitioning: st.partitioning,
    encrypt: st.encrypt,
    encryptionCipher: st.encryptionCipher,
    encryptionKey: st.encryptionKey,
    routes: n.routes || undefined,
    clusterListen: n.clusterListen || undefined,
  });
  const log: LogOptions = defined({
    debug: l.debug ?? false,
    trace: l.trace ?? false,
    traceVerbose: l.traceVerbose ?? false,
    streamDebug: l.stanDebug ?? false,
    streamTrace: l.stanTrace ?? false,
    logtime: l.logtime ?? true,
    logtimeUTC: l.logtimeUTC ?? false,
    logFile: l.logFile || undefined,
    syslog: l.syslog ?? false,
    remoteSyslog: l.remoteSyslog || undefined,
  });
  const monitor: MonitorOptions = defined({
    host: s.monitor.host,
    port: s.monitor.port,
    httpsPort: s.monitor.httpsPort,
    basePath: s.monitor.basePath,
  });
  return defined({ core, streaming, store, connection, ftGroup: st.ftGroup || undefined, unsupported, monitor, log,
    pidFile: n.pidFile || undefined, configFiles: defined({ ...files }), argv: [...argv] });
}

/** The global limits given (over the defaults), and the per-channel ones; undefined when none was given. */
function storeLimits(st: Settings['stan']): StoreLimits | undefined {
  const given: Partial<StoreLimits> = defined({
    maxChannels: st.maxChannels,
    maxSubscriptions: st.maxSubscriptions,
    maxMsgs: st.maxMsgs,
    maxBytes: st.maxBytes,
    maxAge: st.maxAgeMs,
    maxInactivity: st.maxInactivityMs,
  });
  if (Object.keys(given).length === 0 && !st.perChannel) return undefined;
  const limits: StoreLimits = { ...DEFAULT_STORE_LIMITS, ...given };
  if (st.perChannel) {
    limits.perChannel = {};
    for (const [name, cl] of Object.entries(st.perChannel)) limits.perChannel[name] = perChannelLimits(cl);
  }
  return limits;
}

function perChannelLimits(cl: ChannelLimitsSetting): Partial<ChannelLimits> {
  return defined({
    maxSubscriptions: cl.maxSubscriptions,
    maxMsgs: cl.maxMsgs,
    maxBytes: cl.maxBytes,
    maxAge: cl.maxAgeMs,
    maxInactivity: cl.maxInactivityMs,
  });
}
