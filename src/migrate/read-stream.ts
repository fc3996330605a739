/**
 * Reads every STAN message of a channel's stream once, in order (placeholders
 * skipped), through an ordered consumer: the migration's verification reads the
 * target this way rather than one request per message.
 */

import type { JetStreamClient, JetStreamManager } from 'nats';

import type { Msg } from '../protocol/stan-msg.js';
import { ackNanos } from '../stores/jetstream/follower.js';
import { HDR_PLACEHOLDER, msgFromStream } from '../stores/jetstream/msg-codec.js';

export async function readStream(
  js: JetStreamClient, jsm: JetStreamManager, stream: string, channel: string, onMsg: (m: Msg) => void,
): Promise<void> {
  const st = (await jsm.streams.info(stream)).state;
  if (st.messages === 0) return;
  const consumer = await js.consumers.get(stream, { opt_start_seq: st.first_seq });
  const iter = await consumer.consume({ max_messages: 4096 });
  try {
    for await (const m of iter) {
      if (!m.headers?.has(HDR_PLACEHOLDER)) onMsg(msgFromStream(channel, m.seq, m.data, m.headers, ackNanos(m)));
      if (m.seq >= st.last_seq) break;
    }
  } finally {
    iter.stop();
  }
}
