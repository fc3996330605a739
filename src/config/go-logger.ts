/**
 * Log lines in the Go servers' format:
 *
 *   [1234] 2024/01/01 10:00:00.000001 [INF] STREAM: Streaming Server is ready
 *
 * `[pid] `, then (unless `-T=false`) the local date and time with microseconds
 * (UTC with `--logtime_utc`), then the level label and the text. Labels are
 * colored only when writing to a terminal, as nats-server does. Output goes to
 * stderr, or is appended to the `-l` file (reopened by `reopen()`, on SIGUSR1).
 *
 * Lines are buffered and written once per event-loop turn (or when the buffer
 * is large), not with one write per line; `flush()` writes what is pending
 * and is called before the process exits.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Logger } from '../util/logger.js';
import { goOpenError } from './fs-errors.js';

type Level = 'INF' | 'WRN' | 'ERR' | 'FTL' | 'DBG' | 'TRC';

const COLORS: Record<Level, string> = {
  INF: '32', DBG: '36', WRN: '0;93', ERR: '31', FTL: '31', TRC: '33',
};

const HIGH_WATER = 64 * 1024;

export interface LogSinkOptions {
  /** Date and time on each line (`-T`, default true). */
  logtime?: boolean;
  /** Timestamps in UTC rather than local time (`--logtime_utc`). */
  utc?: boolean;
  /** Append to this file instead of writing to stderr (`-l`). */
  file?: string;
  /** Colored labels; default: when stderr is a terminal and no file is used. */
  colors?: boolean;
  /** PID shown in the prefix (default: this process). */
  pid?: number;
  /** Where text goes when there is no file (default: stderr); for tests. */
  write?: (text: string) => void;
  /** Clock in epoch microseconds (default: wall clock); for tests. */
  nowMicros?: () => number;
}

/** The shared output of every logger of the process: formatting, buffering, the file. */
export class GoLogSink {
  private readonly pidPrefix: string;
  private readonly logtime: boolean;
  private readonly utc: boolean;
  private readonly labels: Record<Level, string>;
  private readonly writeOut: (text: string) => void;
  private readonly nowMicros: () => number;
  private readonly file: string | undefined;
  private fd: number | null = null;
  private pending = '';
  private scheduled = false;
  private closed = false;
  private cachedSecond = -1;
  private cachedStamp = '';
  private readonly onExit = () => this.flush();

  constructor(options: LogSinkOptions = {}) {
    this.pidPrefix = `[${options.pid ?? process.pid}] `;
    this.logtime = options.logtime ?? true;
    this.utc = options.utc ?? false;
    this.file = options.file;
    const colors = options.colors ?? (!options.file && !options.write && process.stderr.isTTY === true);
    this.labels = {} as Record<Level, string>;
    for (const l of Object.keys(COLORS) as Level[]) {
      this.labels[l] = colors ? `[\x1b[${COLORS[l]}m${l}\x1b[0m] ` : `[${l}] `;
    }
    this.writeOut = options.write ?? ((t) => { process.stderr.write(t); });
    this.nowMicros = options.nowMicros ?? wallClockMicros;
    if (this.file) this.fd = openLogFile(this.file);
    process.on('exit', this.onExit);
  }

  get isFile(): boolean {
    return this.file !== undefined;
  }

  log(level: Level, msg: string): void {
    if (this.closed) return;
    this.pending += this.pidPrefix + (this.logtime ? this.stamp() : '') + this.labels[level] + msg + '\n';
    if (this.pending.length >= HIGH_WATER) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes everything pending, synchronously. */
  flush(): void {
    this.scheduled = false;
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    if (this.fd !== null) writeSync(this.fd, text);
    else this.writeOut(text);
  }

  /** Closes and reopens the log file (after log rotation). False when not logging to a file. */
  reopen(): boolean {
    if (!this.file || this.closed) return false;
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    // Until the file opens again, lines go to stderr rather than nowhere.
    this.fd = null;
    this.fd = openLogFile(this.file);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    process.off('exit', this.onExit);
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  /** `YYYY/MM/DD HH:MM:SS.micro ` (the date part is cached per second). */
  private stamp(): string {
    const us = this.nowMicros();
    const second = Math.floor(us / 1_000_000);
    if (second !== this.cachedSecond) {
      this.cachedSecond = second;
      const d = new Date(second * 1000);
      const [y, mo, da, h, mi, s] = this.utc
        ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
        : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
      this.cachedStamp = `${y}/${p2(mo)}/${p2(da)} ${p2(h)}:${p2(mi)}:${p2(s)}.`;
    }
    return this.cachedStamp + String(us % 1_000_000).padStart(6, '0') + ' ';
  }
}

/** Opens for appending; the error reads as nats-server's (`error opening file: open x: ...`). */
function openLogFile(path: string): number {
  try {
    return openSync(path, 'a');
  } catch (err) {
    throw new Error(`error opening file: ${goOpenError(err, path)}`);
  }
}

const p2 = (n: number) => (n < 10 ? '0' + n : String(n));

/**
 * The monotonic high-resolution clock, anchored to the wall clock and
 * re-anchored when they drift apart by more than two milliseconds (NTP steps).
 */
let anchorUs = Date.now() * 1000 - Math.floor(performance.now() * 1000);
function wallClockMicros(): number {
  const us = Math.floor(performance.now() * 1000) + anchorUs;
  const wall = Date.now() * 1000;
  if (us - wall > 2000 || wall - us > 2000) {
    anchorUs = wall - Math.floor(performance.now() * 1000);
    return wall;
  }
  return us;
}

/** A Logger over a sink with its own debug/trace switches (`-D`/`-V` for NATS, `-SD`/`-SV` for streaming). */
export class GoLogger implements Logger {
  /** Mutable so that a configuration reload (SIGHUP) can switch them. */
  constructor(
    readonly sink: GoLogSink,
    public debugEnabled = false,
    public traceEnabled = false,
  ) {}

  notice(msg: string): void { this.sink.log('INF', msg); }
  warn(msg: string): void { this.sink.log('WRN', msg); }
  error(msg: string): void { this.sink.log('ERR', msg); }
  /** Written at once: a fatal line is usually the last before exiting. */
  fatal(msg: string): void { this.sink.log('FTL', msg); this.sink.flush(); }
  debug(msg: string): void { if (this.debugEnabled) this.sink.log('DBG', msg); }
  trace(msg: string): void { if (this.traceEnabled) this.sink.log('TRC', msg); }
}

export interface ProcessLoggers {
  sink: GoLogSink;
  /** The embedded NATS server's logger (`-D`, `-V`). */
  nats: GoLogger;
  /** The streaming layer's logger (`-SD`, `-SV`); the layer adds its `STREAM: ` prefix. */
  streaming: GoLogger;
}

export interface LogSwitches {
  debug: boolean;
  trace: boolean;
  streamDebug: boolean;
  streamTrace: boolean;
  logtime: boolean;
  logtimeUTC?: boolean;
  logFile?: string;
}

export function createLoggers(log: LogSwitches, sinkOptions: Omit<LogSinkOptions, 'logtime' | 'utc' | 'file'> = {}): ProcessLoggers {
  const sink = new GoLogSink({ ...sinkOptions, logtime: log.logtime, utc: log.logtimeUTC, file: log.logFile });
  return {
    sink,
    nats: new GoLogger(sink, log.debug, log.trace),
    streaming: new GoLogger(sink, log.streamDebug, log.streamTrace),
  };
}
