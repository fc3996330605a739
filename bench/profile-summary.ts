/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from `run.js --profile DIR`):
 * the functions with the most self time and with the most total time, and
 * self time per file.
 *
 *   node dist/bench/profile-summary.js DIR/CPU.*.cpuprofile [--top N] [--filter TEXT]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(f: CallFrame): string {
  const file = f.url === '' ? '' : f.url.replace(/^file:\/\//, '');
  const short = file.includes('/dist/') ? file.slice(file.indexOf('/dist/') + 6) : file.includes('node_modules') ? file.slice(file.indexOf('node_modules')) : path.basename(file);
  return short === '' ? '' : `${short}:${f.lineNumber + 1}`;
}

function label(f: CallFrame): string {
  const name = f.functionName === '' ? '(anonymous)' : f.functionName;
  const at = where(f);
  return at === '' ? name : `${name} ${at}`;
}

function main(): void {
  const args = process.argv.slice(2);
  let top = 25;
  let filter = '';
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--top') top = Number(args[++i]);
    else if (args[i] === '--filter') filter = args[++i];
    else files.push(args[i]);
  }
  if (files.length === 0) {
    console.error('usage: node dist/bench/profile-summary.js PROFILE.cpuprofile [--top N] [--filter TEXT]');
    process.exit(2);
  }
  for (const file of files) summarise(file, top, filter);
}

function summarise(file: string, top: number, filter: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const selfMicros = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + dt);
  });
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const perFile = new Map<string, number>();
  for (const [id, t] of selfMicros) {
    const node = byId.get(id)!;
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + t);
    const f = where(node.callFrame).replace(/:\d+$/, '') || node.callFrame.functionName;
    perFile.set(f, (perFile.get(f) ?? 0) + t);
    // Count each function once per stack, however deep its recursion.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(byId.get(cur)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + t);
    }
  }
  const show = (title: string, m: Map<string, number>): void => {
    console.log(`\n${title}`);
    const rows = [...m].filter(([k]) => filter === '' || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [k, t] of rows) console.log(`${((100 * t) / total).toFixed(1).padStart(6)} %  ${(t / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  };
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
  show('self time by function', self);
  show('total time by function', inclusive);
  show('self time by file', perFile);
}

main();
