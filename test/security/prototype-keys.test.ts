/**
 * Every name that a plain JavaScript object answers without having it
 * (`toString`, `constructor`, `__proto__`, ...) sent in every field of every
 * wire message, query string and config key. The server must answer as it
 * answers any other unknown or odd value and stay up for everyone else: one
 * `CONNECT {"toString":1}` once ended the whole process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { connect } from 'nats';

import { parseCommandLine } from '../../src/config/options.js';
import { startServer, type RunningServer } from '../../src/index.js';
import {
  encodeAck, encodeCloseRequest, encodeConnectRequest, encodePing, encodePubMsg, encodeSubscriptionRequest,
  encodeUnsubscribeRequest,
} from '../../src/protocol/stan-codec.js';
import { RawClient } from '../support/raw-client.js';
import { closeStan, connectStan, publish, withTimeout } from '../streaming/harness.js';
import { rawRequest, type NatsConnection } from '../streaming/raw.js';

/** Names every object inherits, plus the accessor that replaces a prototype on assignment. */
const INHERITED = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];
/** The ones that are also valid STAN client IDs, channel, durable and queue names. */
const NAME_LIKE = INHERITED.filter((k) => /^[A-Za-z0-9_-]+$/.test(k));

const USER = 'alice';
const PASS = 's3cret';

