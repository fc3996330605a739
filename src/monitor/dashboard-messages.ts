/**
 * The message browser's endpoint: `GET /dashboard/messages?channel=C` with
 * `from=<seq>`, `time=<ms since epoch>` (the first message stored then or
 * later) or `last=1` (the last page), and `limit` (1..500, default 50). The
 * data goes as base64; the browser shows it as JSON, text or hex.
 */
import type { GoJsonValue } from './go-json.js';
import type { StreamingView } from './streaming-view.js';
import { DashboardText } from './errors.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

export class BrowseError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function browseMessages(view: StreamingView, q: URLSearchParams): Promise<GoJsonValue> {
  const name = q.get('channel') ?? '';
  const ch = view.channel(name);
  if (ch === undefined) throw new BrowseError(404, DashboardText.unknownChannel(name));
  if (ch.readMessages === undefined || ch.sequenceAt === undefined) throw new BrowseError(404, DashboardText.noStreaming);
  const limit = clamp(Number(q.get('limit') ?? DEFAULT_LIMIT), 1, MAX_LIMIT);
  const first = ch.firstSeq;
  const last = ch.lastSeq;
  let from: number;
  if (q.get('last') === '1') from = Math.max(first, last - limit + 1);
  else if (q.has('time')) {
    const ms = Number(q.get('time'));
    if (!Number.isFinite(ms)) throw new BrowseError(400, DashboardText.badPaging);
    from = await ch.sequenceAt(ms);
  } else if (q.has('from')) {
    from = Number(q.get('from'));
    if (!Number.isSafeInteger(from)) throw new BrowseError(400, DashboardText.badPaging);
  } else from = first;
  from = Math.max(from, first, 1);
  const msgs = from > last ? [] : await ch.readMessages(from, limit);
  const prefix = view.deadLetterPrefix ?? '';
  return {
    channel: name,
    first_seq: first,
    last_seq: last,
    from,
    dead_letters: prefix !== '' && name.startsWith(`${prefix}.`),
    messages: msgs.map((m) => ({
      seq: m.sequence,
      time: new Date(Number(m.timestamp / 1_000_000n)).toISOString(),
      timestamp: m.timestamp.toString(),
      reply: m.reply || undefined,
      size: m.data.length,
      data: Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('base64'),
    })),
  };
}

function clamp(n: number, lo: number, hi: number): number {
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.trunc(n))) : lo;
}
