/**
 * What natstream's core NATS server says it is, in INFO, /varz and the
 * banner. It is not a nats-server release: the version is a semver
 * pre-release of the NATS line whose behaviour it reproduces,
 * `2.9.0-natstream.<natstream version>`. Clients parse only the leading
 * `major.minor.patch` (nats.js, nats.go) to gate features, which read 2.9.0;
 * headers and no-responders are negotiated by INFO's `headers` and `proto`.
 */
import { readFileSync } from 'node:fs';

/** The nats-server line whose protocol, errors and monitoring documents natstream follows. */
export const NATS_COMPATIBLE_LINE = '2.9.0';

function readPackageVersion(): string {
  // dist/src/nats/version.js, or the bundled command dist/cli/*.js -> package.json at the package root
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'natstream') return pkg.version ?? '0.0.0';
    } catch {
      // not there
    }
  }
  return '0.0.0';
}

export const NATSTREAM_VERSION = readPackageVersion();

/** INFO `version`, /varz `version`, the banner's Version line. */
export const NATS_SERVER_VERSION = `${NATS_COMPATIBLE_LINE}-natstream.${NATSTREAM_VERSION}`;
