/**
 * The JSON arrays of sequences in SubsPending.pending / .acks (`[12,13,14]`), as
 * the Go server writes them with encoding/json.
 */
export function encodeSeqs(seqs: readonly number[]): Buffer {
  return Buffer.from('[' + seqs.join(',') + ']', 'latin1');
}

export function decodeSeqs(data: Uint8Array | null): number[] {
  if (data === null || data.length === 0) return [];
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1').trim();
  if (text === 'null') return [];
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new SyntaxError('SubsPending: not a JSON array of sequences');
  return parsed.map((v) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new SyntaxError('SubsPending: bad sequence');
    return v;
  });
}
