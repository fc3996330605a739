/**
 * The embedded NATS server with its monitor and ports file, without the
 * streaming layer: what `startServer` builds under the streaming server, and
 * what the `natstream` command runs alone when it is invoked as `nats-server`
 * (a stand-in for nats-server in test suites). Nothing here loads the
 * streaming code, so that such a start stays short.
 */
import type { MonitorSelection } from './index.js';
import type { StreamingSource } from './monitor/http.js';
import type { CoreOptions } from './nats/options.js';
import { listenerUrls, portsFilePath, removePortsFile, writePortsFile } from './nats/ports-file.js';
import { NatsServer, hostPort } from './nats/server.js';
import type { Logger } from './util/logger.js';

export type Monitor = { port: number; httpsPort: number; close(): Promise<void> };

/** Starts the monitor when a port was asked for (0 or -1: a free one). */
export async function startMonitorFor(
  m: MonitorSelection | undefined, core: NatsServer | undefined, streaming: StreamingSource | undefined, host: string, logger: Logger,
): Promise<Monitor | undefined> {
  if (!m || (m.port === undefined && m.httpsPort === undefined)) return undefined;
  const { startMonitor } = await import('./monitor/http.js');
  const dashboard = {
    enabled: m.dashboard?.enabled ?? true, allowPublish: m.dashboard?.allowPublish ?? false, allowClose: m.dashboard?.allowClose ?? false,
  };
  return startMonitor({ core, streaming, host, port: m.port, httpsPort: m.httpsPort, logger, dashboard });
}

/** The ports file, written once every listener is up; returns its path, or undefined when it could not be written. */
export function writeServerPorts(dir: string, core: NatsServer, monitor: Monitor | undefined, monitorHost: string): string | undefined {
  const path = portsFilePath(dir);
  const monitoring: string[] = [];
  if (monitor && monitor.port > 0) monitoring.push(...listenerUrls('http', monitorHost, monitor.port));
  if (monitor && monitor.httpsPort > 0) monitoring.push(...listenerUrls('https', monitorHost, monitor.httpsPort));
  const nats = listenerUrls(core.options.tls ? 'tls' : 'nats', core.host, core.port);
  return writePortsFile(path, { nats, monitoring }, core.logger) ? path : undefined;
}

export function monitorUrl(monitor: Monitor | undefined, host: string): string | undefined {
  if (!monitor) return undefined;
  const h = connectableHost(host);
  return monitor.port > 0 ? `http://${hostPort(h, monitor.port)}` : `https://${hostPort(h, monitor.httpsPort)}`;
}

export function connectableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
}

export interface CoreStartOptions {
  core: Partial<CoreOptions>;
  monitor?: MonitorSelection;
  portsFileDir?: string;
  logger: Logger;
}

export interface RunningCore {
  readonly natsUrl: string;
  readonly core: NatsServer;
  readonly monitorUrl?: string;
  close(): Promise<void>;
}

/** Core NATS alone: listener, monitor, ports file. */
export async function startCoreServer(o: CoreStartOptions): Promise<RunningCore> {
  const core = new NatsServer(o.core, o.logger);
  const monitorHost = o.monitor?.host ?? core.host;
  let monitor: Monitor | undefined;
  try {
    await core.listen(async () => {
      monitor = await startMonitorFor(o.monitor, core, undefined, monitorHost, o.logger);
    });
  } catch (err) {
    await monitor?.close();
    await core.close();
    throw err;
  }
  const portsFile = o.portsFileDir ? writeServerPorts(o.portsFileDir, core, monitor, monitorHost) : undefined;
  let closing: Promise<void> | null = null;
  return {
    natsUrl: `nats://${hostPort(connectableHost(core.host), core.port)}`,
    core,
    monitorUrl: monitorUrl(monitor, monitorHost),
    close() {
      closing ??= (async () => {
        await monitor?.close();
        await core.close();
        if (portsFile) removePortsFile(portsFile, o.logger);
      })();
      return closing;
    },
  };
}
