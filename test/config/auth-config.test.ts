/** nats-server's authorization and operator-mode keys in a config file (-c), with its errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConf } from '../../src/config/conf-parser.js';
import { applyNatsConfig } from '../../src/config/nats-config.js';
import { emptySettings, type Settings } from '../../src/config/settings.js';

const NKEY = 'UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4';

function apply(text: string): Settings {
  const s = emptySettings();
  applyNatsConfig(parseConf(text, { env: {} }), s);
  return s;
}

test('auth config - users with a $VARIABLE permission block, nkey users apart', () => {
  const s = apply(`authorization {
  PERM { subscribe: bar, publish: foo }
  users [
    { user: derek, password: foobar, permission: $PERM }
    { nkey: ${NKEY} }
  ]
}`);
  assert.deepEqual(s.nats.users, [{ user: 'derek', password: 'foobar', permissions: { subscribe: { allow: ['bar'] }, publish: { allow: ['foo'] } } }]);
  assert.deepEqual(s.nats.nkeys, [{ nkey: NKEY }]);
});

test('auth config - nkey entries are checked as nats-server checks them', () => {
  assert.throws(() => apply('authorization { users [ { nkey: NOTAKEY } ] }'), /^ConfigError: Not a valid public nkey for a user$/);
  assert.throws(() => apply(`authorization { users [ { nkey: ${NKEY}, user: a, password: b } ] }`),
    /^ConfigError: Nkey users do not take usernames or passwords$/);
});

test('auth config - operator mode needs a MEMORY resolver and no users; preloads kept by account key', () => {
  const jwt = 'eyJ0eXAiOiJKV1QifQ.e30.sig';
  const s = apply(`operator: ${jwt}\nresolver: MEMORY\nresolver_preload { AKEY: eyJhY2NvdW50.e30.sig }`);
  assert.deepEqual(s.nats.operatorJwts, [jwt]);
  assert.deepEqual([...s.nats.resolverPreload!], [['AKEY', 'eyJhY2NvdW50.e30.sig']]);
  assert.throws(() => apply(`operator: ${jwt}`), /operators require an account resolver to be configured/);
  assert.throws(() => apply(`operator: ${jwt}\nresolver: URL(http://localhost:9090/jwt/v1/accounts/)`),
    /account resolver URL\(http:\/\/localhost:9090\/jwt\/v1\/accounts\/\) is not supported/);
  assert.throws(() => apply(`operator: ${jwt}\nresolver: MEMORY\nauthorization { users [ { user: a, password: b } ] }`),
    /operators do not allow users to be configured directly/);
});

test('auth config - an operator JWT from a file, plain or decorated; a missing file is reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opjwt-'));
  try {
    const jwt = 'eyJ0eXAiOiJKV1QifQ.e30.c2ln';
    writeFileSync(join(dir, 'plain.jwt'), `${jwt}\n`);
    writeFileSync(join(dir, 'nsc.jwt'), `-----BEGIN NATS OPERATOR JWT-----\n${jwt}\n------END NATS OPERATOR JWT------\n`);
    for (const f of ['plain.jwt', 'nsc.jwt']) {
      assert.deepEqual(apply(`operator: "${join(dir, f)}"\nresolver: MEMORY`).nats.operatorJwts, [jwt]);
    }
    assert.throws(() => apply(`operator: "${join(dir, 'none.jwt')}"\nresolver: MEMORY`),
      /error parsing operator JWT: open .*none\.jwt: no such file or directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('auth config - an operator or account JWT that does not verify stops the start', async () => {
  const { startServer } = await import('../../src/index.js');
  const { createAccount, createOperator, encodeAccount, encodeOperator } = await import('nats-jwt');
  const operator = createOperator();
  const opJwt = await encodeOperator('O', operator);
  await assert.rejects(
    startServer({ streaming: false, core: { port: 0, host: '127.0.0.1', operatorMode: { operatorJwts: [opJwt.slice(0, -4) + 'AAAA'], accountJwts: new Map() } } }),
    /^Error: error parsing operator JWT: /);
  const account = createAccount();
  const accJwt = await encodeAccount('A', account, {}, { signer: createOperator() });
  const other = createAccount().getPublicKey();
  await assert.rejects(
    startServer({ streaming: false, core: { port: 0, host: '127.0.0.1', operatorMode: { operatorJwts: [opJwt], accountJwts: new Map([[other, accJwt]]) } } }),
    new RegExp(`^Error: preload account error for "${other}": `));
});
