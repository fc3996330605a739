/**
 * A streaming server that is a member of a fault-tolerance group: it stays a
 * standby (no client subject subscribed, nothing read from the store) until
 * its FtGroup gets the store lock, then runs the normal start.
 */
import type { Store } from '../stores/store.js';
import type { Transport } from '../transport/transport.js';
import { prefixedLogger, type Logger } from '../util/logger.js';
import { FtGroup, type FtTimings } from './ft.js';
import type { StreamingServer } from './server.js';

export interface FtMemberOptions {
  group: string;
  timings?: Partial<FtTimings>;
  /**
   * This server lost the right to serve (another active, lost store lock, failed
   * recovery): it has already stopped serving when this is called. Default: the
   * Go server's behaviour, a fatal log line and exit status 1.
   */
  onAbort?: (why: string) => void;
}

export class FtMember {
  readonly group: FtGroup;
  private aborted = false;

  constructor(
    private readonly streaming: StreamingServer,
    transport: Transport,
    store: Store,
    plainLogger: Logger,
    private readonly o: FtMemberOptions,
  ) {
    const log = prefixedLogger(plainLogger, 'STREAM: ');
    this.group = new FtGroup({
      transport, store, log,
      clusterId: streaming.options.clusterId,
      group: o.group,
      serverId: streaming.serverId,
      timings: o.timings,
      activate: () => streaming.start(),
      abort: (why) => this.abort(why, log),
    });
  }

  start(): void {
    this.group.start();
  }

  /** Stops heartbeats and waiting; the caller then shuts the streaming server down. */
  stop(): void {
    this.group.stop();
  }

  /** Called by the store when its SQL lock was lost. */
  lockLost(why: string, plainLogger: Logger): void {
    this.abort(why, prefixedLogger(plainLogger, 'STREAM: '));
  }

  private abort(why: string, log: Logger): void {
    if (this.aborted) return;
    this.aborted = true;
    this.group.stop();
    log.fatal(why);
    // As the Go server's panic: nothing more is written by a server that lost the store.
    if (!this.o.onAbort) process.exit(1);
    const onAbort = this.o.onAbort;
    void this.streaming.shutdown().catch(() => undefined).finally(() => onAbort(why));
  }
}
