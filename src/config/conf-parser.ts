/**
 * The NATS configuration file format, as nats-server's `conf` package reads it:
 * `key: value`, `key = value` or `key value`; entries ended by a new line, `,`
 * or `;`; maps `{}` and arrays `[]`; strings double-quoted (with escapes),
 * single-quoted (raw) or bare; integers with size suffixes (`1k`=1000,
 * `1kb`/`1ki`/`1kib`=1024, up to `e`/`eb`); floats; booleans
 * `true|false|yes|no|on|off`; Zulu datetimes; `( ... )` blocks; comments `#`
 * and `//`; `include <file>` (relative to the including file); `$VAR`
 * references to keys defined earlier (innermost map first) or to the
 * environment. A bare value that starts with digits but is not a number
 * (`10s`, `24h`, `250ms`) is a string, while `5m` is the integer 5000000 —
 * exactly as in Go, which is why durations should be quoted.
 *
 * One deliberate difference: a number directly followed by `]` (`[1, 2]`) is
 * an integer here; Go's lexer turns that last element into the string "2".
 *
 * Errors carry Go's wording and the line number: `Parse error on line 3: '...'`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { confErrors } from './errors.js';
import { goOpenError } from './fs-errors.js';
import { ownValue } from '../util/dict.js';

/** A float (Go float64), kept apart from integers (Go int64) for type checks. */
export class ConfFloat {
  constructor(readonly value: number) {}
  toString(): string { return String(this.value); }
}

export type ConfValue = string | number | boolean | Date | ConfFloat | ConfValue[] | ConfMap;
export interface ConfMap { [key: string]: ConfValue }

export class ConfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfError';
  }
}

export interface ConfParseOptions {
  /** Path of the file being parsed; includes are resolved against its directory. */
  file?: string;
  /** Where `$VAR` looks after the file's own keys; defaults to process.env. */
  env?: Record<string, string | undefined>;
}

const MAX_INCLUDE_DEPTH = 32;

export function parseConf(text: string, options: ConfParseOptions = {}): ConfMap {
  return new ConfParser(text, options.file ?? '', options.env ?? process.env, []).parseDocument();
}

export function parseConfFile(path: string, env: Record<string, string | undefined> = process.env): ConfMap {
  return parseFileWithStack(path, env, []);
}

function parseFileWithStack(path: string, env: Record<string, string | undefined>, stack: string[]): ConfMap {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfError(confErrors.openFile(goOpenError(err, path)));
  }
  return new ConfParser(text, path, env, stack).parseDocument();
}

const isNL = (c: string) => c === '\n' || c === '\r';
const isWS = (c: string) => c === ' ' || c === '\t';
const isSpace = (c: string) => c !== '' && /\s/u.test(c);
const isDigit = (c: string) => c >= '0' && c <= '9' && c.length === 1;
const isKeySep = (c: string) => c === '=' || c === ':';
const isSuffixChar = (c: string) => c !== '' && 'kKmMgGtTpPeE'.includes(c);
const isBoolWord = (s: string) => /^(true|false|yes|no|on|off)$/i.test(s);
/** Characters that end a number (Go: new line, EOF, `}`, `;`, `,`, blank, digit; plus `]` here). */
const endsNumber = (c: string) =>
  c === '' || isNL(c) || c === '}' || c === ';' || c === ',' || c === ']' || isWS(c) || isDigit(c);

const SIZE_SUFFIX: Record<string, bigint> = {
  '': 1n,
  k: 1000n, kb: 1024n, ki: 1024n, kib: 1024n,
  m: 1000n ** 2n, mb: 1024n ** 2n, mi: 1024n ** 2n, mib: 1024n ** 2n,
  g: 1000n ** 3n, gb: 1024n ** 3n, gi: 1024n ** 3n, gib: 1024n ** 3n,
  t: 1000n ** 4n, tb: 1024n ** 4n, ti: 1024n ** 4n, tib: 1024n ** 4n,
  p: 1000n ** 5n, pb: 1024n ** 5n, pi: 1024n ** 5n, pib: 1024n ** 5n,
  e: 1000n ** 6n, eb: 1024n ** 6n, ei: 1024n ** 6n, eib: 1024n ** 6n,
};

type Context = ConfMap | ConfValue[];

