/**
 * Channel name rules (spec streaming-protocol.md §9.1): non-empty, no empty
 * token (leading/trailing `.` or `..`), no `*` or `>` anywhere, no `/`
 * (channel names become directory names in the file store).
 */
export function isValidChannelName(name: string): boolean {
  const n = name.length;
  if (n === 0) return false;
  let prevDot = true; // a leading '.' is an empty token
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) { // '.'
      if (prevDot) return false;
      prevDot = true;
      continue;
    }
    if (c === 0x2a || c === 0x3e || c === 0x2f) return false; // '*', '>', '/'
    prevDot = false;
  }
  return !prevDot;
}

/** Client IDs: `^[a-zA-Z0-9_-]+$`. */
export function isValidClientId(id: string): boolean {
  const n = id.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = id.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f;
    if (!ok) return false;
  }
  return true;
}
