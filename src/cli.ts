/**
 * The `natstream` command: the Go `nats-streaming-server` command line,
 * starting an embedded NATS server plus the streaming server.
 *
 * Output and exit statuses follow the Go binary: help and version on stdout
 * (status 0); a flag error on stderr with the usage on stdout (status 2 here,
 * 0 in Go); other option errors alone on stderr (status 1); log lines on
 * stderr or in the `-l` file. Signals: SIGINT stops with status 0, SIGTERM
 * with 143, SIGUSR1 reopens the log file, SIGHUP reloads the NATS options.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { logStreamingBanner, newStreamingServerId } from './streaming/server.js';
import { DEFAULT_STREAMING_OPTIONS } from './streaming/options.js';
import { startServer, type RunningServer } from './index.js';
import { createLoggers, type ProcessLoggers } from './config/go-logger.js';
import { parseCommandLine, type NatstreamOptions } from './config/options.js';
import { checkStartup } from './config/startup-checks.js';

const STREAM = 'STREAM: ';

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'migrate') {
    const { runMigrate } = await import('./migrate/cli.js');
    process.exitCode = await runMigrate(argv.slice(1));
    return;
  }
  const cmd = parseCommandLine(argv);
  switch (cmd.kind) {
    case 'help':
    case 'version':
      process.stdout.write(cmd.text);
      return;
    case 'checked':
      process.stderr.write(cmd.text);
      return;
    case 'error':
      if (cmd.stderr) process.stderr.write(cmd.stderr);
      if (cmd.stdout) process.stdout.write(cmd.stdout);
      process.exitCode = cmd.exitCode;
      return;
    case 'signal':
      try {
        process.kill(cmd.pid, cmd.signal);
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exitCode = 1;
      }
      return;
    case 'run':
      await run(cmd.options);
  }
}

async function run(options: NatstreamOptions): Promise<void> {
  let loggers: ProcessLoggers;
  try {
    loggers = createLoggers(options.log);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const { sink, nats: natsLog, streaming: streamLog } = loggers;
  let pidWritten = false;
  const failed = (msg: string) => {
    streamLog.fatal(`${STREAM}Failed to start: ${msg}`);
    if (pidWritten) removeQuietly(options.pidFile!);
    sink.close();
    process.exit(1);
  };
  if (options.log.syslog || options.log.remoteSyslog) {
    natsLog.warn('natstream: syslog (-s, -r) is not supported, logging to ' + (options.log.logFile ?? 'stderr'));
  }
  const problem = checkStartup(options);
  if (problem) {
    // The Go server prints its banner before it finds the problem.
    logStreamingBanner(streamLog, options.streaming.clusterId ?? DEFAULT_STREAMING_OPTIONS.clusterId, newStreamingServerId());
    return failed(problem);
  }
  if (options.pidFile) {
    writeFileSync(options.pidFile, String(process.pid));
    pidWritten = true;
  }

  // Signals are handled from the start: a stop asked for during start-up happens once started.
  let server: RunningServer | undefined;
  let exitStatus: number | undefined;
  const stop = (running: RunningServer, status: number) => {
    running.close().catch((err: Error) => streamLog.error(`${STREAM}${err.message}`)).finally(() => {
      if (options.pidFile) removeQuietly(options.pidFile);
      sink.close();
      process.exit(status);
    });
  };
  const shutdown = (status: number) => {
    if (exitStatus !== undefined) process.exit(status); // a second signal: stop waiting
    exitStatus = status;
    if (server) stop(server, status);
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(143));
  process.on('SIGUSR1', () => {
    try {
      streamLog.notice(sink.reopen() ? `${STREAM}File log re-opened` : `${STREAM}File log re-open ignored, not a file logger`);
    } catch (err) {
      streamLog.error(`${STREAM}${(err as Error).message}`);
    }
  });
  process.on('SIGHUP', () => reload(options, loggers));

  try {
    server = await startServer(toStartOptions(options, loggers));
  } catch (err) {
    return failed(startErrorText(err, options));
  }
  if (exitStatus !== undefined) stop(server, exitStatus);
}

/** What startServer takes; fields it does not know yet are ignored. */
function toStartOptions(o: NatstreamOptions, loggers: ProcessLoggers) {
  const start = {
    core: o.core,
    streaming: o.streaming,
    store: o.store,
    connection: o.connection,
    ftGroup: o.ftGroup,
    clustered: o.unsupported.clustering.clustered && (o.store.type ?? '').toUpperCase() === 'JETSTREAM'
      ? { nodeId: o.unsupported.clustering.nodeId } : undefined,
    monitor: o.monitor.port || o.monitor.httpsPort
      ? { ...o.monitor, host: o.monitor.host ?? o.core.host ?? '0.0.0.0' }
      : undefined,
    logger: loggers.nats,
    streamingLogger: loggers.streaming,
  };
  return start;
}

/** nats-server's wording for a port in use; other errors as they come. */
function startErrorText(err: unknown, o: NatstreamOptions): string {
  const e = err as NodeJS.ErrnoException;
  if (e && e.code === 'EADDRINUSE') {
    const host = o.core.host ?? '0.0.0.0';
    const port = o.core.port ?? 4222;
    return `unable to start a NATS Server on ${host}:${port}`;
  }
  return e instanceof Error ? e.message : String(err);
}

/**
 * SIGHUP: re-read the files and flags. Like nats-server, only some options can
 * change on a running server; here the NATS debug/trace switches. Anything
 * else that changed is reported and nothing is applied.
 */
function reload(current: NatstreamOptions, loggers: ProcessLoggers): void {
  const cmd = parseCommandLine(current.argv);
  if (cmd.kind !== 'run') {
    const why = cmd.kind === 'error' ? cmd.stderr.trim() : `unexpected ${cmd.kind}`;
    loggers.nats.error(`Failed to reload server configuration: ${why}`);
    return;
  }
  const next = cmd.options;
  const changed = Object.keys({ ...current.core, ...next.core }).filter((k) =>
    JSON.stringify((current.core as Record<string, unknown>)[k]) !== JSON.stringify((next.core as Record<string, unknown>)[k]));
  if (changed.length > 0) {
    loggers.nats.error(`Failed to reload server configuration: config reload not supported for ${changed.join(', ')}`);
    return;
  }
  loggers.nats.debugEnabled = next.log.debug;
  loggers.nats.traceEnabled = next.log.trace;
  current.log.debug = next.log.debug;
  current.log.trace = next.log.trace;
  loggers.nats.notice('Reloaded server configuration');
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
