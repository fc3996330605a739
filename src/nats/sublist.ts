import type { Subscription } from './subscription.js';

/** Matches for one subject, shaped for fan-out: plain subscriptions, and one array per queue group. */
export interface MatchResult {
  readonly psubs: readonly Subscription[];
  readonly qsubs: readonly (readonly Subscription[])[];
}

const EMPTY: MatchResult = { psubs: [], qsubs: [] };
const DEFAULT_CACHE_SIZE = 1024;

class Node {
  next: Level | null = null;
  psubs: Subscription[] = [];
  /** queue name -> members */
  qsubs: Map<string, Subscription[]> | null = null;

  isEmpty(): boolean {
    return this.psubs.length === 0 && (this.qsubs === null || this.qsubs.size === 0) && (this.next === null || this.next.isEmpty());
  }
}

class Level {
  nodes = new Map<string, Node>();
  pwc: Node | null = null;
  fwc: Node | null = null;

  isEmpty(): boolean {
    return this.nodes.size === 0 && this.pwc === null && this.fwc === null;
  }
}

/**
 * The subject index: a tree with one level per token, `*` and `>` as their own
 * branches, and a bounded cache of match results that any insert or removal
 * clears. Results are fresh arrays, so a caller may iterate one while
 * subscriptions change underneath.
 */
export class Sublist {
  private readonly root = new Level();
  private readonly cache = new Map<string, MatchResult>();
  private count = 0;
  private readonly cacheSize: number;
  matches = 0;
  cacheHits = 0;
  inserts = 0;
  removes = 0;
  /** Told of every insert and removal (the cluster propagates local interest to routes); null when nobody listens. */
  observer: ((sub: Subscription, added: boolean) => void) | null = null;

  constructor(cacheSize = DEFAULT_CACHE_SIZE) {
    this.cacheSize = cacheSize;
  }

  /** Number of subscriptions held. */
  get size(): number {
    return this.count;
  }

  get cacheEntries(): number {
    return this.cache.size;
  }

  /**
   * Fan-out of the cached results, for /subsz: the largest and the mean number
   * of receivers (plain subscriptions plus queue groups) per cached subject.
   */
  cacheFanout(): { max: number; avg: number } {
    let total = 0;
    let max = 0;
    for (const r of this.cache.values()) {
      const n = r.psubs.length + r.qsubs.length;
      total += n;
      if (n > max) max = n;
    }
    return { max, avg: total > 0 ? total / this.cache.size : 0 };
  }

  /** The subject must already be valid (isValidSubject). */
  insert(sub: Subscription): void {
    const tokens = sub.subject.split('.');
    let level = this.root;
    let node: Node | null = null;
    for (const t of tokens) {
      if (t === '*') node = level.pwc ??= new Node();
      else if (t === '>') node = level.fwc ??= new Node();
      else {
        node = level.nodes.get(t) ?? null;
        if (node === null) {
          node = new Node();
          level.nodes.set(t, node);
        }
      }
      level = node.next ??= new Level();
    }
    if (node === null) return;
    if (sub.queue === '') node.psubs.push(sub);
    else {
      const groups = (node.qsubs ??= new Map());
      const members = groups.get(sub.queue);
      if (members) members.push(sub);
      else groups.set(sub.queue, [sub]);
    }
    this.count++;
    this.inserts++;
    this.cache.clear();
    if (this.observer !== null) this.observer(sub, true);
  }

  remove(sub: Subscription): boolean {
    const tokens = sub.subject.split('.');
    const path: Array<[Level, string, Node]> = [];
    let level: Level | null = this.root;
    let node: Node | null = null;
    for (const t of tokens) {
      if (level === null) return false;
      node = t === '*' ? level.pwc : t === '>' ? level.fwc : level.nodes.get(t) ?? null;
      if (node === null) return false;
      path.push([level, t, node]);
      level = node.next;
    }
    if (node === null || !removeFromNode(node, sub)) return false;
    // Prune empty branches so the tree does not keep every subject ever seen.
    for (let i = path.length - 1; i >= 0; i--) {
      const [lvl, t, n] = path[i];
      if (n.next !== null && n.next.isEmpty()) n.next = null;
      if (!n.isEmpty()) break;
      if (t === '*') lvl.pwc = null;
      else if (t === '>') lvl.fwc = null;
      else lvl.nodes.delete(t);
    }
    this.count--;
    this.removes++;
    this.cache.clear();
    if (this.observer !== null) this.observer(sub, false);
    return true;
  }

  match(subject: string): MatchResult {
    this.matches++;
    const cached = this.cache.get(subject);
    if (cached !== undefined) {
      this.cacheHits++;
      return cached;
    }
    const psubs: Subscription[] = [];
    const qsubs: Subscription[][] = [];
    matchLevel(this.root, subject.split('.'), 0, psubs, qsubs);
    const result = psubs.length === 0 && qsubs.length === 0 ? EMPTY : { psubs, qsubs };
    if (this.cache.size >= this.cacheSize) {
      // Drop the oldest entry: Map iterates in insertion order.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(subject, result);
    return result;
  }

  /** Every subscription, for monitoring. */
  all(): Subscription[] {
    const out: Subscription[] = [];
    collect(this.root, out);
    return out;
  }
}

function removeFromNode(node: Node, sub: Subscription): boolean {
  if (sub.queue === '') {
    const i = node.psubs.indexOf(sub);
    if (i < 0) return false;
    node.psubs.splice(i, 1);
    return true;
  }
  const members = node.qsubs?.get(sub.queue);
  if (!members) return false;
  const i = members.indexOf(sub);
  if (i < 0) return false;
  members.splice(i, 1);
  if (members.length === 0) node.qsubs!.delete(sub.queue);
  return true;
}

function addNode(node: Node, psubs: Subscription[], qsubs: Subscription[][]): void {
  for (const s of node.psubs) psubs.push(s);
  if (node.qsubs !== null) for (const members of node.qsubs.values()) qsubs.push(members.slice());
}

/**
 * Walks the tree token by token; at each level the `>` branch first, then the
 * `*` branch, then the literal one — the order nats-server delivers in.
 */
function matchLevel(start: Level, tokens: string[], from: number, psubs: Subscription[], qsubs: Subscription[][]): void {
  let level: Level | null = start;
  let pwc: Node | null = null;
  let node: Node | null = null;
  for (let i = from; i < tokens.length; i++) {
    if (level === null) return;
    if (level.fwc !== null) addNode(level.fwc, psubs, qsubs);
    pwc = level.pwc;
    if (pwc !== null && pwc.next !== null) matchLevel(pwc.next, tokens, i + 1, psubs, qsubs);
    node = level.nodes.get(tokens[i]) ?? null;
    level = node === null ? null : node.next;
  }
  if (node !== null) addNode(node, psubs, qsubs);
  if (pwc !== null) addNode(pwc, psubs, qsubs);
}

function collect(level: Level, out: Subscription[]): void {
  const visit = (n: Node) => {
    out.push(...n.psubs);
    if (n.qsubs) for (const m of n.qsubs.values()) out.push(...m);
    if (n.next) collect(n.next, out);
  };
  for (const n of level.nodes.values()) visit(n);
  if (level.pwc) visit(level.pwc);
  if (level.fwc) visit(level.fwc);
}
