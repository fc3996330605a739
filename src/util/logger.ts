/**
 * The logging seam shared by every layer. The Go-format implementation
 * (`[pid] YYYY/MM/DD HH:MM:SS.micro [INF] text`, on stderr) lives in
 * src/config/go-logger.ts; the streaming layer adds its `STREAM: ` prefix itself.
 */
export interface Logger {
  /** [INF] */
  notice(msg: string): void;
  /** [WRN] */
  warn(msg: string): void;
  /** [ERR] */
  error(msg: string): void;
  /** [FTL]; the caller decides whether to exit. */
  fatal(msg: string): void;
  /** [DBG]; only printed when debug is on. */
  debug(msg: string): void;
  /** [TRC]; only printed when trace is on. */
  trace(msg: string): void;
  /** Cheap guards so hot paths skip building strings nobody will print. */
  readonly debugEnabled: boolean;
  readonly traceEnabled: boolean;
}

export const silentLogger: Logger = {
  notice() {}, warn() {}, error() {}, fatal() {}, debug() {}, trace() {},
  debugEnabled: false,
  traceEnabled: false,
};

/** Wraps a logger so every line starts with `prefix` (the streaming layer uses 'STREAM: '). */
export function prefixedLogger(inner: Logger, prefix: string): Logger {
  return {
    notice: (m) => inner.notice(prefix + m),
    warn: (m) => inner.warn(prefix + m),
    error: (m) => inner.error(prefix + m),
    fatal: (m) => inner.fatal(prefix + m),
    debug: (m) => inner.debug(prefix + m),
    trace: (m) => inner.trace(prefix + m),
    get debugEnabled() { return inner.debugEnabled; },
    get traceEnabled() { return inner.traceEnabled; },
  };
}
