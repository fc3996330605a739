/**
 * The config-file and ports-file paths as the nats.js v2 suite uses them:
 * a config file in its shapes, `<server> -c FILE` as a child process, the
 * ports file, then the `nats` client with users and permissions (`$PERM`
 * variables), a token, nkey users (signed nonce) and operator mode (user
 * JWTs and creds files against a MEMORY resolver with preloaded accounts,
 * expiry). Every scenario runs against natstream and, when installed,
 * against Debian's nats-server, so the expectations are the reference's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  connect, credsAuthenticator, ErrorCode, Events, jwtAuthenticator, nkeyAuthenticator, type NatsConnection, type NatsError,
} from 'nats';
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds } from 'nats-jwt';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../support/raw-client.js';
import { ConfServer, NATS_SERVER_BIN, type ConfObject, type ServerKind } from '../support/conf-server.js';

const KINDS: ServerKind[] = ['natstream', 'nats-server'];
/** nats-jwt fills in no limits when given claims: 0 would mean "none allowed" to nats-server. */
const UNLIMITED = { subs: -1, data: -1, payload: -1 };
const te = new TextEncoder();

/** The error a connect attempt fails with. */
async function connectError(opts: Parameters<typeof connect>[0]): Promise<NatsError> {
  try {
    const nc = await connect({ reconnect: false, ...opts });
    await nc.close();
  } catch (err) {
    return err as NatsError;
  }
  assert.fail('the connection was accepted');
}

/** The first async error status the connection reports. */
function nextError(nc: NatsConnection): Promise<string> {
  return (async () => {
    for await (const s of nc.status()) if (s.type === Events.Error) return String(s.data);
    return 'closed';
  })();
}

