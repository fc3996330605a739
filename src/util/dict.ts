/**
 * Dictionaries keyed by data from outside (CONNECT keys, config keys, channel
 * names, query parameters). A plain `{}` answers `toString`, `constructor` or
 * `__proto__` from Object.prototype, and `obj['__proto__'] = x` replaces its
 * prototype: one such key once ended the whole process. These objects have no
 * prototype, so only the keys put in them answer.
 */
export function dict<T>(entries?: Readonly<Record<string, T>>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  if (entries !== undefined) for (const key of Object.keys(entries)) out[key] = entries[key]!;
  return out;
}

/** `table[key]` for a table that may have a prototype (process.env, parsed JSON). */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
