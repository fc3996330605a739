/** Subject rules of nats-server (sublist.go): tokens split on '.', wildcards are whole tokens. */

/** A subscription subject: no empty token, `>` only as the last token. */
export function isValidSubject(subject: string): boolean {
  if (subject.length === 0) return false;
  let tokenStart = 0;
  let sawFwc = false;
  for (let i = 0; i <= subject.length; i++) {
    if (i === subject.length || subject.charCodeAt(i) === 46 /* . */) {
      if (sawFwc) return false;
      const len = i - tokenStart;
      if (len === 0) return false;
      if (len === 1 && subject.charCodeAt(tokenStart) === 62 /* > */) sawFwc = true;
      tokenStart = i + 1;
    } else {
      const c = subject.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13 || c === 10) return false;
    }
  }
  return true;
}

/** A publish subject in pedantic mode: valid and without wildcard tokens. */
export function isValidLiteralSubject(subject: string): boolean {
  if (!isValidSubject(subject)) return false;
  let tokenStart = 0;
  for (let i = 0; i <= subject.length; i++) {
    if (i === subject.length || subject.charCodeAt(i) === 46) {
      if (i - tokenStart === 1) {
        const c = subject.charCodeAt(tokenStart);
        if (c === 42 /* * */ || c === 62 /* > */) return false;
      }
      tokenStart = i + 1;
    }
  }
  return true;
}

export function subjectHasWildcard(subject: string): boolean {
  return !isValidLiteralSubject(subject) && isValidSubject(subject);
}
