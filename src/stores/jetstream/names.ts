/**
 * Names on the JetStream side (docs/jetstream.md §Mapping). Stream names, KV bucket
 * names and KV key tokens may not contain `.`, `*`, `>`, whitespace or path
 * separators, channel names and cluster IDs may: they are written with a
 * reversible escape. Bytes of [A-Za-z0-9-] stay as they are; every other UTF-8
 * byte becomes `_XX` (two upper-case hex digits), so `_` itself is `_5F`,
 * `foo.bar` is `foo_2Ebar`, and `_` is always followed by two hex digits
 * (which makes `__` a safe separator).
 */

const KEEP = /^[A-Za-z0-9-]$/;

export function encodeName(name: string): string {
  let out = '';
  for (const b of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && KEEP.test(c) ? c : '_' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** The inverse of `encodeName`; undefined when `enc` is not an encoding. */
export function decodeName(enc: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < enc.length; i++) {
    const c = enc[i];
    if (c === '_') {
      const hex = enc.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (KEEP.test(c)) {
      bytes.push(c.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  const name = Buffer.from(bytes).toString('utf8');
  return encodeName(name) === enc ? name : undefined;
}

/** `STAN__<cluster>__`: every stream of one cluster ID starts with this. */
export function streamPrefix(clusterId: string): string {
  return `STAN__${encodeName(clusterId)}__`;
}

export function streamName(clusterId: string, channel: string): string {
  return streamPrefix(clusterId) + encodeName(channel);
}

/** The channel of a stream name of this cluster, undefined for any other stream. */
export function channelOfStream(clusterId: string, stream: string): string | undefined {
  const prefix = streamPrefix(clusterId);
  return stream.startsWith(prefix) ? decodeName(stream.slice(prefix.length)) : undefined;
}

/** The KV bucket of clients, subscriptions and server info. */
export function bucketName(clusterId: string): string {
  return `STAN_${encodeName(clusterId)}`;
}

/** The subject of the messages of `channel`: `<prefix>.<channel>`. */
export function channelSubject(prefix: string, channel: string): string {
  return `${prefix}.${channel}`;
}
