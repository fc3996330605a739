import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { parseGoDuration, parseMysqlDsn, parsePgSource, pgKeyValues, redactSource } from '../../../src/stores/sql/dsn.js';
import { SqlErrors } from '../../../src/stores/sql/errors.js';
import { schemaScript } from '../../../src/stores/sql/schema.js';
import { decodeSeqs, encodeSeqs } from '../../../src/stores/sql/seq-json.js';
import { SeqSizes } from '../../../src/stores/sql/seq-sizes.js';
import { resolveSqlOptions, DEFAULT_POOL_SIZE } from '../../../src/stores/sql/options.js';

describe('sql: MySQL DSN (go-sql-driver form)', () => {
  it('user:password@tcp(host:port)/dbname', () => {
    const t = parseMysqlDsn('nss:secret@tcp(db.local:3307)/nss');
    assert.equal(t.user, 'nss');
    assert.equal(t.password, 'secret');
    assert.equal(t.host, 'db.local');
    assert.equal(t.port, 3307);
    assert.equal(t.database, 'nss');
    assert.equal(t.ssl, undefined);
  });

  it('the last @ ends the password, the first : starts it; the last / starts the database', () => {
    const t = parseMysqlDsn('u:p@ss:w@rd@tcp(127.0.0.1:3306)/db');
    assert.equal(t.user, 'u');
    assert.equal(t.password, 'p@ss:w@rd');
    assert.equal(t.database, 'db');
  });

  it('defaults: tcp 127.0.0.1:3306, default port, no credentials', () => {
    assert.deepEqual(
      [parseMysqlDsn('/db').host, parseMysqlDsn('/db').port, parseMysqlDsn('/db').user],
      ['127.0.0.1', 3306, ''],
    );
    const t = parseMysqlDsn('u@tcp(example)/');
    assert.equal(t.host, 'example');
    assert.equal(t.port, 3306);
    assert.equal(t.database, '');
    assert.equal(parseMysqlDsn('u:p@tcp([::1]:3310)/x').host, '::1');
    assert.equal(parseMysqlDsn('u:p@tcp([::1]:3310)/x').port, 3310);
  });

  it('unix sockets', () => {
    const t = parseMysqlDsn('u:p@unix(/var/run/mysqld/mysqld.sock)/nss');
    assert.equal(t.socketPath, '/var/run/mysqld/mysqld.sock');
    assert.equal(t.host, undefined);
  });

  it('parameters: timeout, charset, tls; unknown ones are reported', () => {
    const t = parseMysqlDsn('u:p@tcp(h:1)/d?timeout=1m30s&charset=utf8mb4,utf8&tls=skip-verify&parseTime=true&sql_mode=ANSI');
    assert.equal(t.connectTimeoutMs, 90_000);
    assert.equal(t.charset, 'utf8mb4');
    assert.deepEqual(t.ssl, { rejectUnauthorized: false });
    assert.deepEqual(t.ignored, ['sql_mode']);
    assert.deepEqual(parseMysqlDsn('u@tcp(h)/d?tls=true').ssl, { rejectUnauthorized: true });
  });

  it('errors', () => {
    assert.throws(() => parseMysqlDsn('u:p@tcp(h:1)'), { message: SqlErrors.dsn('missing the slash separating the database name') });
    assert.throws(() => parseMysqlDsn('u:p@tcp(h:1/d'), { message: SqlErrors.dsn('network address not terminated (missing closing brace)') });
    assert.throws(() => parseMysqlDsn('u:p@tcp(h:99999)/d'), /invalid port/);
  });

  it('Go durations', () => {
    assert.equal(parseGoDuration('5s'), 5000);
    assert.equal(parseGoDuration('500ms'), 500);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.equal(parseGoDuration('1h2m'), 3_720_000);
    assert.throws(() => parseGoDuration('5'), /invalid duration/);
  });
});