/** Connects raw, sends CONNECT (with `fields`) and a PING; resolves with what came back once PONG or -ERR arrived. */
async function rawConnect(port: number, fields: Record<string, unknown>, after = ''): Promise<{ info: Record<string, unknown>; reply: string; client: RawClient }> {
  const client = await RawClient.connect(port);
  await client.untilIncludes('\r\n');
  const info = JSON.parse(/^INFO (.*) \r\n/.exec(client.consume())![1]) as Record<string, unknown>;
  client.write(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 1, ...fields })}\r\n${after}PING\r\n`);
  // until the PING is answered or the server hangs up: an -ERR that keeps the connection
  // open can come in its own write before the PONG (nats-server does that now and then)
  const reply = await client.until((t, closed) => t.includes('PONG\r\n') || closed);
  return { info, reply, client };
}

for (const kind of KINDS) {
  const skip = kind === 'nats-server' && !NATS_SERVER_BIN ? 'nats-server is not installed (.ci/run installs it)' : false;

  describe(`${kind} -c FILE: users, $PERM permissions, token`, { skip }, () => {
    let users: ConfServer;
    let token: ConfServer;
    before(async () => {
      // The nats.js auth suite's permission config: a variable defined in the block, used by a user.
      const conf: ConfObject = {
        authorization: {
          PERM: { subscribe: 'bar', publish: 'foo' },
          users: [{ user: 'derek', password: 'foobar', permission: '$PERM' }, { user: 'free', password: 'pass' }],
        },
      };
      [users, token] = await Promise.all([
        ConfServer.start(kind, conf),
        ConfServer.start(kind, { authorization: { token: 'tokenxxxx' } }),
      ]);
    });
    after(async () => {
      await Promise.all([users?.dispose(), token?.dispose()]);
    });

    test('the ports file lists the client and monitoring URLs', async () => {
      assert.deepEqual(users.ports.nats, [`nats://127.0.0.1:${users.port}`]);
      assert.equal(users.ports.monitoring?.length, 1);
      assert.match(users.ports.monitoring![0], /^http:\/\/127\.0\.0\.1:\d+$/);
      const varz = await (await fetch(`${users.ports.monitoring![0]}/varz`)).json() as { port: number; version: string };
      assert.equal(varz.port, users.port);
      if (kind === 'natstream') assert.match(varz.version, /^2\.9\.0-natstream\.\d+\.\d+\.\d+/);
    });

    test('user and password', async () => {
      const nc = await connect({ port: users.port, user: 'derek', pass: 'foobar' });
      await nc.flush();
      await nc.close();
      assert.equal((await connectError({ port: users.port, user: 'derek', pass: 'wrong' })).code, ErrorCode.AuthorizationViolation);
      assert.equal((await connectError({ port: users.port })).code, ErrorCode.AuthorizationViolation);
    });

    test('subscribe and publish permissions from a $VARIABLE, violations reported', async () => {
      const nc = await connect({ port: users.port, user: 'derek', pass: 'foobar' });
      const errors = nextError(nc);
      const sub = nc.subscribe('foo');
      const subDone = (async () => {
        try {
          for await (const _ of sub) { /* none */ }
          return 'ended';
        } catch (err) {
          return (err as Error).message;
        }
      })();
      assert.match(await subDone, /Permissions Violation for Subscription to "foo"/i);
      assert.equal(await errors, ErrorCode.PermissionsViolation);
      await nc.close();
      // The exact -ERR of a denied publish; the connection stays open.
      const { reply, client } = await rawConnect(users.port, { user: 'derek', pass: 'foobar' }, 'PUB bar 0\r\n\r\n');
      assert.match(reply, /-ERR 'Permissions Violation for Publish to "bar"'\r\n/);
      assert.match(reply, /PONG\r\n/);
      client.close();
      // Allowed traffic goes through.
      const ok = await connect({ port: users.port, user: 'derek', pass: 'foobar' });
      const got = ok.subscribe('bar', { max: 1 });
      const free = await connect({ port: users.port, user: 'free', pass: 'pass' });
      await ok.flush();
      free.publish('bar', te.encode('hi'));
      for await (const m of got) assert.equal(m.string(), 'hi');
      await Promise.all([ok.close(), free.close()]);
    });

    test('token', async () => {
      const nc = await connect({ port: token.port, token: 'tokenxxxx' });
      await nc.flush();
      await nc.close();
      assert.equal((await connectError({ port: token.port, token: 'bad' })).code, ErrorCode.AuthorizationViolation);
      const { reply, client } = await rawConnect(token.port, { auth_token: 'bad' });
      assert.equal(reply, "-ERR 'Authorization Violation'\r\n");
      client.close();
    });
  });

  describe(`${kind} -c FILE: nkey users`, { skip }, () => {
    const user = createUser();
    let server: ConfServer;
    before(async () => {
      server = await ConfServer.start(kind, { authorization: { users: [{ nkey: user.getPublicKey() }] } });
    });
    after(() => server?.dispose());

    test('INFO carries a nonce; the client signs it', async () => {
      const { info, reply, client } = await rawConnect(server.port, {});
      client.close();
      assert.equal(typeof info.nonce, 'string');
      assert.equal((info.nonce as string).length, 15);
      assert.equal(info.auth_required, true);
      assert.equal(reply, "-ERR 'Authorization Violation'\r\n");
      const nc = await connect({ port: server.port, authenticator: nkeyAuthenticator(user.getSeed()) });
      await nc.flush();
      await nc.close();
    });

    test('another key, or a signature of something else, is refused', async () => {
      const other = createUser();
      assert.equal((await connectError({ port: server.port, authenticator: nkeyAuthenticator(other.getSeed()) })).code,
        ErrorCode.AuthorizationViolation);
      const sig = Buffer.from(user.sign(te.encode('not the nonce'))).toString('base64url');
      const { reply, client } = await rawConnect(server.port, { nkey: user.getPublicKey(), sig });
      client.close();
      assert.equal(reply, "-ERR 'Authorization Violation'\r\n");
    });
  });

  describe(`${kind} -c FILE: operator mode, MEMORY resolver, preloaded accounts`, { skip }, () => {
    const operator = createOperator();
    const account = createAccount();
    const stranger = createAccount();
    let server: ConfServer;
    const nowSec = () => Math.floor(Date.now() / 1000);
    before(async () => {
      const accountJwt = await encodeAccount('A', account, { limits: { conn: -1, leaf: -1, imports: -1, exports: -1, wildcards: true, ...UNLIMITED } }, { signer: operator });
      server = await ConfServer.start(kind, {
        operator: await encodeOperator('O', operator),
        resolver: 'MEMORY',
        resolver_preload: { [account.getPublicKey()]: accountJwt },
      });
    });
    after(() => server?.dispose());

    test('a user JWT signing the nonce, and a creds file', async () => {
      const u = createUser();
      const jwt = await encodeUser('U', u, account);
      const nc = await connect({ port: server.port, authenticator: jwtAuthenticator(jwt, u.getSeed()) });
      await nc.flush();
      await nc.close();
      const creds = await connect({ port: server.port, authenticator: credsAuthenticator(fmtCreds(jwt, u)) });
      await creds.flush();
      await creds.close();
      // Without the signature, or with no JWT at all: refused.
      const { reply, client } = await rawConnect(server.port, { jwt });
      client.close();
      assert.equal(reply, "-ERR 'Authorization Violation'\r\n");
      assert.equal((await connectError({ port: server.port })).code, ErrorCode.AuthorizationViolation);
    });

    test('a JWT of an account the resolver does not know is refused', async () => {
      const u = createUser();
      const jwt = await encodeUser('U', u, stranger);
      assert.equal((await connectError({ port: server.port, authenticator: jwtAuthenticator(jwt, u.getSeed()) })).code,
        ErrorCode.AuthorizationViolation);
    });

    test('the permissions of the user JWT apply', async () => {
      const u = createUser();
      const jwt = await encodeUser('U', u, account, { ...UNLIMITED, pub: { allow: ['ok.>'], deny: [] }, sub: { allow: [], deny: ['secret'] } });
      const sig = Buffer.from(u.sign(te.encode('another nonce'))).toString('base64url');
      const { reply, client } = await rawConnect(server.port, { jwt, sig });
      client.close();
      assert.equal(reply, "-ERR 'Authorization Violation'\r\n", 'a signature of another nonce is refused');
      const nc = await connect({ port: server.port, authenticator: jwtAuthenticator(jwt, u.getSeed()) });
      const errors = nextError(nc);
      nc.publish('nope', te.encode('x'));
      assert.equal(await errors, ErrorCode.PermissionsViolation);
      const allowed = nc.subscribe('ok.x', { max: 1 });
      await nc.flush();
      nc.publish('ok.x', te.encode('fine'));
      for await (const m of allowed) assert.equal(m.string(), 'fine');
      await nc.close();
    });

    test('an expired user JWT is refused; a JWT that expires ends the connection', async () => {
      const u = createUser();
      const expired = await encodeUser('U', u, account, UNLIMITED, { exp: nowSec() - 10 });
      assert.equal((await connectError({ port: server.port, authenticator: jwtAuthenticator(expired, u.getSeed()) })).code,
        ErrorCode.AuthorizationViolation);
      const soon = await encodeUser('U', u, account, { ...UNLIMITED, bearer_token: true }, { exp: nowSec() + 2 });
      const { reply, client } = await rawConnect(server.port, { jwt: soon });
      assert.equal(reply, 'PONG\r\n', 'a bearer token needs no signature');
      const end = await client.untilClosed(10_000);
      assert.match(end, /-ERR 'User Authentication Expired'\r\n$/);
    });
  });

  describe(`${kind} -c FILE: default connect, -ERR, reconnect on restart, payload integrity`, { skip }, () => {
    let server: ConfServer;
    before(async () => {
      server = await ConfServer.start(kind);
    });
    after(() => server?.dispose());

    test('connect without auth; an unknown operation gets -ERR', async () => {
      const { info, reply, client } = await rawConnect(server.port, {}, 'FOO\r\n');
      client.close();
      assert.equal(info.auth_required, undefined);
      assert.equal(info.nonce, undefined);
      assert.equal(reply, "-ERR 'Unknown Protocol Operation'\r\n");
    });

    test('payloads of every size arrive intact (no clobbering)', async () => {
      const nc = await connect({ port: server.port });
      const sizes = [0, 1, 7, 100, 4096, 65_537, 512 * 1024];
      const sub = nc.subscribe('clobber', { max: sizes.length });
      await nc.flush();
      for (const n of sizes) nc.publish('clobber', Buffer.alloc(n, n % 251));
      let i = 0;
      for await (const m of sub) {
        const n = sizes[i++];
        assert.equal(m.data.length, n);
        assert.ok(m.data.every((b) => b === n % 251));
      }
      await nc.close();
    });

    test('the client reconnects when the server restarts on the same port', async () => {
      const nc = await connect({ port: server.port, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
      const reconnected = (async () => {
        for await (const s of nc.status()) if (s.type === Events.Reconnect) return true;
        return false;
      })();
      const oldFile = server.portsFile;
      server = await server.restart();
      assert.equal(await reconnected, true);
      const sub = nc.subscribe('after', { max: 1 });
      await nc.flush();
      nc.publish('after', te.encode('again'));
      for await (const m of sub) assert.equal(m.string(), 'again');
      await nc.close();
      assert.equal(existsSync(oldFile), false, 'the stopped server removed its ports file');
    });
  });
}

for (const kind of KINDS) {
  const skip = kind === 'nats-server' && !NATS_SERVER_BIN ? 'nats-server is not installed (.ci/run installs it)' : false;
  test(`${kind} flags: -p -1 -m -1 --ports_file_dir`, { skip }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flagsrv-'));
    const server = await ConfServer.spawn(kind, ['-a', '127.0.0.1', '-p', '-1', '-m', '-1', '--ports_file_dir', dir], dir);
    try {
      assert.deepEqual(Object.keys(server.ports), ['nats', 'monitoring']);
      const varz = await (await fetch(`${server.ports.monitoring![0]}/varz`)).json() as { port: number };
      assert.equal(varz.port, server.port);
    } finally {
      await server.dispose();
    }
    assert.equal(existsSync(server.portsFile), false);
  });
}

describe('natstream invoked as nats-server: core NATS alone', () => {
  let standIn: ConfServer;
  let full: ConfServer;
  before(async () => {
    [standIn, full] = await Promise.all([ConfServer.start('natstream-as-nats-server'), ConfServer.start('natstream')]);
  });
  after(async () => {
    await Promise.all([standIn?.dispose(), full?.dispose()]);
  });

  test('writes nats-server_<pid>.ports and runs no streaming layer', async () => {
    assert.match(standIn.portsFile, /\/nats-server_\d+\.ports$/);
    const subs = async (s: ConfServer) =>
      ((await (await fetch(`${s.ports.monitoring![0]}/subsz`)).json()) as { num_subscriptions: number }).num_subscriptions;
    assert.equal(await subs(standIn), 0);
    assert.ok((await subs(full)) > 0, 'natstream itself listens on the streaming subjects');
    const nc = await connect({ port: standIn.port });
    const sub = nc.subscribe('x', { max: 1 });
    await nc.flush();
    nc.publish('x', te.encode('core'));
    for await (const m of sub) assert.equal(m.string(), 'core');
    await nc.close();
    assert.doesNotMatch(standIn.log, /STREAM:/);
  });
});
