/**
 * docs/flags.md, generated from the flag table (`npm run gen:flags`); a test
 * fails when the file and the table disagree.
 */
import { flagTable, usageSections, type FlagSpec } from './flag-table.js';

const KIND_WORD: Record<FlagSpec['kind'], string> = {
  bool: 'bool',
  string: 'string',
  int: 'int',
  int64: 'int',
  duration: 'duration',
  size: 'size',
};

/** Short names (up to three letters) with one dash, long ones with two; both forms work. */
function names(f: FlagSpec): string {
  return f.names.map((n) => (n.length <= 3 ? `\`-${n}\`` : `\`--${n}\``)).join(', ');
}

function support(f: FlagSpec): string {
  const base = f.support === 'yes' ? 'yes' : f.support === 'ignored' ? 'accepted, no effect' : 'refused at start';
  return f.note ? `${base}: ${f.note}` : base;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function row(f: FlagSpec, description: string): string {
  const def = f.default === '' ? '' : `\`${f.default}\``;
  const text = description.split('nats-streaming-server').join('natstream');
  return `| ${names(f)} | ${KIND_WORD[f.kind]} | ${def} | ${cell(text)} | ${cell(support(f))} |`;
}

const HEADER = '| Flag | Value | Default | Description | natstream |\n|---|---|---|---|---|';

export function renderFlagDocs(): string {
  const out: string[] = [];
  out.push(`<!-- Generated from src/config/flag-table.ts by \`npm run gen:flags\`. Do not edit. -->

# natstream command-line flags

natstream takes the command line of the Go \`nats-streaming-server\` (0.25), flag for flag:
the streaming flags and those of the embedded NATS server. The syntax is Go's \`flag\` package:

- \`-x\` and \`--x\` are the same flag; names are case-sensitive (\`-SD\` is streaming debug, \`-sd\` is not).
- A value follows as the next argument or after \`=\`: \`-cid ticketing\`, \`--cluster_id=ticketing\`, \`-mc -1\`.
- A boolean is true when named, and takes a value only after \`=\`: \`-SD\`, \`-SD=false\`, \`--file_sync=false\`
  (\`-SD false\` makes \`false\` a positional argument, which is an error).
- Parsing stops at the first argument that is not a flag, or after \`--\`. The only positional words
  are \`version\` and \`help\`.
- Durations use Go's syntax: \`5s\`, \`1m30s\`, \`250ms\`, \`1.5h\`, \`24h\` (units \`ns\`, \`us\`, \`ms\`, \`s\`, \`m\`, \`h\`; no \`d\`).
  \`0\` alone is accepted.
- Sizes are integers with an optional, case-insensitive suffix: \`k\`, \`m\`, \`g\`, \`t\`, \`p\`, \`e\` are powers
  of 1000; \`kb\`/\`ki\`/\`kib\`, \`mb\`/\`mi\`/\`mib\`, ... are powers of 1024 (\`-mb 1GB\` = 1073741824, \`-mb 1g\` = 1000000000).
- Integers take Go's forms too: \`0x1f\`, \`0o17\`, \`017\` (octal), \`1_000\`.
- Precedence: built-in defaults, then the configuration files (\`-c\`, \`-sc\`), then the flags.

Errors and exit statuses are the Go server's, with one deliberate difference:

| input | output | exit status |
|---|---|---|
| \`-h\`, \`--help\`, \`help\` | the usage text on stdout | 0 |
| \`-v\`, \`--version\`, \`version\` | \`natstream version X, nats-server: vY\` on stdout | 0 |
| unknown flag (\`-xyz\`) | \`flag provided but not defined: -xyz\` on stderr, the usage on stdout | **2** (the Go binary exits 0, which hides a typo in a deployment) |
| bad value (\`-hbi 5\`) | \`invalid value "5" for flag -hbi: parse error\` on stderr, the usage on stdout | **2** (Go: 0) |
| positional argument (\`foo\`, \`-SD false\`) | \`unrecognized command: "foo"\` on stderr | 1 |
| bad size (\`-mb 1XB\`) | \`mb should be a size, got '1XB'\` on stderr | 1 |
| bad configuration file | the parser's message, e.g. \`Parse error on line 3: '...'\` | 1 |
| start-up failure | \`[FTL] STREAM: Failed to start: <reason>\` in the log | 1 |
| SIGINT | graceful shutdown | 0 |
| SIGTERM | graceful shutdown | 143 |

Signals: SIGUSR1 reopens the \`-l\` log file; SIGHUP re-reads the files and flags and applies the NATS
debug/trace switches (other changes are reported and not applied). \`-sl <signal>=<pid>\` sends
\`stop\` (SIGKILL), \`quit\` (SIGINT), \`reopen\` (SIGUSR1), \`reload\` (SIGHUP), \`ldm\` (SIGUSR2) or
\`term\` (SIGTERM) to a running server; \`<pid>\` may be a PID file.

The last column says what natstream does with each flag: _yes_; _accepted, no effect_ (for Go
features natstream has no use for); _refused at start_ (a Go feature natstream does not run; the
server stops with \`[FTL] STREAM: Failed to start: natstream: ... is not supported\`).
`);
  for (const section of usageSections) {
    const flags = flagTable.filter((f) => f.usage?.section === section.id);
    out.push(`## ${section.title.replace(/:$/, '')}\n\n${HEADER}`);
    for (const f of flags) out.push(row(f, f.usage!.help.join(' ')));
    out.push('');
  }
  out.push(`## Accepted but not listed by \`--help\`\n\nThe Go server accepts these too without listing them (except the one marked natstream only).\n\n${HEADER}`);
  for (const f of flagTable.filter((x) => !x.usage)) out.push(row(f, f.doc ?? ''));
  out.push('');
  return out.join('\n');
}
