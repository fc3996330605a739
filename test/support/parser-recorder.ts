import { NatsParser, type NatsParserHandler } from '../../src/protocol/nats-parser.js';

export type ParserEvent = [string, ...unknown[]];

/** A parser whose callbacks are recorded as plain tuples (payloads copied: they are views into the read buffer). */
export function parserRecorder(opts: { headers?: boolean; maxControlLine?: number; maxPayload?: number } = {}): { parser: NatsParser; events: ParserEvent[] } {
  const events: ParserEvent[] = [];
  const handler: NatsParserHandler = {
    onConnect: (json) => events.push(['connect', json]),
    onPub: (s, r, p) => events.push(['pub', s, r, Buffer.from(p).toString('latin1')]),
    onHpub: (s, r, h, p) => events.push(['hpub', s, r, h, Buffer.from(p).toString('latin1')]),
    onSub: (s, q, sid) => events.push(['sub', s, q, sid]),
    onUnsub: (sid, max) => events.push(['unsub', sid, max]),
    onPing: () => events.push(['ping']),
    onPong: () => events.push(['pong']),
    onProtocolError: (err) => events.push(['error', err]),
  };
  const parser = new NatsParser(handler, { maxControlLine: opts.maxControlLine ?? 4096, maxPayload: opts.maxPayload ?? 1024 * 1024 });
  parser.headersAllowed = opts.headers ?? false;
  return { parser, events };
}
