/**
 * Bundles natstream with esbuild (run by `npm run build` after tsc):
 * - dist/cli/: the `natstream` command that bin/natstream.js starts;
 * - dist/lib/: the package's entry (`import { startServer } from 'natstream'`).
 * Each is one entry file plus a chunk per dynamically imported part (file and SQL
 * stores, the monitor, the external-NATS transport), so a start or an import loads
 * a few files instead of about a hundred modules. The database drivers and
 * prom-client stay external (loaded from node_modules on demand). bin/natstream.js
 * falls back to dist/src/cli.js when the bundle is absent or older than the tsc output.
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const common = {
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
};

for (const [outdir, entryPoints] of [['dist/cli', { natstream: 'dist/src/cli.js' }], ['dist/lib', { index: 'dist/src/index.js' }]]) {
  // Chunk names carry content hashes: old ones would pile up.
  rmSync(outdir, { recursive: true, force: true });
  await build({ ...common, outdir, entryPoints });
}
