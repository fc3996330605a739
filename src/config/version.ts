/** natstream's version, and the `-v` line in the Go server's shape. */
import { NATSTREAM_VERSION, NATS_SERVER_VERSION } from '../nats/version.js';

export { NATSTREAM_VERSION };
export const PROGRAM_NAME = 'natstream';

/** Go: `nats-streaming-server version 0.25.6, nats-server: v2.9.24`; here the embedded server's own version. */
export function versionLine(program = PROGRAM_NAME, version = NATSTREAM_VERSION): string {
  return `${program} version ${version}, nats-server: v${NATS_SERVER_VERSION}\n`;
}