describe('names inherited from Object.prototype as input', () => {
  let server: RunningServer;
  let port: number;
  let healthy: NatsConnection;
  let info: { discovery: string; publish: string; subscribe: string; unsubscribe: string; close: string; subClose: string };

  before(async () => {
    server = await startServer({
      port: 0, host: '127.0.0.1', clusterId: 'proto-keys',
      core: { user: USER, pass: PASS },
      connection: { user: USER, pass: PASS },
      monitor: { host: '127.0.0.1', port: 0 },
    });
    port = server.port;
    healthy = await connect({ servers: `127.0.0.1:${port}`, user: USER, pass: PASS });
    info = server.streaming!.subjects;
  });

  after(async () => {
    await healthy?.close();
    await server?.close();
  });

  /** The healthy client still gets its own messages: the process and the other clients are unaffected. */
  async function assertStillServing(): Promise<void> {
    const sub = healthy.subscribe('health.check', { max: 1 });
    healthy.publish('health.check', new TextEncoder().encode('ok'));
    for await (const m of sub) assert.equal(new TextDecoder().decode(m.data), 'ok');
  }

  async function rawSession(lines: string, connect = `CONNECT {"verbose":false,"user":"${USER}","pass":"${PASS}"}\r\n`): Promise<RawClient> {
    const c = await RawClient.connect(port);
    await c.untilIncludes('INFO ');
    c.consume();
    c.write(connect + lines + 'PING\r\n');
    return c;
  }

  it('CONNECT with each inherited name as a key, of every JSON type, before authentication', async () => {
    for (const key of INHERITED) {
      for (const value of ['1', '"x"', 'true', '{}', '[]', 'null']) {
        const c = await rawSession('', `CONNECT {${JSON.stringify(key)}:${value}}\r\n`);
        // no credentials: the reference refuses with an authorization violation and closes
        const text = await c.untilClosed();
        assert.match(text, /-ERR 'Authorization Violation'/, `${key}:${value}`);
        c.close();
      }
    }
    await assertStillServing();
  });

  it('CONNECT with each inherited name as a key beside valid credentials', async () => {
    for (const key of INHERITED) {
      const c = await rawSession('', `CONNECT {"verbose":false,"user":"${USER}","pass":"${PASS}",${JSON.stringify(key)}:1}\r\n`);
      await c.untilIncludes('PONG\r\n');
      assert.doesNotMatch(c.text, /-ERR/, key);
      c.close();
    }
    await assertStillServing();
  });

  it('inherited names as user, password and token', async () => {
    for (const key of INHERITED) {
      const c = await rawSession('', `CONNECT {"user":${JSON.stringify(key)},"pass":${JSON.stringify(key)},"auth_token":${JSON.stringify(key)}}\r\n`);
      assert.match(await c.untilClosed(), /-ERR 'Authorization Violation'/, key);
      c.close();
    }
    await assertStillServing();
  });

  it('inherited names as subjects, queue groups and sids of SUB, PUB, HPUB and UNSUB', async () => {
    for (const key of NAME_LIKE) {
      const c = await rawSession(
        `SUB ${key} 1\r\nSUB ${key} ${key} ${key}\r\nSUB x.${key}.> ${key}\r\n` +
        `PUB ${key} 2\r\nhi\r\nPUB ${key} ${key} 2\r\nhi\r\n` +
        `UNSUB ${key}\r\nUNSUB ${key} 5\r\nUNSUB 1\r\n`,
        `CONNECT {"verbose":false,"headers":true,"user":"${USER}","pass":"${PASS}"}\r\n`,
      );
      await c.untilIncludes('PONG\r\n');
      assert.match(c.text, new RegExp(`MSG ${key} 1 2\r\nhi\r\n`), key);
      assert.doesNotMatch(c.text, /-ERR/, key);
      c.close();
    }
    await assertStillServing();
  });

  it('node-nats-streaming with inherited names as client ID, channel, durable and queue group', async () => {
    const url = `nats://${USER}:${PASS}@127.0.0.1:${port}`;
    for (const key of NAME_LIKE) {
      const sc = await connectStan(url, 'proto-keys', key);
      try {
        await publish(sc, key, `to ${key}`);
        const sub = sc.subscribe(key, key, sc.subscriptionOptions().setDeliverAllAvailable().setDurableName(key));
        const got = new Promise<string>((resolve, reject) => {
          sub.on('message', (m: { getData(): string }) => resolve(String(m.getData())));
          sub.on('error', reject);
        });
        assert.equal(await withTimeout(got, 5000, `message on ${key}`), `to ${key}`);
      } finally {
        await closeStan(sc);
      }
    }
    await assertStillServing();
  });

  it('raw STAN requests with an inherited name in every string field', async () => {
    const nc = await connect({ servers: `127.0.0.1:${port}`, user: USER, pass: PASS });
    try {
      for (const key of INHERITED) {
        const answers = [
          rawRequest(nc, info.discovery, encodeConnectRequest({ clientId: key, heartbeatInbox: key }), 1000),
          rawRequest(nc, `${info.discovery}.pings`, encodePing(new TextEncoder().encode(key)), 1000),
          rawRequest(nc, `${info.publish}.${NAME_LIKE.includes(key) ? key : 'x'}`,
            encodePubMsg({ clientId: key, guid: key, subject: key, reply: key, data: new Uint8Array(1) }), 1000),
          rawRequest(nc, info.subscribe, encodeSubscriptionRequest({
            clientId: key, subject: key, qGroup: key, inbox: key, durableName: key, maxInFlight: 1, ackWaitInSecs: 30,
          }), 1000),
          rawRequest(nc, info.unsubscribe, encodeUnsubscribeRequest({ clientId: key, subject: key, inbox: key, durableName: key }), 1000),
          rawRequest(nc, info.subClose, encodeUnsubscribeRequest({ clientId: key, subject: key, inbox: key, durableName: key }), 1000),
          rawRequest(nc, info.close, encodeCloseRequest(key), 1000),
        ];
        nc.publish(key.replace(/[^A-Za-z0-9_]/g, '_'), encodeAck(key, 1));
        await Promise.all(answers);
      }
    } finally {
      await nc.close();
    }
    await assertStillServing();
  });

  it('monitoring query strings and paths with inherited names', async () => {
    const base = server.monitorUrl!;
    const paths = ['/varz', '/connz', '/subsz', '/routez', '/streaming/serverz', '/streaming/storez',
      '/streaming/clientsz', '/streaming/channelsz'];
    for (const key of INHERITED) {
      const k = encodeURIComponent(key);
      for (const p of paths) {
        const res = await fetch(`${base}${p}?${k}=${k}&sort=${k}&subs=${k}&channel=${k}&client=${k}&callback=${k}`);
        assert.ok(res.status === 200 || res.status === 400 || res.status === 404, `${p} ${key}: ${res.status}`);
        await res.arrayBuffer();
      }
      const res = await fetch(`${base}/${k}`);
      await res.arrayBuffer();
      const dash = await fetch(`${base}/dashboard/${k}`);
      assert.equal(dash.status, 404, `/dashboard/${key}`);
      await dash.arrayBuffer();
    }
    await assertStillServing();
  });
});

describe('names inherited from Object.prototype as config keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'natstream-proto-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Parsing either succeeds or reports a config error; it never throws a TypeError. */
  function parse(text: string, argv: string[] = []): void {
    const file = join(dir, 'c.conf');
    writeFileSync(file, text);
    const r = parseCommandLine(['-c', file, ...argv], { env: {} });
    if ('error' in r) assert.equal(typeof (r as { error: unknown }).error, 'string');
  }

  for (const key of INHERITED) {
    it(`key ${key}`, () => {
      const q = JSON.stringify(key);
      parse(`${q}: 1\n`);
      parse(`streaming { ${q}: 1 }\n`);
      parse(`streaming { store_limits { ${q}: 1, channels { ${q}: { max_msgs: 5 } } } }\n`);
      parse(`authorization { users [ { user: ${q}, password: ${q}, permissions { publish: ${q} } } ] }\n`);
      parse(`tls { ${q}: 1 }\n`);
      parse(`a: $${key.replace(/[^A-Za-z0-9_]/g, '')}\n`);
      parse(`max_payload: 1${key}\n`);
      parse('', [`--${key}`, '1']);
      parse('', ['--max_age', `1${key}`]);
      parse('', ['--signal', `${key}=1`]);
    });
  }
});