class ConfParser {
  private pos = 0;
  /** Open maps and arrays, outermost first; `$VAR` searches the maps innermost first. */
  private readonly contexts: Context[] = [];

  constructor(
    private readonly src: string,
    private readonly file: string,
    private readonly env: Record<string, string | undefined>,
    private readonly includeStack: string[],
  ) {}

  parseDocument(): ConfMap {
    const top: ConfMap = Object.create(null);
    this.contexts.push(top);
    for (;;) {
      const c = this.peek();
      if (c === '') break;
      // Braces around the whole file (JSON style) are skipped, as in Go.
      if (isSpace(c) || c === '{' || c === '}') { this.pos++; continue; }
      if (this.atComment()) { this.skipComment(); continue; }
      if (c === '/') this.fail(confErrors.unexpectedEof);
      this.parseEntry(top, 'top');
      this.topValueEnd();
    }
    return top;
  }

  // ---- cursor -------------------------------------------------------------

  private peek(offset = 0): string {
    return this.src.charAt(this.pos + offset);
  }

  private next(): string {
    const c = this.src.charAt(this.pos);
    if (c !== '') this.pos++;
    return c;
  }

  private line(at = this.pos): number {
    let n = 1;
    for (let i = 0; i < at && i < this.src.length; i++) if (this.src.charCodeAt(i) === 10) n++;
    return n;
  }

  private fail(msg: string, at = this.pos): never {
    throw new ConfError(confErrors.parseError(this.line(at), msg));
  }

  private atComment(): boolean {
    const c = this.peek();
    return c === '#' || (c === '/' && this.peek(1) === '/');
  }

  private skipComment(): void {
    while (this.peek() !== '' && !isNL(this.peek())) this.pos++;
  }

  /** Go's messages print a new line as `\n` and EOF as a NUL. */
  private shown(c: string): string {
    if (c === '\n') return '\\n';
    if (c === '') return '\u0000';
    return c;
  }

  // ---- entries ------------------------------------------------------------

  /** One `key [sep] value` (or `include`), stored into `map`. */
  private parseEntry(map: ConfMap, where: 'top' | 'map'): void {
    const keyStart = this.pos;
    const c = this.peek();
    if (isKeySep(c)) {
      this.fail(where === 'top' ? confErrors.keySeparator(c) : confErrors.mapKeySeparator(c));
    }
    let key: string;
    if (c === '"' || c === "'") {
      this.pos++;
      const end = this.src.indexOf(c, this.pos);
      if (end < 0) {
        this.pos = this.src.length;
        this.fail(where === 'top' ? confErrors.unexpectedEof
          : c === '"' ? confErrors.mapDubQuotedKeyEof : confErrors.mapQuotedKeyEof);
      }
      key = this.src.slice(this.pos, end);
      this.pos = end + 1;
    } else {
      while (this.peek() !== '' && !isSpace(this.peek()) && !isKeySep(this.peek())) this.pos++;
      key = this.src.slice(keyStart, this.pos);
      if (this.peek() === '' && where === 'map') this.fail(confErrors.mapKeyEof);
      if (isSpace(this.peek()) && key.toLowerCase() === 'include') {
        this.parseInclude(map);
        return;
      }
    }
    // Between a key and its separator (or value), any blank space, new lines included.
    while (isSpace(this.peek())) this.pos++;
    if (isKeySep(this.peek())) {
      this.pos++;
    } else if (this.peek() === '' || (where === 'map' && this.peek() === '}')) {
      throw new ConfError(confErrors.keyWithoutValue(key, this.line(keyStart)));
    }
    if (where === 'map') {
      // A map value may start on a later line.
      while (isSpace(this.peek())) this.pos++;
      if (this.peek() === ',') this.fail(confErrors.mapValueTerm, this.pos + 1);
      if (this.peek() === '}') throw new ConfError(confErrors.keyWithoutValue(key, this.line(keyStart)));
    }
    map[key] = this.parseValue();
  }

  private topValueEnd(): void {
    for (;;) {
      const c = this.peek();
      if (this.atComment()) { this.skipComment(); return; }
      if (isWS(c) || c === '/') { this.pos++; continue; }
      if (c === '' || isNL(c) || c === ';' || c === ',' || c === '}') { this.next(); return; }
      this.pos++;
      this.fail(confErrors.topValueEnd(this.shown(c)));
    }
  }

