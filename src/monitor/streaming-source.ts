/**
 * The streaming server a monitor shows, turned into a view function. Kept
 * apart from http.ts so that a monitor of core NATS alone does not load the
 * streaming code.
 */
import { StreamingServer } from '../streaming/server.js';
import { streamingView } from './streaming-adapter.js';
import type { StreamingView } from './streaming-view.js';

/**
 * The streaming server to show: the server itself, a ready view, or a function
 * giving the current one (undefined while there is none, e.g. in FT standby).
 */
export type StreamingSource = StreamingServer | StreamingView | (() => StreamingView | StreamingServer | undefined);

export function viewOf(source: StreamingSource): () => StreamingView | undefined {
  if (source instanceof StreamingServer) {
    const view = streamingView(source);
    return () => view;
  }
  if (typeof source === 'function') {
    const cache = new WeakMap<StreamingServer, StreamingView>();
    return () => {
      const s = source();
      if (!(s instanceof StreamingServer)) return s;
      let view = cache.get(s);
      if (view === undefined) cache.set(s, (view = streamingView(s)));
      return view;
    };
  }
  return () => source;
}
