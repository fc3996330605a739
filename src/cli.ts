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
import { createLoggers, type ProcessLoggers } from './config/go-logger.js';
import { parseCommandLine, type NatstreamOptions } from './config/options.js';
import { checkStartup } from './config/startup-checks.js';
import { programName } from './nats/ports-file.js';

/** What run() stops: the whole server, or core NATS alone. */
type Running = { close(): Promise<void> };

/**
 * Invoked as `nats-server` (a symlink to bin/natstream.js, or `exec -a
 * nats-server`), natstream stands in for nats-server: the embedded NATS
 * server alone, without the streaming layer, whose code is then not even
 * loaded (test harnesses start many servers at once and wait 1 s for each).
 */
const CORE_ONLY = programName() === 'nats-server';

const STREAM = 'STREAM: ';

async function main(argv: string[]): Promise<void> {
  // subcommands (one file each); the Go server has none, so no flag is shadowed
  if (argv[0] === 'fsck') {
    const { runFsck } = await import('./fsck/main.js');
    process.exitCode = await runFsck(argv.slice(1));
    return;
  }
  if (argv[0] === 'bench') {
    const { benchMain } = await import('./cli/bench.js');
    process.exitCode = await benchMain(argv.slice(1));
    return;
  }
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
    if (CORE_ONLY) natsLog.fatal(msg);
    else streamLog.fatal(`${STREAM}Failed to start: ${msg}`);
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
    const { logStreamingBanner, newStreamingServerId } = await import('./streaming/server.js');
    const { DEFAULT_STREAMING_OPTIONS } = await import('./streaming/options.js');
    logStreamingBanner(streamLog, options.streaming.clusterId ?? DEFAULT_STREAMING_OPTIONS.clusterId, newStreamingServerId());
    return failed(problem);
  }
  if (options.pidFile) {
    writeFileSync(options.pidFile, String(process.pid));
    pidWritten = true;
  }

  // Signals are handled from the start: a stop asked for during start-up happens once started.
  let server: Running | undefined;
  let exitStatus: number | undefined;
  const stop = (running: Running, status: number) => {
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
  // Last line of defence: a promise nobody awaited that failed is a fault in
  // handling one request; the server logs it and keeps serving everyone else.
  process.on('unhandledRejection', (err) => {
    natsLog.error(`Unhandled error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  });

  try {
    const start = toStartOptions(options, loggers);
    if (CORE_ONLY) {
      const { startCoreServer } = await import('./core-server.js');
      server = await startCoreServer({ core: start.core, monitor: start.monitor, portsFileDir: start.portsFileDir, logger: start.logger });
    } else {
      const { startServer } = await import('./index.js');
      server = await startServer(start);
    }
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
    portsFileDir: o.portsFileDir,
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
