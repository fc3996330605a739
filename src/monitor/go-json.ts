/**
 * JSON as Go's encoding/json writes it, so monitoring bodies match the Go
 * server byte for byte: `MarshalIndent(v, "", "  ")` layout, `<`, `>`, `&`,
 * U+2028 and U+2029 escaped as \u00XX / \u20XX, control characters other
 * than \n \r \t as \u00XX, and map keys sorted.
 *
 * Values: plain objects keep their key order (Go struct field order) and skip
 * `undefined` members (omitempty is decided by the document builders); a `Map`
 * is a Go map and is written with its keys sorted as strings (a plain object
 * would put integer-like keys first).
 */

export type GoJsonValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | GoJsonValue[]
  | ReadonlyMap<string, GoJsonValue>
  | { readonly [key: string]: GoJsonValue };

/** `json.MarshalIndent(v, "", "  ")`: no trailing newline. */
export function goJsonIndent(value: GoJsonValue): string {
  return encode(value, '\n', '  ');
}

/** `json.Marshal(v)`: compact. */
export function goJsonCompact(value: GoJsonValue): string {
  return encode(value, '', '');
}

function encode(value: GoJsonValue, newline: string, indent: string): string {
  const parts: string[] = [];
  write(parts, value, newline, indent, newline);
  return parts.join('');
}

function write(out: string[], v: GoJsonValue, nl: string, indent: string, pad: string): void {
  if (v === null || v === undefined) {
    out.push('null');
  } else if (typeof v === 'string') {
    out.push(quote(v));
  } else if (typeof v === 'number') {
    out.push(Number.isFinite(v) ? String(v) : '0');
  } else if (typeof v === 'boolean') {
    out.push(v ? 'true' : 'false');
  } else if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push('[]');
      return;
    }
    const inner = pad + indent;
    out.push('[');
    for (let i = 0; i < v.length; i++) {
      out.push(i === 0 ? inner : ',' + inner);
      write(out, v[i], nl, indent, inner);
    }
    out.push(pad, ']');
  } else {
    const entries: Array<[string, GoJsonValue]> = [];
    if (v instanceof Map) {
      const keys = [...v.keys()].sort(compareStrings);
      for (const k of keys) entries.push([k, v.get(k)]);
    } else {
      for (const k of Object.keys(v)) {
        const member = (v as { readonly [key: string]: GoJsonValue })[k];
        if (member !== undefined) entries.push([k, member]);
      }
    }
    if (entries.length === 0) {
      out.push('{}');
      return;
    }
    const inner = pad + indent;
    const colon = nl === '' ? ':' : ': ';
    out.push('{');
    for (let i = 0; i < entries.length; i++) {
      out.push(i === 0 ? inner : ',' + inner, quote(entries[i][0]), colon);
      write(out, entries[i][1], nl, indent, inner);
    }
    out.push(pad, '}');
  }
}

/** Go sorts map keys by their UTF-8 bytes; for UTF-16 strings code point order gives the same result. */
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ca = [...a];
  const cb = [...b];
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i].codePointAt(0)!;
    const y = cb[i].codePointAt(0)!;
    if (x !== y) return x - y;
  }
  return ca.length - cb.length;
}

const NEEDS_ESCAPE = /["\\\x00-\x1f<>&\u2028\u2029\ud800-\udfff]/;

function quote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i] + s[i + 1];
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is invalid UTF-8 on the Go side: it becomes U+FFFD.
      out += '\ufffd';
      continue;
    }
    switch (c) {
      case 0x22: out += '\\"'; continue;
      case 0x5c: out += '\\\\'; continue;
      case 0x0a: out += '\\n'; continue;
      case 0x0d: out += '\\r'; continue;
      case 0x09: out += '\\t'; continue;
    }
    if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else {
      out += s[i];
    }
  }
  return out + '"';
}
