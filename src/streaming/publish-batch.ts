/**
 * The publishes stored since the last batch ran, as parallel arrays (no object
 * per message). Two batches alternate: one fills while the other is flushed,
 * delivered and acknowledged.
 */

import type { Msg } from '../protocol/stan-msg.js';
import type { SenderHold } from '../transport/transport.js';
import type { Channel } from './channel.js';

export class PublishBatch {
  length = 0;
  readonly channels: Channel[] = [];
  readonly msgs: Msg[] = [];
  /** NATS reply subject of the PubMsg ('' = no PubAck wanted). */
  readonly replies: string[] = [];
  /** The success PubAck, built on arrival from the guid bytes (empty when there is no reply). */
  readonly acks: Uint8Array[] = [];
  /** PubMsg.clientID, for trace logs. */
  readonly clientIds: string[] = [];
  /** The publisher's connection, held back until the PubAck is sent (pushback). */
  readonly holds: Array<SenderHold | null> = [];

  push(channel: Channel, msg: Msg, reply: string, ack: Uint8Array, clientId: string, hold: SenderHold | null): void {
    const i = this.length++;
    this.channels[i] = channel;
    this.msgs[i] = msg;
    this.replies[i] = reply;
    this.acks[i] = ack;
    this.clientIds[i] = clientId;
    this.holds[i] = hold;
  }

  /** Drops the references so stored messages are not kept alive by a spare batch. */
  clear(): void {
    this.length = 0;
    this.channels.length = 0;
    this.msgs.length = 0;
    this.replies.length = 0;
    this.acks.length = 0;
    this.clientIds.length = 0;
    this.holds.length = 0;
  }
}
