import type { UserPermissions } from './options.js';

/** Compiled publish/subscribe permissions of one user (allow and deny lists of subject patterns). */
export class Permissions {
  private readonly pubCache = new Map<string, boolean>();

  constructor(private readonly spec: UserPermissions) {}

  canPublish(subject: string): boolean {
    const cached = this.pubCache.get(subject);
    if (cached !== undefined) return cached;
    const ok = allowed(this.spec.publish, subject);
    if (this.pubCache.size > 4096) this.pubCache.clear();
    this.pubCache.set(subject, ok);
    return ok;
  }

  canSubscribe(subject: string, _queue: string): boolean {
    return allowed(this.spec.subscribe, subject);
  }
}

function allowed(rule: { allow?: string[]; deny?: string[] } | undefined, subject: string): boolean {
  if (rule === undefined) return true;
  if (rule.allow !== undefined && !rule.allow.some((p) => patternMatches(p, subject))) return false;
  if (rule.deny !== undefined && rule.deny.some((p) => patternMatches(p, subject))) return false;
  return true;
}

/** Does the pattern (with `*` and `>` tokens) match the subject? */
export function patternMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
