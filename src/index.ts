/**
 * natstream's public API: start a NATS Streaming server (embedded core NATS
 * plus the streaming layer) inside a Node process, e.g. in a test suite.
 *
 * ```ts
 * import { startServer } from 'natstream';
 * const server = await startServer({ port: 0, clusterId: 'test-cluster' });
 * // connect node-nats-streaming to server.natsUrl ...
 * await server.close();
 * ```
 */
import { NatsServer, hostPort } from './nats/server.js';
import type { CoreOptions } from './nats/options.js';
import { silentLogger, type Logger } from './util/logger.js';

export interface StartOptions {
  /** Client port; 0 picks a free one. Default 4222. */
  port?: number;
  /** Listen address. Default 0.0.0.0. */
  host?: string;
  /** Every option of the core NATS server (port/host above win). */
  core?: Partial<CoreOptions>;
  /** Where log lines go; silent by default. */
  logger?: Logger;
}

export interface RunningServer {
  /** `nats://host:port`, ready for a client's `url` option. */
  readonly natsUrl: string;
  readonly port: number;
  readonly core: NatsServer;
  close(): Promise<void>;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger;
  const core = new NatsServer(
    {
      ...options.core,
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
    },
    logger,
  );
  await core.listen();
  const clientHost = core.host === '0.0.0.0' || core.host === '::' ? '127.0.0.1' : core.host;
  let closing: Promise<void> | null = null;
  return {
    natsUrl: `nats://${hostPort(clientHost, core.port)}`,
    port: core.port,
    core,
    close() {
      closing ??= core.close();
      return closing;
    },
  };
}

export type { Logger } from './util/logger.js';
export type { CoreOptions } from './nats/options.js';