  private parseInclude(map: ConfMap): void {
    while (isWS(this.peek())) this.pos++;
    const c = this.next();
    let path: string;
    if (c === "'" || c === '"') {
      const end = this.src.indexOf(c, this.pos);
      if (end < 0) {
        this.pos = this.src.length;
        this.fail(c === '"' ? confErrors.includeDubQuotedEof : confErrors.includeQuotedEof);
      }
      path = this.src.slice(this.pos, end);
      this.pos = end + 1;
    } else {
      if (c === '[') this.fail(confErrors.includeArray);
      if (c === '{') this.fail(confErrors.includeMap);
      if (c === '(') this.fail(confErrors.includeBlock);
      if (isDigit(c) || c === '-') this.fail(confErrors.includeNumber);
      if (c === '\\') this.fail(confErrors.includeEscape);
      if (isNL(c)) this.fail(confErrors.includeNewLine);
      const start = this.pos - (c === '' ? 0 : 1);
      this.pos = start;
      for (;;) {
        const d = this.peek();
        if (d === '' || isNL(d) || d === ';' || d === '}' || isWS(d)) break;
        if (d === "'") { path = this.src.slice(start, this.pos); this.pos++; this.mergeInclude(map, path); return; }
        this.pos++;
      }
      path = this.src.slice(start, this.pos);
    }
    this.mergeInclude(map, path);
  }

  private mergeInclude(map: ConfMap, path: string): void {
    const full = join(this.file ? dirname(this.file) : '.', path);
    const abs = resolve(full);
    // Files being parsed, outermost first: including one of them again would never end.
    const open = this.file ? [...this.includeStack, resolve(this.file)] : this.includeStack;
    if (open.includes(abs) || open.length >= MAX_INCLUDE_DEPTH) {
      throw new ConfError(confErrors.include(path, confErrors.includeCycle(full)));
    }
    let included: ConfMap;
    try {
      included = parseFileWithStack(full, this.env, open);
    } catch (err) {
      throw new ConfError(confErrors.include(path, (err as Error).message));
    }
    for (const k of Object.keys(included)) map[k] = included[k];
  }

  // ---- values -------------------------------------------------------------

  private parseValue(): ConfValue {
    while (isWS(this.peek())) this.pos++;
    const start = this.pos;
    const c = this.next();
    if (c === '[') return this.parseArray();
    if (c === '{') return this.parseMap();
    if (c === "'") return this.parseSingleQuoted();
    if (c === '"') return this.parseDoubleQuoted();
    if (c === '-') return this.parseNegativeNumber(start);
    if (c === '(') return this.parseBlock();
    if (isDigit(c)) return this.parseNumberLike(start);
    if (c === '.') this.fail(confErrors.floatStartDot);
    if (isNL(c)) this.fail(confErrors.valueNewLine);
    this.pos = start;
    return this.parseBareString(start, '');
  }

  private parseArray(): ConfValue[] {
    const arr: ConfValue[] = [];
    this.contexts.push(arr);
    for (;;) {
      // Before a value: blanks, new lines and comments.
      const c = this.peek();
      if (isSpace(c)) { this.pos++; continue; }
      if (this.atComment()) { this.skipComment(); continue; }
      if (c === ',' || c === '/') { this.pos++; this.fail(confErrors.arrayValueTerm); }
      if (c === ']') { this.pos++; break; }
      if (c === '') { this.fail(confErrors.unexpectedEof); }
      arr.push(this.parseValue());
      // After a value: `,` or a new line, or `]`.
      let done = false;
      for (;;) {
        const d = this.peek();
        if (isWS(d)) { this.pos++; continue; }
        if (this.atComment()) { this.skipComment(); continue; }
        if (d === ',' || isNL(d) || d === '/') { this.pos++; break; }
        if (d === ']') { this.pos++; done = true; break; }
        this.pos++;
        this.fail(confErrors.arrayValueEnd(this.shown(d)));
      }
      if (done) break;
    }
    this.contexts.pop();
    return arr;
  }

