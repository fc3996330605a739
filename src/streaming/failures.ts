/**
 * Errors raised while handling one client's request stay with that request:
 * they are logged with their stack and the server goes on. An exception
 * thrown into the transport would reach the publishing client's connection
 * (or, for an unawaited promise, end the process as an unhandled rejection).
 */
import type { MessageHandler } from '../transport/transport.js';
import type { Logger } from '../util/logger.js';

export function logFailure(log: Logger, what: string, err: unknown): void {
  log.error(`${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
}

/** Starts work nobody awaits; a failure is logged instead of becoming an unhandled rejection. */
export function detach(log: Logger, what: string, work: Promise<unknown>): void {
  work.catch((err: unknown) => logFailure(log, what, err));
}

/** `handler`, with its exceptions logged rather than thrown into the transport. */
export function guarded(log: Logger, what: string, handler: MessageHandler): MessageHandler {
  return (subject, reply, payload) => {
    try {
      handler(subject, reply, payload);
    } catch (err) {
      logFailure(log, `${what} (subject ${subject})`, err);
    }
  };
}
