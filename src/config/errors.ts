/**
 * Every message the command line and configuration layer prints, worded as the
 * Go server words it (Go's `flag` package, nats-server's `conf` package,
 * nats-streaming-server's option checks). Code and tests both use this table.
 */
import { goQuote } from './go-quote.js';

export const flagErrors = {
  notDefined: (name: string) => `flag provided but not defined: -${name}`,
  invalidValue: (value: string, name: string, reason: string) =>
    `invalid value ${goQuote(value)} for flag -${name}: ${reason}`,
  invalidBool: (value: string, name: string) =>
    `invalid boolean value ${goQuote(value)} for -${name}: parse error`,
  needsArgument: (name: string) => `flag needs an argument: -${name}`,
  badSyntax: (arg: string) => `bad flag syntax: ${arg}`,
  unrecognizedCommand: (arg: string) => `unrecognized command: ${goQuote(arg)}`,
  notASize: (name: string, shown: string) => `${name} should be a size, got '${shown}'`,
  parseError: 'parse error',
  outOfRange: 'value out of range',
} as const;

export const durationErrors = {
  invalid: (orig: string) => `time: invalid duration ${goQuote(orig)}`,
  missingUnit: (orig: string) => `time: missing unit in duration ${goQuote(orig)}`,
  unknownUnit: (unit: string, orig: string) =>
    `time: unknown unit ${goQuote(unit)} in duration ${goQuote(orig)}`,
} as const;

/** nats-server `conf` package messages (lexer messages are wrapped by `parseError`). */
export const confErrors = {
  parseError: (line: number, msg: string) => `Parse error on line ${line}: '${msg}'`,
  openFile: (detail: string) => `error opening config file: ${detail}`,
  include: (file: string, err: string) => `error parsing include file '${file}', ${err}`,
  variableNotFound: (name: string, line: number) =>
    `variable reference for '${name}' on line ${line} can not be found`,
  variableNotParsed: (name: string, line: number, err: string) =>
    `variable reference for '${name}' on line ${line} could not be parsed: ${err}`,
  integerRange: (v: string) => `integer '${v}' is out of the range`,
  expectedInteger: (v: string) => `expected integer, but got '${v}'`,
  expectedFloat: (v: string) => `expected float, but got '${v}'`,
  expectedDatetime: (v: string) => `expected Zulu formatted DateTime, but got '${v}'`,
  unknownSizeSuffix: (v: string) => `expected integer, but got '${v}'`,
  // lexer
  unexpectedEof: 'Unexpected EOF.',
  topValueEnd: (c: string) =>
    `Expected a top-level value to end with a new line, comment or EOF, but got '${c}' instead.`,
  keySeparator: (c: string) => `Unexpected key separator '${c}'`,
  mapKeySeparator: (c: string) => `Unexpected key separator '${c}'.`,
  mapArrayEnd: (c: string) => `Unexpected array end '${c}' processing map.`,
  mapEof: 'Unexpected EOF processing map.',
  mapKeyEof: 'Unexpected EOF processing map key.',
  mapQuotedKeyEof: 'Unexpected EOF processing quoted map key.',
  mapDubQuotedKeyEof: 'Unexpected EOF processing double quoted map key.',
  mapValueTerm: `Unexpected map value terminator ','.`,
  mapValueEnd: (c: string) =>
    `Expected a map value terminator ',' or a map terminator '}', but got '${c}' instead.`,
  arrayValueTerm: `Unexpected array value terminator ','.`,
  arrayValueEnd: (c: string) =>
    `Expected an array value terminator ',' or an array terminator ']', but got '${c}' instead.`,
  valueNewLine: 'Expected value but found new line',
  floatStartDot: 'Floats must start with a digit',
  negFloatStartDot: `Floats must start with a digit, not '.'.`,
  expectedDigit: (c: string) => `Expected a digit but got '${c}'.`,
  floatDigit: (c: string) => `Floats must have a digit after the '.', but got '${c}' instead.`,
  dateForm: 'All ISO8601 dates must be in full Zulu form.',
  dateDigit: (c: string) => `Expected digit in ISO8601 datetime, but found '${c}' instead.`,
  dateChar: (f: string, c: string) => `Expected '${f}' in ISO8601 datetime, but found '${c}' instead.`,
  badEscape: (c: string) =>
    `Invalid escape character '${c}'. Only the following escape characters are allowed: \\xXX, \\t, \\n, \\r, \\", \\\\.`,
  hexEol: `Expected two hexadecimal digits after '\\x', but hit end of line`,
  hexBad: (s: string) => `Expected two hexadecimal digits after '\\x', but got '${s}'`,
  blockEof: 'Unexpected EOF processing block.',
  includeArray: 'Expected include value but found start of an array',
  includeMap: 'Expected include value but found start of a map',
  includeBlock: 'Expected include value but found start of a block',
  includeNumber: 'Expected include value but found start of a number',
  includeEscape: 'Expected include value but found escape sequence',
  includeNewLine: 'Expected include value but found new line',
  includeQuotedEof: 'Unexpected EOF in quoted include',
  includeDubQuotedEof: 'Unexpected EOF in double quoted include',
  includeCycle: (file: string) => `include cycle detected at '${file}'`,
  keyWithoutValue: (key: string, line: number) => `config is invalid: key '${key}' without a value on line ${line}`,
} as const;

