import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, StringCodec } from 'nats';
import { startServer } from '../../src/index.js';
import { RawClient } from '../support/raw-client.js';
import { makeTestCerts, type TestCerts } from '../support/certs.js';

const sc = StringCodec();
let certs: TestCerts;
before(() => {
  certs = makeTestCerts();
});
after(() => certs.cleanup());

test('TLS: INFO announces tls_required, a TLS client works, a clear-text one is cut', async () => {
  const server = await startServer({ port: 0, host: '127.0.0.1', core: { tls: { cert: certs.serverCert, key: certs.serverKey } } });
  try {
    const raw = await RawClient.connect(server.port);
    const info = await raw.untilIncludes('\r\n');
    assert.match(info, /"tls_required":true/);
    raw.write('CONNECT {"verbose":false}\r\nPING\r\n');
    const got = await raw.untilClosed();
    assert.ok(!got.slice(info.length).includes('PONG'), 'no clear-text answer');

    const nc = await connect({ servers: server.natsUrl, tls: { caFile: certs.ca } });
    const sub = nc.subscribe('secure', { max: 1 });
    nc.publish('secure', sc.encode('over tls'));
    for await (const m of sub) assert.equal(sc.decode(m.data), 'over tls');
    await nc.close();
  } finally {
    await server.close();
  }
});

test('TLS verify: a client certificate is required', async () => {
  const server = await startServer({
    port: 0, host: '127.0.0.1',
    core: { tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, verify: true } },
  });
  try {
    await assert.rejects(connect({ servers: server.natsUrl, tls: { caFile: certs.ca }, reconnect: false }));
    const nc = await connect({
      servers: server.natsUrl,
      tls: { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey },
    });
    await nc.flush();
    await nc.close();
  } finally {
    await server.close();
  }
});