describe('sql: PostgreSQL source (lib/pq forms)', () => {
  it('key=value with quoted values and escapes', () => {
    const kv = pgKeyValues("dbname=nss user=u password='it\\'s a secret' host = /tmp sslmode=disable");
    assert.equal(kv.get('dbname'), 'nss');
    assert.equal(kv.get('password'), "it's a secret");
    assert.equal(kv.get('host'), '/tmp');
    const t = parsePgSource("dbname=nss user=u password='it\\'s a secret' port=5433 sslmode=disable connect_timeout=3");
    assert.equal(t.database, 'nss');
    assert.equal(t.user, 'u');
    assert.equal(t.password, "it's a secret");
    assert.equal(t.port, 5433);
    assert.equal(t.ssl, false);
    assert.equal(t.connectTimeoutMs, 3000);
  });

  it('URL form with encoded credentials and parameters', () => {
    const t = parsePgSource('postgres://us%40er:p%3Ass@db.example:5444/nss?sslmode=disable&application_name=natstream');
    assert.equal(t.user, 'us@er');
    assert.equal(t.password, 'p:ss');
    assert.equal(t.host, 'db.example');
    assert.equal(t.port, 5444);
    assert.equal(t.database, 'nss');
    assert.equal(t.applicationName, 'natstream');
    assert.equal(parsePgSource('postgresql://localhost/x?sslmode=disable').database, 'x');
  });

  it('sslmode: unset means require (lib/pq); verify modes check the certificate', () => {
    assert.deepEqual(parsePgSource('dbname=x').ssl, { rejectUnauthorized: false });
    const full = parsePgSource('dbname=x sslmode=verify-full');
    assert.ok(full.ssl !== false && full.ssl.rejectUnauthorized);
    assert.throws(() => parsePgSource('dbname=x sslmode=prefer'), { message: SqlErrors.unsupportedSslMode('prefer') });
  });

  it('unknown keys become run-time parameters', () => {
    assert.equal(parsePgSource('dbname=x sslmode=disable search_path=nss statement_timeout=5000').options,
      '-c search_path=nss -c statement_timeout=5000');
  });

  it('errors', () => {
    assert.throws(() => parsePgSource('dbname'), { message: SqlErrors.dsn('missing "=" after "dbname" in connection info string') });
    assert.throws(() => parsePgSource("password='open"), { message: SqlErrors.dsn('unterminated quoted string in connection info string') });
    assert.throws(() => parsePgSource('mysql://u@h/db'), { message: SqlErrors.dsn('invalid connection protocol: mysql') });
  });
});

describe('sql: passwords are hidden in logs', () => {
  it('redacts every form', () => {
    assert.equal(redactSource('mysql', 'nss:s3cr@t@tcp(h:3306)/nss'), 'nss:xxxxx@tcp(h:3306)/nss');
    assert.equal(redactSource('mysql', 'nss@tcp(h:3306)/nss'), 'nss@tcp(h:3306)/nss');
    assert.equal(redactSource('postgres', "dbname=nss user=u password='a b\\'c' sslmode=disable"), 'dbname=nss user=u password=xxxxx sslmode=disable');
    assert.equal(redactSource('postgres', 'dbname=nss password=plain'), 'dbname=nss password=xxxxx');
    assert.equal(redactSource('postgres', 'postgres://u:p%40ss@h:5432/nss?sslmode=disable'), 'postgres://u:xxxxx@h:5432/nss?sslmode=disable');
    assert.equal(redactSource('postgres', 'postgres://h/nss?password=pw&sslmode=disable'), 'postgres://h/nss?password=xxxxx&sslmode=disable');
  });
});

describe('sql: options', () => {
  it('max_open_conns 0 means the default pool; bulk insert limit below 5 means the default batch', () => {
    const o = resolveSqlOptions({ driver: 'postgres', source: '', maxOpenConns: 0, bulkInsertLimit: 3 });
    assert.equal(o.poolSize, DEFAULT_POOL_SIZE);
    assert.equal(o.bulkRows, 500);
    assert.equal(resolveSqlOptions({ driver: 'mysql', source: '', maxOpenConns: 4, bulkInsertLimit: 50 }).poolSize, 4);
    assert.equal(resolveSqlOptions({ driver: 'mysql', source: '', bulkInsertLimit: 50 }).bulkRows, 50);
  });
});

describe('sql: schema scripts and encodings', () => {
  it('sql/*.db.sql are the schema the store creates', () => {
    for (const driver of ['postgres', 'mysql'] as const) {
      const file = readFileSync(new URL(`../../../../sql/${driver}.db.sql`, import.meta.url), 'utf8');
      assert.equal(file, schemaScript(driver), `sql/${driver}.db.sql is out of date`);
    }
  });

  it('SubsPending sequence arrays are the JSON the Go server writes', () => {
    assert.equal(encodeSeqs([12, 13, 14]).toString(), '[12,13,14]');
    assert.deepEqual(decodeSeqs(Buffer.from('[12,13,14]')), [12, 13, 14]);
    assert.deepEqual(decodeSeqs(null), []);
    assert.deepEqual(decodeSeqs(Buffer.from('null')), []);
    assert.throws(() => decodeSeqs(Buffer.from('{"a":1}')));
  });

  it('per-sequence sizes: holes, growth, removal from the head', () => {
    const s = new SeqSizes();
    for (let i = 1; i <= 1000; i++) s.append(i, i);
    s.append(1005, 7);
    assert.equal(s.get(1004), 0);
    assert.equal(s.get(1005), 7);
    assert.equal(s.shiftFirst(), 1);
    assert.equal(s.firstPresent(), 2);
    const out = { msgs: 0, bytes: 0 };
    s.dropThrough(10, out);
    assert.deepEqual(out, { msgs: 9, bytes: 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 });
    s.dropThrough(1004, out);
    assert.equal(out.msgs, 990);
    assert.equal(s.firstPresent(), 1005);
    assert.equal(s.shiftFirst(), 7);
    assert.equal(s.firstPresent(), 0);
  });
});
