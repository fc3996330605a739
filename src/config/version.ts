/** natstream's version, and the `-v` line in the Go server's shape. */
import { readFileSync } from 'node:fs';
import { NATS_PROTOCOL_VERSION } from '../nats/server.js';

export const PROGRAM_NAME = 'natstream';

function readPackageVersion(): string {
  try {
    // dist/src/config/version.js -> package.json at the package root
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const NATSTREAM_VERSION = readPackageVersion();

/** Go: `nats-streaming-server version 0.25.6, nats-server: v2.9.24`. */
export function versionLine(program = PROGRAM_NAME, version = NATSTREAM_VERSION): string {
  return `${program} version ${version}, nats-server: v${NATS_PROTOCOL_VERSION}\n`;
}
