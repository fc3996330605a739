/** /subsz (alias /subscriptionsz): subject index statistics and, on request, the subscriptions. */
import type { NatsServer } from '../nats/server.js';
import { isValidLiteralSubject } from '../protocol/subject.js';
import { patternMatches } from '../nats/permissions.js';
import { MonitorText } from './errors.js';
import type { GoJsonValue } from './go-json.js';
import { formatGoTime } from './go-time.js';
import { BadQuery, DEFAULT_LIST_LIMIT, Query, decodeBool, decodeInt, pageBounds } from './query.js';

export interface SubszOptions {
  subs: boolean;
  offset: number;
  limit: number;
  /** A literal subject: only subscriptions a message on it would reach. */
  test: string;
  acc: string;
}

/** Decodes the query (Go counts the request before decoding, unlike /connz). */
export function parseSubszQuery(q: Query): SubszOptions {
  const subs = decodeBool(q, 'subs');
  const offset = decodeInt(q, 'offset');
  const limit = decodeInt(q, 'limit');
  return { subs, offset, limit, test: q.get('test'), acc: q.get('acc') };
}

/** The statistics object alone, as Go writes it when no subscription is listed. */
export function sublistStats(core: NatsServer): Record<string, number> {
  const sl = core.sublist;
  const fanout = sl.cacheFanout();
  return {
    num_subscriptions: sl.size,
    num_cache: sl.cacheEntries,
    num_inserts: sl.inserts,
    num_removes: sl.removes,
    num_matches: sl.matches,
    cache_hit_rate: sl.matches > 0 ? sl.cacheHits / sl.matches : 0,
    max_fanout: fanout.max,
    avg_fanout: fanout.avg,
  };
}

export function buildSubsz(core: NatsServer, opts: SubszOptions, now: number): GoJsonValue {
  if (opts.test !== '' && !isValidLiteralSubject(opts.test)) {
    throw new BadQuery(MonitorText.invalidTestSubject(opts.test));
  }
  const offset = Math.max(0, opts.offset);
  const limit = opts.limit > 0 ? opts.limit : DEFAULT_LIST_LIMIT;
  // Every subscription is in the global account; $SYS and unknown accounts hold none.
  const inAccount = opts.acc === '' || opts.acc === '$G';
  const stats = inAccount ? sublistStats(core) : emptyStats();
  if (!opts.subs || !inAccount) return stats;

  let subs = core.sublist.all();
  if (opts.test !== '') subs = subs.filter((s) => patternMatches(s.subject, opts.test));
  const [min, max] = pageBounds(offset, limit, subs.length);
  const page = subs.slice(min, max);
  if (page.length === 0) return stats;
  return {
    server_id: core.serverId,
    now: formatGoTime(now),
    ...stats,
    // nats-server reports the size of the returned page here.
    total: page.length,
    offset,
    limit,
    subscriptions_list: page.map((s) => ({
      account: '$G',
      subject: s.subject,
      qgroup: s.queue || undefined,
      sid: s.sid,
      msgs: s.delivered,
      max: s.max > 0 ? s.max : undefined,
      // Subscriptions of the in-process streaming transport belong to no client connection;
      // a route's interest shows the route's id, as in nats-server.
      cid: s.conn?.cid ?? s.route?.rid ?? 0,
    })),
  };
}

function emptyStats(): Record<string, number> {
  return { num_subscriptions: 0, num_cache: 0, num_inserts: 0, num_removes: 0, num_matches: 0, cache_hit_rate: 0, max_fanout: 0, avg_fanout: 0 };
}
