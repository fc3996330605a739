/**
 * Go `flag` package syntax over the flag table: every form, and every error
 * message byte for byte as the Go server prints it (captures/startup-logs.txt §10).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoFlags } from '../../src/config/go-flags.js';
import { lookupFlag, flagTable } from '../../src/config/flag-table.js';

function values(argv: string[]): Array<[string, unknown]> {
  const r = parseGoFlags(argv);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.occurrences.map((o) => [o.name, o.value]);
}

function error(argv: string[]): string {
  const r = parseGoFlags(argv);
  assert.ok(!r.ok, `expected an error for ${argv.join(' ')}`);
  return r.error;
}

test('flags - one or two dashes, separate or attached values', () => {
  const cases: Array<[string[], Array<[string, unknown]>]> = [
    [['-cid', 'x'], [['cid', 'x']]],
    [['--cid', 'x'], [['cid', 'x']]],
    [['-cid=x'], [['cid', 'x']]],
    [['--cluster_id=x'], [['cluster_id', 'x']]],
    [['-cid='], [['cid', '']]],
    [['-cid', 'a=b'], [['cid', 'a=b']]],
    [['-cid=a=b'], [['cid', 'a=b']]],
    [['-store', 'file'], [['store', 'file']]],
    [['-mc', '-1'], [['mc', -1]]],
    [['-ns', '-SD'], [['ns', '-SD']]],
    [['-p', '4222', '-m', '8222'], [['p', 4222], ['m', 8222]]],
  ];
  for (const [argv, want] of cases) assert.deepEqual(values(argv), want, argv.join(' '));
});

test('flags - booleans take a value only after =', () => {
  assert.deepEqual(values(['-SD']), [['SD', true]]);
  assert.deepEqual(values(['--stan_debug']), [['stan_debug', true]]);
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.deepEqual(values([`-SD=${t}`]), [['SD', true]]);
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.deepEqual(values([`-SD=${f}`]), [['SD', false]]);
  // `-SD false`: false is the first positional argument, parsing stops there
  const r = parseGoFlags(['-SD', 'false', '-cid', 'x']);
  assert.ok(r.ok);
  assert.deepEqual(r.args, ['false', '-cid', 'x']);
  assert.equal(r.occurrences.length, 1);
});

test('flags - parsing stops at the first positional argument or after --', () => {
  const a = parseGoFlags(['-cid', 'x', 'foo', '-SD']);
  assert.ok(a.ok);
  assert.deepEqual(a.args, ['foo', '-SD']);
  const b = parseGoFlags(['-SD', '--', '-cid', 'x']);
  assert.ok(b.ok);
  assert.deepEqual(b.args, ['-cid', 'x']);
  const c = parseGoFlags(['-', '-SD']);
  assert.ok(c.ok);
  assert.deepEqual(c.args, ['-', '-SD']);
});

test('flags - names are case-sensitive', () => {
  assert.deepEqual(values(['-SD']), [['SD', true]]);
  assert.deepEqual(values(['-sd', 'dir']), [['sd', 'dir']]);
  assert.deepEqual(values(['-D']), [['D', true]]);
  assert.equal(error(['-d']), 'flag provided but not defined: -d');
  assert.equal(error(['-Cid', 'x']), 'flag provided but not defined: -Cid');
});

test('flags - durations and integers', () => {
  assert.deepEqual(values(['-hbi', '5s', '-hbt', '1m30s', '-ma', '1.5h', '-mi', '0']),
    [['hbi', 5000], ['hbt', 90_000], ['ma', 5_400_000], ['mi', 0]]);
  assert.deepEqual(values(['-hbi', '250ms']), [['hbi', 250]]);
  assert.deepEqual(values(['-mc', '0x10', '-msu', '010', '-mm', '1_000']), [['mc', 16], ['msu', 8], ['mm', 1000]]);
  assert.deepEqual(values(['--file_crc_poly', '3988292384']), [['file_crc_poly', 3988292384]]);
});

test('flags - sizes are kept as typed (checked later, like the Go server)', () => {
  assert.deepEqual(values(['-mb', '1XB']), [['mb', '1XB']]);
});

test('flags - error messages are the Go server\'s', () => {
  // captured from nats-streaming-server 0.25.3
  assert.equal(error(['-xyz']), 'flag provided but not defined: -xyz');
  assert.equal(error(['-hbi', 'abc']), 'invalid value "abc" for flag -hbi: parse error');
  assert.equal(error(['-hbi', '5']), 'invalid value "5" for flag -hbi: parse error');
  assert.equal(error(['--ping_interval', '1s']), 'flag provided but not defined: -ping_interval');
  // Go flag package texts
  assert.equal(error(['-mc', 'ten']), 'invalid value "ten" for flag -mc: parse error');
  assert.equal(error(['-mc', '99999999999999999999']), 'invalid value "99999999999999999999" for flag -mc: value out of range');
  assert.equal(error(['-p', '1__0']), 'invalid value "1__0" for flag -p: parse error');
  assert.equal(error(['-SD=maybe']), 'invalid boolean value "maybe" for -SD: parse error');
  assert.equal(error(['-cid']), 'flag needs an argument: -cid');
  assert.equal(error(['---cid']), 'bad flag syntax: ---cid');
  assert.equal(error(['-=x']), 'bad flag syntax: -=x');
  assert.equal(error(['-cid', 'x', '-nope=1']), 'flag provided but not defined: -nope');
  assert.equal(error(['-hbi', 'a"b']), 'invalid value "a\\"b" for flag -hbi: parse error');
});

test('flag table - every name answers, -x and --x alike', () => {
  for (const f of flagTable) {
    for (const n of f.names) {
      assert.equal(lookupFlag(n), f);
      const arg = f.kind === 'bool' ? [`--${n}`] : [`-${n}`, f.kind === 'duration' ? '1s' : '1'];
      const r = parseGoFlags(arg);
      assert.ok(r.ok, `${n}: ${r.ok ? '' : r.error}`);
      assert.equal(r.occurrences[0].spec, f);
    }
  }
});

test('flag table - every streaming and NATS flag of the spec is there', () => {
  const spec = [
    'cid', 'cluster_id', 'st', 'store', 'dir', 'mc', 'max_channels', 'msu', 'max_subs', 'mm', 'max_msgs',
    'mb', 'max_bytes', 'ma', 'max_age', 'mi', 'max_inactivity', 'ns', 'nats_server', 'sc', 'stan_config',
    'hbi', 'hb_interval', 'hbt', 'hb_timeout', 'hbf', 'hb_fail_count', 'ft_group', 'SD', 'stan_debug',
    'SV', 'stan_trace', 'SDV', 'secure', 'tls_client_cert', 'tls_client_key', 'tls_client_cacert',
    'encrypt', 'encryption_cipher', 'encryption_key', 'replace_durable', 'syslog_name', 'io_batch_size',
    'io_sleep_time', 'file_compact_enabled', 'file_compact_frag', 'file_compact_interval',
    'file_compact_min_size', 'file_buffer_size', 'file_crc', 'file_crc_poly', 'file_sync',
    'file_slice_max_msgs', 'file_slice_max_bytes', 'file_slice_max_age', 'file_slice_archive_script',
    'file_fds_limit', 'file_parallel_recovery', 'file_truncate_bad_eof', 'file_read_buffer_size',
    'file_auto_sync', 'sql_driver', 'sql_source', 'sql_no_caching', 'sql_max_open_conns',
    'sql_bulk_insert_limit', 'clustered', 'cluster_node_id', 'cluster_bootstrap', 'cluster_peers',
    'cluster_log_path', 'cluster_log_cache_size', 'cluster_log_snapshots', 'cluster_trailing_logs',
    'cluster_sync', 'cluster_raft_logging', 'cluster_proceed_on_restore_failure',
    'cluster_allow_add_remove_node',
    'a', 'addr', 'net', 'p', 'port', 'n', 'name', 'server_name', 'client_advertise', 'm', 'http_port',
    'ms', 'https_port', 'c', 'config', 't', 'P', 'pid', 'ports_file_dir', 'l', 'log', 'log_size_limit',
    'T', 'logtime', 'logtime_utc', 's', 'syslog', 'r', 'remote_syslog', 'D', 'debug', 'V', 'trace', 'DV',
    'VV', 'DVV', 'user', 'pass', 'auth', 'tls', 'tlscert', 'tlskey', 'tlscacert', 'tlsverify', 'routes',
    'cluster', 'cluster_listen', 'cluster_advertise', 'no_advertise', 'connect_retries', 'cluster_name',
    'max_traced_msg_len', 'js', 'jetstream', 'sd', 'store_dir', 'profile', 'sl', 'signal', 'h', 'help',
    'help_tls', 'v', 'version',
  ];
  for (const n of spec) assert.ok(lookupFlag(n), `missing flag -${n}`);
});
