import { ownValue } from '../util/dict.js';

/** Go's wording for a file that cannot be opened: `open <path>: no such file or directory`. */
const WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
};

export function goOpenError(err: unknown, path: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  const word = code ? ownValue(WORDS, code) : undefined;
  if (word) return `open ${path}: ${word}`;
  return (err as Error).message;
}
