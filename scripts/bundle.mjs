/**
 * Bundles the `natstream` command into dist/cli/ with esbuild (run by `npm run build`
 * after tsc): one entry file plus a chunk per dynamically imported part (file and
 * SQL stores, the monitor, the external-NATS transport), so a start loads a few
 * files instead of about two hundred modules. The database drivers and prom-client
 * stay external (loaded from node_modules on demand). bin/natstream.js falls back
 * to dist/src/cli.js when the bundle is absent.
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: old ones would pile up.
rmSync('dist/cli', { recursive: true, force: true });

await build({
  entryPoints: { natstream: 'dist/src/cli.js' },
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['pg', 'mysql2', 'mysql2/*', 'prom-client', 'pg-native'],
  // CommonJS dependencies (nats, nkeys) call require() for Node built-ins.
  banner: { js: "import { createRequire as __natstreamRequire } from 'node:module';\nconst require = __natstreamRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
});
