/**
 * The `-ERR` texts of nats-server 2.9 for client connections, exactly as sent
 * between the quotes. Code and tests use this one table.
 */
export const NatsErr = {
  unknownOp: 'Unknown Protocol Operation',
  maxControlLine: 'maximum control line exceeded',
  maxPayload: 'Maximum Payload Violation',
  authViolation: 'Authorization Violation',
  authTimeout: 'Authentication Timeout',
  authExpired: 'User Authentication Expired',
  invalidProtocol: 'invalid client protocol',
  noRespondersNeedHeaders: 'no responders requires headers support',
  staleConnection: 'Stale Connection',
  maxConnections: 'maximum connections exceeded',
  tlsRequired: 'Secure Connection - TLS Required',
  invalidSubject: 'Invalid Subject',
  maxSubscriptions: 'maximum subscriptions exceeded',
  invalidPublishSubject: 'Invalid Publish Subject',
  /** natstream's own: a fault in the server while handling this connection's input (nats-server would panic). */
  internalError: 'Internal Server Error',
} as const;

export const permissionsViolationPublish = (subject: string) =>
  `Permissions Violation for Publish to "${subject}"`;
export const permissionsViolationSubscribe = (subject: string, queue?: string) =>
  queue
    ? `Permissions Violation for Subscription to "${subject}" using queue "${queue}"`
    : `Permissions Violation for Subscription to "${subject}"`;

/** `-ERR '<text>'\r\n` */
export function errLine(text: string): string {
  return `-ERR '${text}'\r\n`;
}
