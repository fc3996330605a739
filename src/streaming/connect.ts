/**
 * Client connections (spec streaming-protocol.md §3, §4.2, §11): connect with
 * the client-ID rules and the duplicate-ID probe, close requests, client PINGs,
 * and closing a client (its subscriptions end with "close" semantics).
 */

import {
  decodeCloseRequest, decodeConnectRequest, decodePing, encodeCloseResponse, encodeConnectResponse,
  encodePingResponse, type ConnectRequestFields,
} from '../protocol/stan-codec.js';
import type { ClientInfo } from '../stores/store.js';
import { isValidClientId } from './channel-name.js';
import { Client, connIdKey } from './client.js';
import type { StreamingContext } from './context.js';
import { STAN_ERRORS } from './errors.js';
import type { Publisher } from './publish.js';
import type { Removal } from './removal.js';
import { detach } from './failures.js';

const EMPTY = new Uint8Array(0);

export class Connections {
  /** Client IDs whose current holder is being probed. */
  private readonly checking = new Set<string>();

  constructor(
    private readonly ctx: StreamingContext,
    private readonly removal: Removal,
    private readonly publisher: Publisher,
  ) {}

  /** Handler of `_STAN.discover.<cluster>`. */
  readonly onConnect = (_subject: string, reply: string, payload: Uint8Array): void => {
    if (this.ctx.closing) return;
    let req: ConnectRequestFields;
    try {
      req = decodeConnectRequest(payload);
    } catch {
      this.ctx.log.error('[Client:?] Invalid conn request: ClientID=, Inbox=, err=unexpected EOF');
      return this.connectError(reply, STAN_ERRORS.invalidConnReq);
    }
    // the connID is a view into the read buffer: the registration keeps a copy
    req.connId = Uint8Array.prototype.slice.call(req.connId);
    detach(this.ctx.log, `[Client:${req.clientId}] Connect failed`, this.connect(req, reply));
  };

  private connectError(reply: string, error: string): void {
    if (reply !== '') this.ctx.transport.publish(reply, encodeConnectResponse({ error }));
  }

  private async connect(req: ConnectRequestFields, reply: string): Promise<void> {
    const { ctx } = this;
    const id = req.clientId;
    if (req.heartbeatInbox === '') {
      ctx.log.error(`[Client:?] Invalid conn request: ClientID=${id}, Inbox=, err=<nil>`);
      return this.connectError(reply, STAN_ERRORS.invalidConnReq);
    }
    if (!isValidClientId(id)) {
      ctx.log.error(`[Client:${id}] Invalid ClientID, only alphanumeric and \`-\` or \`_\` characters allowed`);
      return this.connectError(reply, STAN_ERRORS.invalidClientId);
    }
    let replaced = false;
    const existing = ctx.clients.get(id);
    if (existing !== undefined) {
      if (this.checking.has(id) || !(await this.holderIsGone(existing))) {
        if (ctx.debug) ctx.log.debug(`[Client:${id}] Connect failed; already connected`);
        return this.connectError(reply, STAN_ERRORS.clientIdRegistered);
      }
      replaced = true;
    }
    if (ctx.clients.get(id) !== undefined || ctx.closing) {
      // another connect with this ID won the race while we were probing
      if (ctx.debug) ctx.log.debug(`[Client:${id}] Connect failed; already connected`);
      return this.connectError(reply, STAN_ERRORS.clientIdRegistered);
    }
    const info: ClientInfo = {
      id, hbInbox: req.heartbeatInbox, connId: req.connId, protocol: req.protocol,
      pingInterval: req.pingInterval, pingMaxOut: req.pingMaxOut,
    };
    const client = new Client(info, ctx.options.hbInterval);
    ctx.clients.add(client);
    try {
      await ctx.store.addClient(info);
    } catch (err) {
      ctx.clients.remove(client);
      ctx.log.error(`[Client:${id}] Unable to store client: ${(err as Error).message}`);
      return this.connectError(reply, (err as Error).message);
    }
    const i = ctx.info;
    const protocolOne = req.protocol >= 1;
    if (reply !== '') {
      ctx.transport.publish(reply, encodeConnectResponse({
        pubPrefix: i.publish, subRequests: i.subscribe, unsubRequests: i.unsubscribe, closeRequests: i.close,
        subCloseRequests: i.subClose,
        pingRequests: protocolOne ? `${i.discovery}.pings` : '',
        pingInterval: protocolOne ? req.pingInterval : 0,
        pingMaxOut: protocolOne ? req.pingMaxOut : 0,
        protocol: 1,
      }));
    }
    if (ctx.debug) {
      ctx.log.debug(replaced
        ? `[Client:${id}] Replaced old client (Inbox=${info.hbInbox})`
        : `[Client:${id}] Connected (Inbox=${info.hbInbox})`);
    }
  }

