import type { MessageHandler } from '../transport/transport.js';
import type { ClientConnection } from './connection.js';
import type { RouteConnection } from './cluster/route.js';

/**
 * One entry of the subject index: either a client's SUB (conn set) or an
 * internal subscription of the in-process transport (handler set).
 */
export interface Subscription {
  readonly subject: string;
  /** '' for a plain subscription. */
  readonly queue: string;
  readonly sid: string;
  readonly conn: ClientConnection | null;
  readonly handler: MessageHandler | null;
  /** Auto-unsubscribe after this many deliveries; 0 = never. */
  max: number;
  delivered: number;
  closed: boolean;
  /** `MSG <subject> <sid> ` as bytes for the last subject delivered (a client subscription's hot path). */
  msgPrefix?: Buffer;
  msgPrefixSubject?: string;
  /** Set for interest a route announced (RS+): messages for it go over that route. */
  route?: RouteConnection;
  /** A route's queue subscription: how many members the peer has (the RS+ weight). */
  weight?: number;
}
