/**
 * parseCommandLine: what the command does for each kind of command line, with
 * the Go server's outputs and exit statuses, and the option objects it builds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, type CommandLine, type NatstreamOptions } from '../../src/config/options.js';
import { renderUsage } from '../../src/config/usage.js';
import { checkStartup, unsupportedErrors } from '../../src/config/startup-checks.js';

function run(argv: string[], env: Record<string, string> = {}): NatstreamOptions {
  const r = parseCommandLine(argv, { env });
  assert.equal(r.kind, 'run', JSON.stringify(r));
  return (r as Extract<CommandLine, { kind: 'run' }>).options;
}

function failure(argv: string[]): Extract<CommandLine, { kind: 'error' }> {
  const r = parseCommandLine(argv, { env: {} });
  assert.equal(r.kind, 'error', JSON.stringify(r));
  return r as Extract<CommandLine, { kind: 'error' }>;
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'natstream-config-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('command line - the seed\'s Kubernetes arguments', () => {
  const o = run(['-p', '4222', '-m', '8222', '-hbi', '5s', '-hbt', '5s', '-hbf', '2', '-SD', '-cid', 'ticketing']);
  assert.deepEqual(o.core, { port: 4222 });
  assert.deepEqual(o.monitor, { port: 8222 });
  assert.deepEqual(o.streaming, { clusterId: 'ticketing', hbInterval: 5000, hbTimeout: 5000, hbFailCount: 2, debug: true });
  assert.equal(o.log.streamDebug, true);
  assert.equal(o.log.debug, false);
  assert.equal(o.log.logtime, true);
  assert.equal(checkStartup(o, {}), undefined);
});

test('command line - no flags: defaults everywhere (core NATS on 0.0.0.0:4222 plus streaming)', () => {
  const o = run([]);
  assert.deepEqual(o.core, {});
  assert.deepEqual(o.streaming, {});
  assert.deepEqual(o.monitor, {});
  assert.deepEqual(o.store, { file: {}, sql: {} });
  assert.deepEqual(o.log, {
    debug: false, trace: false, traceVerbose: false, streamDebug: false, streamTrace: false,
    logtime: true, logtimeUTC: false, syslog: false,
  });
});

test('command line - help and version on stdout, exit 0', () => {
  for (const argv of [['-h'], ['--help'], ['help'], ['HELP'], ['-cid', 'x', 'help']]) {
    assert.deepEqual(parseCommandLine(argv), { kind: 'help', text: renderUsage() }, argv.join(' '));
  }
  for (const argv of [['-v'], ['--version'], ['version'], ['-v', 'foo']]) {
    const r = parseCommandLine(argv);
    assert.equal(r.kind, 'version', argv.join(' '));
    assert.match((r as { text: string }).text, /^natstream version \d+\.\d+\.\d+, nats-server: v2\.9\.0-natstream\.\d+\.\d+\.\d+\n$/);
  }
  const tls = parseCommandLine(['--help_tls']);
  assert.equal(tls.kind, 'help');
  assert.match((tls as { text: string }).text, /tls \{/);
});

test('command line - flag errors: Go\'s line on stderr, usage on stdout, exit 2', () => {
  const cases: Array<[string[], string]> = [
    [['-xyz'], 'flag provided but not defined: -xyz\n'],
    [['-hbi', 'abc'], 'invalid value "abc" for flag -hbi: parse error\n'],
    [['-hbi', '5'], 'invalid value "5" for flag -hbi: parse error\n'],
    [['--ping_interval', '1s'], 'flag provided but not defined: -ping_interval\n'],
  ];
  for (const [argv, stderr] of cases) {
    const e = failure(argv);
    assert.equal(e.stderr, stderr);
    assert.equal(e.stdout, renderUsage());
    assert.equal(e.exitCode, 2);
  }
});

test('command line - positional arguments and bad sizes: message alone, exit 1', () => {
  const cases: Array<[string[], string]> = [
    [['foo'], 'unrecognized command: "foo"\n'],
    [['-SD', 'false'], 'unrecognized command: "false"\n'],
    [['-mb', '1XB', '-a', '127.0.0.1', '-p', '24222'], "mb should be a size, got '1XB'\n"],
    [['--file_buffer_size', '2XB'], "file_buffer_size should be a size, got '2XB'\n"],
    [['--tls'], 'TLS Server certificate must be present and valid\n'],
    [['--tlscert', 'c.pem'], 'TLS Server private key must be present and valid\n'],
    [['--routes', 'nats://h:6222'], 'solicited routes require cluster capabilities, e.g. --cluster\n'],
    [['-t'], 'must specify [-c, --config] option to check configuration file syntax\n'],
  ];
  for (const [argv, stderr] of cases) {
    const e = failure(argv);
    assert.equal(e.stderr, stderr, argv.join(' '));
    assert.equal(e.stdout, '');
    assert.equal(e.exitCode, 1);
  }
});

test('command line - sizes, last value wins; Go resolves -mb after --max_bytes', () => {
  assert.equal(run(['-mb', '1GB']).streaming.limits?.maxBytes, 1024 ** 3);
  assert.equal(run(['-mb', '1GB', '-mb', '1g']).streaming.limits?.maxBytes, 1e9);
  assert.equal(run(['-mb', '5', '--max_bytes', '7']).streaming.limits?.maxBytes, 5);
  const o = run(['--file_buffer_size', '1MB', '--file_slice_max_bytes', '2kb', '--file_compact_min_size', '3k',
    '--file_read_buffer_size', '0']);
  assert.deepEqual(o.store.file, { bufferSize: 1 << 20, sliceMaxBytes: 2048, compactMinFileSize: 3000, readBufferSize: 0 });
});

test('command line - debug/trace combinations are resolved after the other flags', () => {
  const a = run(['-SDV', '-SD=false']);
  assert.equal(a.log.streamDebug, true);
  assert.equal(a.log.streamTrace, true);
  const b = run(['-SD', '-SV', '-SDV=false']);
  assert.equal(b.log.streamDebug, false);
  assert.equal(b.log.streamTrace, false);
  const c = run(['-DV']);
  assert.equal(c.log.debug, true);
  assert.equal(c.log.trace, true);
  assert.equal(c.log.streamDebug, false);
  assert.equal(run(['-T=false']).log.logtime, false);
});

test('command line - core options: port 0 is the default port, -1 a random one', () => {
  assert.deepEqual(run(['-p', '0']).core, {});
  assert.deepEqual(run(['-p', '-1']).core, { port: -1 });
  assert.deepEqual(run(['-a', '127.0.0.1', '--user', 'u', '--pass', 'p']).core,
    { host: '127.0.0.1', user: 'u', pass: 'p' });
  assert.deepEqual(run(['--auth', 's3cr3t']).core, { authToken: 's3cr3t' });
  assert.deepEqual(run(['--tls', '--tlscert', 'c.pem', '--tlskey', 'k.pem']).core,
    { tls: { cert: 'c.pem', key: 'k.pem', verify: false } });
  assert.deepEqual(run(['--tlsverify', '--tlscert', 'c.pem', '--tlskey', 'k.pem', '--tlscacert', 'ca.pem']).core,
    { tls: { cert: 'c.pem', key: 'k.pem', ca: 'ca.pem', verify: true } });
  assert.deepEqual(run(['--tls=false', '--tlscert', 'c.pem']).core, {});
});

test('command line - store selection and the internal connection', () => {
  const o = run(['-store', 'file', '-dir', 'datastore', '--file_sync=false', '--file_auto_sync', '5s']);
  assert.deepEqual(o.store, { type: 'FILE', dir: 'datastore', file: { sync: false, autoSync: 5000 }, sql: {} });
  const q = run(['-st', 'sql', '--sql_driver', 'postgres', '--sql_source', 'dbname=nss', '--sql_no_caching',
    '--sql_max_open_conns', '5', '--sql_bulk_insert_limit', '100', '--sql_create_schema']);
  assert.deepEqual(q.store.sql, { driver: 'postgres', source: 'dbname=nss', noCaching: true, maxOpenConns: 5,
    bulkInsertLimit: 100, createSchema: true });
  const c = run(['-ns', 'nats://a:4222,nats://b:4222', '--user', 'u', '--pass', 'p', '-secure']);
  assert.deepEqual(c.connection, { natsServerUrl: 'nats://a:4222,nats://b:4222', secure: true, user: 'u', pass: 'p' });
});

test('command line - -sl sends a signal to a PID or the PID in a file', () => {
  assert.deepEqual(parseCommandLine(['-sl', 'reload=123']), { kind: 'signal', signal: 'SIGHUP', pid: 123 });
  assert.deepEqual(parseCommandLine(['--signal', 'quit=7']), { kind: 'signal', signal: 'SIGINT', pid: 7 });
  withDir((dir) => {
    const pidFile = join(dir, 'natstream.pid');
    writeFileSync(pidFile, '4242\n');
    assert.deepEqual(parseCommandLine(['-sl', `reopen=${pidFile}`]), { kind: 'signal', signal: 'SIGUSR1', pid: 4242 });
  });
  assert.equal(failure(['-sl', 'bogus=1']).stderr, 'unknown signal "bogus"\n');
  assert.equal(failure(['-sl', 'stop=1=2']).stderr, 'invalid signal parameters: [2]\n');
  assert.equal(failure(['-sl', 'stop=abc']).stderr, 'invalid pid: abc\n');
});

test('configuration files - -c for NATS and streaming, flags override the file', () => {
  withDir((dir) => {
    const conf = join(dir, 'nats.conf');
    writeFileSync(conf, `
      port: 4333
      host: 127.0.0.1
      http_port: 8333
      debug: true
      max_payload: 2MB
      authorization { user: alice, password: "secret", timeout: 3 }
      streaming {
        cluster_id: "from-file"
        hb_interval: "7s"
        store_limits { max_msgs: 50, max_age: "1h" }
      }
    `);
    const o = run(['-c', conf, '-p', '4444', '-cid', 'from-flags']);
    assert.deepEqual(o.core, { host: '127.0.0.1', port: 4444, user: 'alice', pass: 'secret', authTimeout: 3000,
      maxPayload: 2 * 1024 * 1024 });
    assert.equal(o.monitor.port, 8333);
    assert.equal(o.log.debug, true);
    assert.equal(o.streaming.clusterId, 'from-flags');
    assert.equal(o.streaming.hbInterval, 7000);
    assert.equal(o.streaming.limits?.maxMsgs, 50);
    assert.equal(o.streaming.limits?.maxAge, 3_600_000);
    assert.equal(o.streaming.limits?.maxChannels, 100);
    assert.deepEqual(o.configFiles, { nats: conf, streaming: conf });
    assert.equal(run(['-c', conf, '-D=false']).log.debug, false);
    assert.equal(run(['-c', conf, '-mm', '9']).streaming.limits?.maxMsgs, 9);
  });
});

test('configuration files - -sc alone also gives the NATS options; both: each its own', () => {
  withDir((dir) => {
    const stan = join(dir, 'stan.conf');
    const nats = join(dir, 'nats.conf');
    writeFileSync(stan, 'port: 5111\ncluster_id: stan-file\nstore: file\ndir: "/data/stan"\n');
    writeFileSync(nats, 'port: 5222\ncluster_id: ignored-here\n');
    const a = run(['-sc', stan]);
    assert.equal(a.core.port, 5111);
    assert.equal(a.streaming.clusterId, 'stan-file');
    assert.deepEqual(a.store, { type: 'FILE', dir: '/data/stan', file: {}, sql: {} });
    const b = run(['-sc', stan, '-c', nats]);
    assert.equal(b.core.port, 5222);
    assert.equal(b.streaming.clusterId, 'stan-file');
    assert.deepEqual(b.configFiles, { nats, streaming: stan });
  });
});

test('configuration files - per-channel limits with wildcards; 0 means unlimited for a channel', () => {
  withDir((dir) => {
    const conf = join(dir, 'limits.conf');
    writeFileSync(conf, `
      streaming {
        store_limits {
          max_channels: 10
          channels {
            "orders.>": { max_msgs: 1000 }
            "audit":    { max_age: "0s", max_msgs: 0 }   # unlimited for this channel
            "foo.*.bar": { msu: 2, mb: 1MB, mi: "10m" }
          }
        }
      }
    `);
    const o = run(['-sc', conf]);
    assert.deepEqual({ ...o.streaming.limits?.perChannel }, {
      'orders.>': { maxMsgs: 1000 },
      audit: { maxAge: -1, maxMsgs: -1 },
      'foo.*.bar': { maxSubscriptions: 2, maxBytes: 1 << 20, maxInactivity: 600_000 },
    });
    assert.equal(o.streaming.limits?.maxChannels, 10);
    assert.equal(checkStartup(o, {}), undefined);
  });
});

test('configuration files - errors stop the start with the parser\'s message, exit 1', () => {
  withDir((dir) => {
    const bad = join(dir, 'bad.conf');
    writeFileSync(bad, 'port: 4222\nstreaming {\n  hb_fail_count: "two"\n}\n');
    assert.equal(failure(['-c', bad]).stderr, 'parameter "hb_fail_count" value is expected to be int64, got string\n');
    writeFileSync(bad, 'a: 1\nb: [1,,2]\n');
    assert.equal(failure(['-c', bad]).stderr, "Parse error on line 2: 'Unexpected array value terminator ','.'\n");
    writeFileSync(bad, 'streaming { store: mongo }');
    assert.equal(failure(['-c', bad]).stderr, 'unknown store type: mongo\n');
    writeFileSync(bad, 'streaming { store_limits { channels { "foo..bar": {} } } }');
    assert.equal(failure(['-c', bad]).stderr, 'invalid channel name "foo..bar"\n');
    writeFileSync(bad, 'streaming { hb_interval: 5m }');
    assert.equal(failure(['-c', bad]).stderr, 'parameter "hb_interval" value is expected to be string, got int64\n');
    writeFileSync(bad, 'streaming { hb_interval: "5x" }');
    assert.equal(failure(['-c', bad]).stderr, 'time: unknown unit "x" in duration "5x"\n');
    const missing = join(dir, 'missing.conf');
    assert.equal(failure(['-c', missing]).stderr, `error opening config file: open ${missing}: no such file or directory\n`);
  });
});

test('configuration files - -t checks the file and says so', () => {
  withDir((dir) => {
    const conf = join(dir, 'ok.conf');
    writeFileSync(conf, 'port: 4222\n');
    assert.deepEqual(parseCommandLine(['-t', '-c', conf]), { kind: 'checked', text: `natstream: configuration file ${conf} is valid\n` });
  });
});

test('configuration files - users with permissions, TLS and timing keys', () => {
  withDir((dir) => {
    const conf = join(dir, 'auth.conf');
    writeFileSync(conf, `
      listen: 0.0.0.0:4999
      ping_interval: "30s"
      ping_max: 3
      write_deadline: 5
      max_connections: 100
      max_subscriptions: 10
      max_pending: 32MB
      tls { cert_file: "c.pem", key_file: "k.pem", ca_file: "ca.pem", verify: true, timeout: 2 }
      authorization {
        users: [
          { user: a, password: $2a$11$abcdefghijklmnopqrstuv, permissions: { publish: "orders.>", subscribe: ["_INBOX.>", "x"] } }
          { user: b, password: pw, permissions: { publish: { allow: ["a"], deny: ["b"] } } }
        ]
      }
    `);
    const o = run(['-c', conf]);
    assert.deepEqual(o.core, {
      host: '0.0.0.0', port: 4999, pingInterval: 30_000, pingMaxOut: 3, writeDeadline: 5000,
      maxConnections: 100, maxSubscriptions: 10, maxPending: 32 << 20,
      tls: { cert: 'c.pem', key: 'k.pem', ca: 'ca.pem', verify: true, timeout: 2 },
      users: [
        { user: 'a', password: '$2a$11$abcdefghijklmnopqrstuv',
          permissions: { publish: { allow: ['orders.>'] }, subscribe: { allow: ['_INBOX.>', 'x'] } } },
        { user: 'b', password: 'pw', permissions: { publish: { allow: ['a'], deny: ['b'] } } },
      ],
    });
  });
});

test('start-up checks - the Go server\'s fatal messages', () => {
  const cases: Array<[string[], string]> = [
    [['-st', 'foo'], 'unsupported store type: FOO'],
    [['-store', 'file'], 'for FILE stores, root directory must be specified'],
    [['-mc', '-1'], 'max channels limit cannot be negative (-1)'],
    [['-msu', '-2'], 'max subscriptions limit cannot be negative (-2)'],
    [['--ft_group', 'g'], 'ft: only FILE or SQL stores supported in FT mode'],
    [['--clustered'], 'stan: clustering mode not supported with MEMORY store type'],
    [['--clustered', '-st', 'file', '--dir', 'd'], unsupportedErrors.clustering],
    [['--encrypt'], 'encryption key required'],
    [['--encryption_key', 'k', '--encryption_cipher', 'des'], 'encryption cipher not supported'],
    [['--encryption_key', 'k', '--encryption_cipher', 'chachapoly'], 'encryption cipher not supported'],
  ];
  for (const [argv, msg] of cases) assert.equal(checkStartup(run(argv), {}), msg, argv.join(' '));
  assert.equal(checkStartup(run(['--encryption_key', 'k']), {}), undefined);
  assert.equal(checkStartup(run(['--encrypt', '--encryption_cipher', 'chacha']), { NATS_STREAMING_ENCRYPTION_KEY: 'k' }), undefined);
  assert.deepEqual(run(['--encrypt', '--encryption_cipher', 'AES', '--encryption_key', 'k']).store.encryption, { cipher: 'AES', key: 'k' });
  assert.equal(run([]).store.encryption, undefined, 'the environment variable alone does not turn encryption on (as in Go)');
  assert.equal(checkStartup(run(['-st', 'FILE', '--dir', 'x', '--ft_group', 'g']), {}), undefined);
});

test('docs/config.md - every configuration example there is accepted', () => {
  const docs = readFileSync(fileURLToPath(new URL('../../../docs/config.md', import.meta.url)), 'utf8');
  const blocks = [...docs.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => /[:{]/.test(b) && !b.startsWith('['));
  assert.ok(blocks.length >= 3);
  withDir((dir) => {
    blocks.forEach((text, i) => {
      const file = join(dir, `example-${i}.conf`);
      writeFileSync(file, text);
      const r = parseCommandLine(['-c', file], { env: { ADMIN_PASSWORD: 'pw' } });
      assert.equal(r.kind, 'run', `example ${i}: ${JSON.stringify(r)}`);
    });
  });
});