  private parseMap(): ConfMap {
    const map: ConfMap = Object.create(null);
    this.contexts.push(map);
    for (;;) {
      const c = this.peek();
      if (isKeySep(c)) this.fail(confErrors.mapKeySeparator(c));
      if (c === ']') this.fail(confErrors.mapArrayEnd(c));
      if (isSpace(c)) { this.pos++; continue; }
      if (c === '}') { this.pos++; break; }
      if (this.atComment()) { this.skipComment(); continue; }
      if (c === '') this.fail(confErrors.mapEof);
      this.parseEntry(map, 'map');
      // After a value: `,` `;` or a new line, or `}`.
      let done = false;
      for (;;) {
        const d = this.peek();
        if (isWS(d)) { this.pos++; continue; }
        if (this.atComment()) { this.skipComment(); continue; }
        if (d === ',' || d === ';' || isNL(d) || d === '/') { this.pos++; break; }
        if (d === '}') { this.pos++; done = true; break; }
        if (d === '') this.fail(confErrors.mapEof);
        this.pos++;
        this.fail(confErrors.mapValueEnd(this.shown(d)));
      }
      if (done) break;
    }
    this.contexts.pop();
    return map;
  }

  private parseSingleQuoted(): string {
    const end = this.src.indexOf("'", this.pos);
    if (end < 0) { this.pos = this.src.length; this.fail(confErrors.unexpectedEof); }
    const s = this.src.slice(this.pos, end);
    this.pos = end + 1;
    return s;
  }

  private parseDoubleQuoted(): string {
    let out = '';
    for (;;) {
      const c = this.next();
      if (c === '') this.fail(confErrors.unexpectedEof);
      if (c === '"') return out;
      if (c === '\\') { out += this.parseEscape(); continue; }
      out += c;
    }
  }

  private parseEscape(): string {
    const c = this.next();
    switch (c) {
      case 't': return '\t';
      case 'n': return '\n';
      case 'r': return '\r';
      case '"': return '"';
      case '\\': return '\\';
      case 'x': {
        const a = this.next();
        if (isNL(a)) this.fail(confErrors.hexEol);
        const b = this.next();
        if (isNL(b)) this.fail(confErrors.hexEol);
        const hex = a + b;
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail(confErrors.hexBad(hex));
        return String.fromCharCode(parseInt(hex, 16));
      }
    }
    return this.fail(confErrors.badEscape(this.shown(c)));
  }

  /** A bare word: ends at a new line, EOF, `;`, `,`, `]`, `}` or a blank. */
  private parseBareString(from: number, prefix: string): ConfValue {
    let text = prefix;
    let escaped = false;
    let segment = this.pos;
    for (;;) {
      const c = this.peek();
      if (c === '\\') {
        text += this.src.slice(segment, this.pos);
        this.pos++;
        text += this.parseEscape();
        escaped = true;
        segment = this.pos;
        continue;
      }
      if (c === '' || isNL(c) || c === ';' || c === ',' || c === ']' || c === '}' || isWS(c)) {
        text += this.src.slice(segment, this.pos);
        break;
      }
      if (c === "'") {
        text += this.src.slice(segment, this.pos);
        this.pos++;
        return text;
      }
      this.pos++;
    }
    if (escaped) return text;
    if (isBoolWord(text)) return text.toLowerCase() === 'true' || /^(yes|on)$/i.test(text);
    if (text.startsWith('$')) return this.lookupVariable(text.slice(1), this.line(from));
    return text;
  }

  private parseBlock(): string {
    const start = this.pos;
    for (let i = this.pos; i < this.src.length; i++) {
      if (this.src[i] === ')' && i > start && this.src[i - 1] === '\n'
        && (i + 1 === this.src.length || this.src[i + 1] === '\n')) {
        this.pos = i + 1;
        return this.src.slice(start, i);
      }
    }
    this.pos = this.src.length;
    return this.fail(confErrors.blockEof);
  }

