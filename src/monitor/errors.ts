/**
 * Every text the monitoring server answers with besides JSON, as the Go servers
 * word them (nats-server monitor.go, nats-streaming-server server/monitor.go,
 * Go net/http). Used by the handlers and by the tests alike.
 */
import { goQuote } from '../config/go-quote.js';

export const MonitorText = {
  /** Go net/http NotFound body (with its newline). */
  notFound: '404 page not found\n',
  /** Body of a Go `http.Error(w, msg, code)`: the message and a newline. */
  httpError: (msg: string) => msg + '\n',
  invalidSort: (sort: string) => `invalid sorting option: ${sort}`,
  sortByStopNotClosed: 'sort by stop only valid on closed connections',
  sortByReasonNotClosed: 'sort by reason only valid on closed connections',
  invalidTestSubject: (s: string) => `invalid test subject, must be valid publish subject: ${s}`,
  decodeInt: (param: string, value: string, range: boolean) =>
    `Error decoding int for '${param}': strconv.Atoi: parsing ${goQuote(value)}: ${range ? 'value out of range' : 'invalid syntax'}`,
  decodeUint64: (param: string, value: string, range: boolean) =>
    `Error decoding uint64 for '${param}': strconv.ParseUint: parsing ${goQuote(value)}: ${range ? 'value out of range' : 'invalid syntax'}`,
  decodeBool: (param: string, value: string) =>
    `Error decoding boolean for '${param}': strconv.ParseBool: parsing ${goQuote(value)}: invalid syntax`,
  decodeState: (value: string) => `Error decoding state for ${value}`,
  clientNotFound: (id: string) => `Client ${id} not found`,
  channelNotFound: (name: string) => `Channel ${name} not found`,
  /** Start-up failure of `-ms` without a TLS certificate. */
  httpsNeedsTls: 'TLS cert and key required for HTTPS',
} as const;

/** Answers of the dashboard's publish endpoint (natstream's own, no Go counterpart). */
export const DashboardText = {
  publishDisabled: 'publishing from the dashboard is disabled',
  authRequired: 'authentication required',
  notPermitted: (subject: string) => `not permitted to publish to ${subject}`,
  badRequest: 'expected a JSON body {"channel": "...", "message": "..."}',
  invalidChannel: (name: string) => `invalid channel name ${JSON.stringify(name)}`,
  noStreaming: 'no streaming server',
  timeout: 'timeout waiting for the streaming server',
  closeDisabled: 'closing clients from the dashboard is disabled',
  closeBadRequest: 'expected a JSON body {"id": "client ID"}',
  unknownChannel: (name: string) => `channel ${JSON.stringify(name)} not found`,
  badPaging: 'expected channel, and from (a sequence), time (ms since epoch) or last=1',
} as const;