  /** Probes the current holder of a client ID; closes it (true) when it does not answer. */
  private async holderIsGone(holder: Client): Promise<boolean> {
    const { ctx } = this;
    const id = holder.id;
    this.checking.add(id);
    try {
      const answer = await ctx.transport.request(holder.hbInbox, EMPTY, ctx.options.dupClientCheckTimeout);
      if (answer !== null && !holder.closed) return false;
      await ctx.lane.run(() => this.closeClient(holder));
      return true;
    } finally {
      this.checking.delete(id);
    }
  }

  /** Handler of the close requests subject. */
  readonly onClose = (subject: string, reply: string, payload: Uint8Array): void => {
    if (this.ctx.closing) return;
    const copy = Uint8Array.prototype.slice.call(payload);
    detach(this.ctx.log, 'Close request failed', this.ctx.lane.run(async () => {
      const { ctx } = this;
      const respond = (error = '') => { if (reply !== '') ctx.transport.publish(reply, encodeCloseResponse(error)); };
      let clientId: string;
      try {
        clientId = decodeCloseRequest(copy).clientId;
      } catch {
        ctx.log.error(`Received invalid close request, subject=${subject}`);
        return respond(STAN_ERRORS.invalidCloseReq);
      }
      await this.publisher.idle();
      const client = ctx.clients.get(clientId);
      if (client === undefined) {
        ctx.log.error(`Unknown client ${JSON.stringify(clientId)} in close request`);
        return respond(STAN_ERRORS.unknownClientId);
      }
      await this.closeClient(client);
      respond();
    }));
  };

  /**
   * Unregisters `client` and ends its subscriptions with close semantics
   * (plain removed, durables offline). Callers run it inside the control lane.
   */
  async closeClient(client: Client): Promise<void> {
    if (client.closed) return;
    const { ctx } = this;
    client.closed = true;
    ctx.clients.remove(client);
    try {
      await ctx.store.deleteClient(client.id);
    } catch (err) {
      ctx.log.error(`[Client:${client.id}] Unable to delete client: ${(err as Error).message}`);
    }
    for (const sub of [...client.subs]) await this.removal.remove(sub, true);
    if (ctx.debug) ctx.log.debug(`[Client:${client.id}] Closed (Inbox=${client.hbInbox})`);
  }

  /** Handler of `_STAN.discover.<cluster>.pings`: clients are found by connection ID only. */
  readonly onPing = (_subject: string, reply: string, payload: Uint8Array): void => {
    if (this.ctx.closing || reply === '' || payload.length === 0) return;
    let connId: Uint8Array;
    try {
      connId = decodePing(payload).connId;
    } catch {
      return;
    }
    const client = this.ctx.clients.getByConnId(connIdKey(connId));
    if (client === undefined) {
      this.ctx.transport.publish(reply, encodePingResponse(STAN_ERRORS.unknownClient));
      return;
    }
    this.ctx.transport.publish(reply, EMPTY);
    // a client that failed heartbeats but pings again gets its heartbeat checked right away
    if (client.hbFailed > 0) client.hbDueAt = Date.now() + 1;
  };
}
