/** natstream's version, and the `-v` line in the Go server's shape. */
import { readFileSync } from 'node:fs';
import { NATS_PROTOCOL_VERSION } from '../nats/server.js';

export const PROGRAM_NAME = 'natstream';

function readPackageVersion(): string {
  // dist/src/config/version.js, or the bundle dist/cli/natstream.js -> package.json at the package root
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PROGRAM_NAME) return pkg.version ?? '0.0.0';
    } catch {
      // not there
    }
  }
  return '0.0.0';
}

export const NATSTREAM_VERSION = readPackageVersion();

/** Go: `nats-streaming-server version 0.25.6, nats-server: v2.9.24`. */
export function versionLine(program = PROGRAM_NAME, version = NATSTREAM_VERSION): string {
  return `${program} version ${version}, nats-server: v${NATS_PROTOCOL_VERSION}\n`;
}