  /** After a first digit: integer, size, float, IP address, datetime, or a word such as `10s`. */
  private parseNumberLike(start: number): ConfValue {
    for (;;) {
      const c = this.peek();
      if (isDigit(c)) { this.pos++; continue; }
      if (c === '-') {
        this.pos++;
        if (this.pos - start !== 5) this.fail(confErrors.dateForm);
        return this.parseDateAfterYear(start);
      }
      if (c === '.') { this.pos++; return this.parseFloatOrIP(start); }
      if (isSuffixChar(c)) {
        this.pos++;
        while ('bBiI'.includes(this.peek()) && this.peek() !== '') this.pos++;
        if (endsNumber(this.peek())) return this.integer(start);
        return this.parseBareString(start, this.src.slice(start, this.pos));
      }
      if (!endsNumber(c)) return this.parseBareString(start, this.src.slice(start, this.pos));
      return this.integer(start);
    }
  }

  private parseNegativeNumber(start: number): ConfValue {
    const first = this.next();
    if (!isDigit(first)) {
      if (first === '.') this.fail(confErrors.negFloatStartDot);
      this.fail(confErrors.expectedDigit(this.shown(first)));
    }
    for (;;) {
      const c = this.peek();
      if (isDigit(c)) { this.pos++; continue; }
      if (c === '.') { this.pos++; return this.parseFloatOrIP(start); }
      if (isSuffixChar(c)) {
        this.pos++;
        while ('bBiI'.includes(this.peek()) && this.peek() !== '') this.pos++;
        if (endsNumber(this.peek())) return this.integer(start);
        return this.parseBareString(start, this.src.slice(start, this.pos));
      }
      return this.integer(start);
    }
  }

  private parseFloatOrIP(start: number): ConfValue {
    const c = this.next();
    if (!isDigit(c)) this.fail(confErrors.floatDigit(this.shown(c)));
    while (isDigit(this.peek())) this.pos++;
    if (this.peek() === '.') {
      this.pos++;
      while (/^[0-9.:-]$/.test(this.peek())) this.pos++;
      return this.src.slice(start, this.pos);
    }
    const text = this.src.slice(start, this.pos);
    const v = Number(text);
    if (!Number.isFinite(v)) throw new ConfError(confErrors.expectedFloat(text));
    return new ConfFloat(v);
  }

  private integer(start: number): number {
    const text = this.src.slice(start, this.pos);
    let digits = 0;
    while (digits < text.length && (isDigit(text[digits]) || text[digits] === '-')) digits++;
    const numStr = text.slice(0, digits);
    if (!/^-?\d+$/.test(numStr)) throw new ConfError(confErrors.expectedInteger(text));
    const n = BigInt(numStr);
    if (n > (1n << 63n) - 1n || n < -(1n << 63n)) throw new ConfError(confErrors.integerRange(text));
    const mult = ownValue(SIZE_SUFFIX, text.slice(digits).trim().toLowerCase());
    if (mult === undefined) throw new ConfError(confErrors.unknownSizeSuffix(text));
    return Number(n * mult);
  }

  private parseDateAfterYear(start: number): Date {
    const form = '00-00T00:00:00Z';
    for (const f of form) {
      const c = this.next();
      if (f === '0') {
        if (!isDigit(c)) this.fail(confErrors.dateDigit(this.shown(c)));
      } else if (c !== f) {
        this.fail(confErrors.dateChar(f, this.shown(c)));
      }
    }
    const text = this.src.slice(start, this.pos);
    const d = new Date(text);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 19) !== text.slice(0, 19)) {
      throw new ConfError(confErrors.expectedDatetime(text));
    }
    return d;
  }

  // ---- variables ----------------------------------------------------------

  private lookupVariable(name: string, line: number): ConfValue {
    // A bare bcrypt hash (`$2a$11$...`) is a value, not a reference.
    if (name.startsWith('2a$')) return '$' + name;
    for (let i = this.contexts.length - 1; i >= 0; i--) {
      const ctx = this.contexts[i];
      if (!Array.isArray(ctx) && Object.prototype.hasOwnProperty.call(ctx, name)) return ctx[name];
    }
    const fromEnv = ownValue(this.env, name);
    if (fromEnv !== undefined) {
      try {
        const m = new ConfParser(`pk=${fromEnv}`, '', this.env, this.includeStack).parseDocument();
        if (Object.prototype.hasOwnProperty.call(m, 'pk')) return m.pk;
      } catch (err) {
        throw new ConfError(confErrors.variableNotParsed(name, line, (err as Error).message));
      }
    }
    throw new ConfError(confErrors.variableNotFound(name, line));
  }
}
