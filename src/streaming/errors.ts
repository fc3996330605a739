/**
 * The one table of error strings the streaming server sends to clients
 * (spec streaming-protocol.md §12). Store errors (too many channels, too many
 * subscriptions per channel, ...) come from STORE_ERRORS in src/stores/store.ts.
 */

export const STAN_ERRORS = {
  invalidConnReq: 'stan: invalid connection request',
  invalidClientId: 'stan: invalid clientID: only alphanumeric and `-` or `_` characters allowed',
  clientIdRegistered: 'stan: clientID already registered',
  invalidPubReq: 'stan: invalid publish request',
  channelBeingDeleted: 'stan: channel is being deleted',
  invalidSubReq: 'stan: invalid subscription request',
  missingClientId: 'stan: clientID missing',
  invalidAckWait: 'stan: invalid ack wait time, should be >= 1s',
  invalidMaxInflight: 'stan: invalid MaxInflight, should be >= 1',
  invalidStartPosition: 'stan: invalid start position',
  invalidSubject: 'stan: invalid subject',
  unknownClientId: 'stan: unknown clientID',
  durableQueueColon: "stan: durable name of a durable queue subscriber can't contain the character ':'",
  duplicateDurable: 'stan: duplicate durable registration',
  invalidUnsubReq: 'stan: invalid unsubscribe request',
  unknownChannel: 'stan: unknown channel',
  invalidSub: 'stan: invalid subscription',
  invalidCloseReq: 'stan: invalid close request',
  unknownClient: 'client has been replaced or is no longer registered',
} as const;

/** The case-conflict error on channel creation (the typo "alreay" is the real server's). */
export function channelCaseConflict(newName: string, existing: string): string {
  return `rejecting channel ${JSON.stringify(newName)} because channel ${JSON.stringify(existing)} alreay exists (different cases not allowed)`;
}
