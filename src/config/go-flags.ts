/**
 * Go's `flag` package rules over the flag table:
 * - `-x` and `--x` are the same flag; names are case-sensitive;
 * - a value follows as the next argument or after `=` (`-x v`, `-x=v`), even
 *   when it starts with a dash (`-mc -1`);
 * - a boolean takes a value only after `=` (`-SD`, `-SD=false`);
 * - parsing stops at the first argument that is not a flag (or after `--`);
 * - the first error ends parsing, worded as Go words it.
 */
import { flagErrors } from './errors.js';
import { lookupFlag, type FlagSpec } from './flag-table.js';
import { parseGoBool, parseGoDurationMs, parseGoInt } from './go-values.js';

export type FlagValue = boolean | number | string;

export interface FlagOccurrence {
  spec: FlagSpec;
  /** The name as given (without dashes). */
  name: string;
  value: FlagValue;
}

export type FlagParseResult =
  | { ok: true; occurrences: FlagOccurrence[]; args: string[] }
  | { ok: false; error: string };

export function parseGoFlags(argv: readonly string[], lookup = lookupFlag): FlagParseResult {
  const occurrences: FlagOccurrence[] = [];
  let i = 0;
  while (i < argv.length) {
    const s = argv[i];
    if (s.length < 2 || s[0] !== '-') break;
    let dashes = 1;
    if (s[1] === '-') {
      dashes = 2;
      if (s.length === 2) { i++; break; }
    }
    let name = s.slice(dashes);
    if (name.length === 0 || name[0] === '-' || name[0] === '=') {
      return { ok: false, error: flagErrors.badSyntax(s) };
    }
    i++;
    let value = '';
    let hasValue = false;
    const eq = name.indexOf('=', 1);
    if (eq > 0) {
      value = name.slice(eq + 1);
      hasValue = true;
      name = name.slice(0, eq);
    }
    const spec = lookup(name);
    if (!spec) return { ok: false, error: flagErrors.notDefined(name) };
    if (spec.kind === 'bool') {
      if (!hasValue) {
        occurrences.push({ spec, name, value: true });
        continue;
      }
      const b = parseGoBool(value);
      if (b === null) return { ok: false, error: flagErrors.invalidBool(value, name) };
      occurrences.push({ spec, name, value: b });
      continue;
    }
    if (!hasValue && i < argv.length) {
      value = argv[i++];
      hasValue = true;
    }
    if (!hasValue) return { ok: false, error: flagErrors.needsArgument(name) };
    const parsed = parseValue(spec, value);
    if (typeof parsed === 'object') return { ok: false, error: flagErrors.invalidValue(value, name, parsed.reason) };
    occurrences.push({ spec, name, value: parsed });
  }
  return { ok: true, occurrences, args: argv.slice(i) };
}

function parseValue(spec: FlagSpec, raw: string): FlagValue | { reason: string } {
  switch (spec.kind) {
    case 'int':
    case 'int64': {
      const r = parseGoInt(raw);
      return r.ok ? r.value : { reason: r.error };
    }
    case 'duration': {
      // Go's flag package reports any duration error as a plain "parse error".
      const r = parseGoDurationMs(raw);
      return r.ok ? r.value : { reason: flagErrors.parseError };
    }
    default:
      // strings, and sizes (checked later, as the Go server does)
      return raw;
  }
}
