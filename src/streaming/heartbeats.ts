/**
 * Server heartbeats to clients (spec streaming-protocol.md §4.1) on one coarse
 * periodic timer: each tick probes the clients whose heartbeat is due (an empty
 * request to the client's heartbeat inbox, `-hbt` to answer); a client is closed
 * after more than `-hbf` failures in a row. While a client has failed heartbeats
 * its subscriptions are flagged (queue selection and redelivery skip them).
 */

import type { Client } from './client.js';
import type { Connections } from './connect.js';
import type { StreamingContext } from './context.js';
import { detach } from './failures.js';

const EMPTY = new Uint8Array(0);

export class Heartbeats {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: StreamingContext, private readonly connections: Connections) {}

  start(): void {
    const tick = Math.max(5, Math.min(1000, Math.floor(this.ctx.options.hbInterval / 10)));
    this.timer = setInterval(this.tick, tick);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private readonly tick = (): void => {
    if (this.ctx.closing) return;
    const now = Date.now();
    for (const client of this.ctx.clients.values()) {
      if (!client.hbInFlight && client.hbDueAt <= now) detach(this.ctx.log, `[Client:${client.id}] Heartbeat check failed`, this.check(client));
    }
  };

  private async check(client: Client): Promise<void> {
    const { ctx } = this;
    client.hbInFlight = true;
    const answer = await ctx.transport.request(client.hbInbox, EMPTY, ctx.options.hbTimeout);
    client.hbInFlight = false;
    if (client.closed || ctx.closing) return;
    if (answer !== null) {
      if (client.hbFailed > 0) {
        client.hbFailed = 0;
        setFailedHB(client, false);
      }
    } else {
      client.hbFailed++;
      if (client.hbFailed === 1) setFailedHB(client, true);
      if (client.hbFailed > ctx.options.hbFailCount) {
        ctx.log.error(`[Client:${client.id}] Timed out on heartbeats`);
        await ctx.lane.run(() => this.connections.closeClient(client));
        return;
      }
    }
    client.hbDueAt = Date.now() + ctx.options.hbInterval;
  }
}

function setFailedHB(client: Client, failed: boolean): void {
  for (const sub of client.subs) sub.hasFailedHB = failed;
}
