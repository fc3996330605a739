#!/usr/bin/env node
// The bundle (dist/cli/, made by `npm run build`) loads a few files instead of
// about two hundred modules; it is used only when at least as new as the tsc
// output, so a `tsc`-only rebuild never runs stale code.
import { statSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+: V8 keeps the compiled code of the modules between starts.
module.enableCompileCache?.();

function mtime(rel) {
  try {
    return statSync(new URL(rel, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
}

const bundled = mtime('../dist/cli/natstream.js');
await import(bundled >= 0 && bundled >= mtime('../dist/src/cli.js') ? '../dist/cli/natstream.js' : '../dist/src/cli.js');
