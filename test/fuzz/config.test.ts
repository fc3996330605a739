/**
 * The configuration file path, in process: generated NATS config text (known
 * keys of both servers, inherited names such as `toString` and `__proto__`,
 * random keys; every value type of the format, nested blocks, variables),
 * sometimes with bytes mutated. Parsing and applying it to the settings may
 * only fail with the config errors the server prints (ConfError, ConfigError);
 * the whole command line (`-c file`, `-sc file`) must always return a result.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfError, parseConf } from '../../src/config/conf-parser.js';
import { ConfigError, applyNatsConfig, applyStreamingConfig } from '../../src/config/load-config.js';
import { parseCommandLine } from '../../src/config/options.js';
import { emptySettings } from '../../src/config/settings.js';
import { fuzzParams, keyArb } from './fuzz-env.js';

const KEYS = [
  'port', 'host', 'listen', 'http', 'http_port', 'monitor_port', 'debug', 'trace', 'logtime', 'log_file', 'max_payload',
  'max_pending', 'max_connections', 'max_control_line', 'ping_interval', 'ping_max', 'write_deadline', 'authorization',
  'user', 'password', 'token', 'users', 'permissions', 'publish', 'subscribe', 'allow_responses', 'tls', 'cert_file',
  'key_file', 'ca_file', 'verify', 'timeout', 'cluster', 'streaming', 'id', 'cluster_id', 'store', 'dir', 'sd', 'sv',
  'store_limits', 'max_channels', 'max_msgs', 'max_bytes', 'max_age', 'max_subs', 'max_inactivity', 'channels',
  'file_options', 'buffer_size', 'compact', 'compact_frag', 'crc', 'crc_poly', 'sync', 'slice_max_msgs', 'slice_max_age',
  'fds_limit', 'parallel_recovery', 'sql_options', 'driver', 'source', 'no_caching', 'max_open_conns', 'hb_interval',
  'hb_timeout', 'hb_fail_count', 'ft_group', 'partitioning', 'encrypt', 'nats_server_url', 'credentials', 'username',
  'replace_durable', 'default_permissions', 'pid_file', 'ports_file_dir', 'syslog', 'server_name',
];

const scalarArb: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.tuple(fc.nat({ max: 5000 }), fc.constantFrom('k', 'kb', 'KiB', 'm', 'MB', 'g', 'gb', 'T', 'e', 'eb', 'P')).map(([n, u]) => `${n}${u}`),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.constantFrom('true', 'false', 'yes', 'no', 'on', 'off', '2026-12-04T16:00:00Z', '"1h"', '"10s"', '"-5m"', '"bogus"', '$X', '$port', '$toString', "'raw'",
    '"FILE"', '"MEMORY"', '"SQL"', '"postgres"', '"0xEDB88320"', '""', '"\\u0041\\t"', '"\\x"', '-1', '9999999999999999999999'),
  fc.string({ maxLength: 10 }).map((s) => JSON.stringify(s)),
  fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_.-]{0,8}$/),
);

const sepArb = fc.constantFrom(': ', ' = ', ' ', ':', '=');
const endArb = fc.constantFrom('\n', ',\n', ';\n', '\n# c\n', '\n// c\n', ' ');

const { value: valueArb } = fc.letrec<{ value: string; map: string; array: string }>((tie) => ({
  value: fc.oneof({ maxDepth: 3, depthIdentifier: 'conf' }, scalarArb, scalarArb, tie('map'), tie('array')),
  map: fc.array(fc.tuple(keyArb(KEYS), sepArb, tie('value'), endArb), { maxLength: 4, depthIdentifier: 'conf' })
    .map((es) => `{\n${es.map(([k, s, v, e]) => `${k}${s}${v}${e}`).join('')}}`),
  array: fc.array(tie('value'), { maxLength: 4, depthIdentifier: 'conf' }).map((vs) => `[${vs.join(', ')}]`),
}));

const documentArb = fc.array(fc.tuple(keyArb(KEYS), sepArb, valueArb, endArb), { maxLength: 8 })
  .map((es) => es.map(([k, s, v, e]) => `${k}${s}${v}${e}`).join(''));

const mutatedArb = fc.tuple(documentArb, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 127 })), { maxLength: 3 })).map(([doc, muts]) => {
  const b = Buffer.from(doc, 'utf8');
  for (const [at, x] of muts) if (b.length > 0) b[at % b.length] = x;
  return b.toString('utf8');
});

const anyDocArb = fc.oneof({ weight: 3, arbitrary: documentArb }, { weight: 2, arbitrary: mutatedArb },
  { weight: 1, arbitrary: fc.nat({ max: 3000 }).map((n) => `a: ${'['.repeat(n)}`) });

/** A failure the server reports as a configuration error; anything else is a bug. */
function expectedFailure(e: unknown): boolean {
  return e instanceof ConfError || e instanceof ConfigError;
}

describe('fuzz: configuration files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natstream-fuzz-conf-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parsing and applying a config fails only with config errors', () => {
    fc.assert(fc.property(anyDocArb, (text) => {
      let conf;
      try {
        conf = parseConf(text, { env: { X: '5' } });
      } catch (e) {
        assert.ok(expectedFailure(e), `parseConf threw ${(e as Error).stack}`);
        return;
      }
      for (const apply of [applyNatsConfig, applyStreamingConfig]) {
        try {
          apply(conf, emptySettings());
        } catch (e) {
          assert.ok(expectedFailure(e), `${apply.name} threw ${(e as Error).stack}`);
        }
      }
    }), fuzzParams(400));
  });

  it('the command line with -c / -sc on such a file always returns a result', () => {
    const file = path.join(dir, 'fuzz.conf');
    fc.assert(fc.property(anyDocArb, fc.constantFrom('-c', '-sc'), (text, flag) => {
      fs.writeFileSync(file, text);
      const r = parseCommandLine([flag, file], { env: {} });
      assert.ok(['run', 'error', 'checked'].includes(r.kind), r.kind);
      if (r.kind === 'error') assert.doesNotMatch(r.stderr, /is not (a function|iterable)|Cannot read prop|Cannot convert|Maximum call stack/, r.stderr);
    }), fuzzParams(200));
  });
});