/** Option-mapping messages (nats-streaming-server `server/conf.go`, nats-server `opts.go`). */
export const optionErrors = {
  typeMismatch: (key: string, want: string, got: string) =>
    `parameter ${goQuote(key)} value is expected to be ${want}, got ${got}`,
  expectedMap: (what: string, v: string) => `expected ${what} to be a map/struct, got ${v}`,
  unknownStoreType: (v: string) => `unknown store type: ${v}`,
  invalidChannelName: (n: string) => `invalid channel name ${goQuote(n)}`,
  listenAddress: (v: string) => `could not parse address string ${goQuote(v)}`,
  listenPort: (v: string) => `could not parse port ${goQuote(v)}`,
  userEntry: 'User entry requires a user and a password',
  singleAndUsers: 'can not have a single user/pass and a users array',
  nkeyUserInvalid: 'Not a valid public nkey for a user',
  nkeyUserWithPassword: 'Nkey users do not take usernames or passwords',
  operatorJwt: (why: string) => `error parsing operator JWT: ${why}`,
  operatorNeedsResolver: 'operators require an account resolver to be configured',
  operatorWithUsers: 'operators do not allow users to be configured directly',
  resolverUnsupported: (v: string) => `natstream: account resolver ${v} is not supported, only MEMORY (with resolver_preload)`,
  preloadNotJwt: (key: string) => `resolver preload of ${goQuote(key)} must be a JWT string`,
  usersArray: (v: string) => `Expected users field to be an array, got ${v}`,
  userMap: (v: string) => `Expected user entry to be a map/struct, got ${v}`,
  permissionsMap: (v: string) => `Expected user permissions to be a map/struct, got ${v}`,
  unknownPermissionField: (k: string) => `Unknown field ${k} parsing permissions`,
  subjectPermissions: (v: string) =>
    `Expected subject permissions to be a subject, or array of subjects, got ${v}`,
  tlsUnknownField: (k: string) => `error parsing tls config, unknown field [${goQuote(k)}]`,
  tlsFilename: (k: string) => `error parsing tls config, expected '${k}' to be filename`,
  tlsVerifyBool: `error parsing tls config, expected 'verify' to be a boolean`,
  // from the command line
  tlsCertMissing: 'TLS Server certificate must be present and valid',
  tlsKeyMissing: 'TLS Server private key must be present and valid',
  routesNeedCluster: 'solicited routes require cluster capabilities, e.g. --cluster',
  routesArray: (v: string) => `error parsing cluster routes: expected an array of URLs, got ${v}`,
  clusterUrl: (v: string) => `error parsing cluster URL ${goQuote(v)}`,
  checkConfigNeedsFile: 'must specify [-c, --config] option to check configuration file syntax',
  invalidSignal: (extra: string) => `invalid signal parameters: ${extra}`,
  unknownSignal: (cmd: string) => `unknown signal ${goQuote(cmd)}`,
  signalNeedsPid: 'natstream: -sl/--signal needs a process: <signal>=<pid or pid file>',
} as const;

/**
 * Start-up checks of the streaming server (spec §5): logged `[FTL] STREAM: Failed to start: <msg>`.
 * The limit checks (`max channels limit cannot be negative (-1)`, ...) live with the limits,
 * in src/stores/limits.ts.
 */
export const startupErrors = {
  fileStoreDir: 'for FILE stores, root directory must be specified',
  unsupportedStoreType: (upper: string) => `unsupported store type: ${upper}`,
  ftMemory: 'ft: only FILE or SQL stores supported in FT mode',
  clusteringMemory: 'stan: clustering mode not supported with MEMORY store type',
  partitioningClustering: 'stan: channels partitioning in clustering mode is not supported',
  encryptionKey: 'encryption key required',
  encryptionCipher: 'encryption cipher not supported',
} as const;
