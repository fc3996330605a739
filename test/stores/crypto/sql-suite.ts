/**
 * Encryption at rest on the SQL store (one test file per driver): the Messages rows
 * hold the Go byte format in MsgProto.data (read back by the independent decoder),
 * the messages read back in clear after a restart, and a wrong key refuses the start.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../../src/index.js';
import type { SqlDriver } from '../../../src/stores/sql/options.js';
import { startTestDatabase } from '../../support/databases.js';
import { Inbox, closeStan, connectStan, publish, type Stan } from '../../streaming/harness.js';
import { protoFields } from '../file/helpers.js';
import { specOpen } from './spec-decoder.js';

const KEY = 'sql-master-key';

export async function runEncryptedSqlTests(driver: SqlDriver): Promise<void> {
  const tdb = await startTestDatabase(driver);
  after(() => tdb.shutdown());

  function start(key: string): Promise<RunningServer> {
    return startServer({
      port: 0, host: '127.0.0.1', clusterId: 'enc-sql',
      store: { type: 'SQL', sql: { driver, source: tdb.source }, encryption: { cipher: 'AES', key } },
    });
  }

  describe(`encryption at rest: SQL store (${driver})`, () => {
    it('stores the Go format, reads back after a restart, refuses a wrong key', async () => {
      await tdb.reset();
      let server: RunningServer | undefined = await start(KEY);
      let sc: Stan | undefined;
      try {
        sc = await connectStan(server.natsUrl, 'enc-sql', 'w');
        await publish(sc, 'orders', 'first order');
        await publish(sc, 'orders', 'second order');
        await closeStan(sc);
        sc = undefined;
        await server.close();
        server = undefined;

        const rows = await tdb.admin().query('SELECT seq, data FROM Messages ORDER BY seq');
        assert.equal(rows.length, 2);
        const clear = rows.map((r) => {
          const data = protoFields(Buffer.from(r[1] as Uint8Array)).find(([n]) => n === 4)![1] as Buffer;
          const o = specOpen(KEY, 'orders', data);
          assert.equal(o.code, 1);
          return o.clear.toString();
        });
        assert.deepEqual(clear, ['first order', 'second order']);

        await assert.rejects(start('wrong'), /^Error: unable to recover message store for \[orders\]: cipher: message authentication failed$/);

        server = await start(KEY);
        sc = await connectStan(server.natsUrl, 'enc-sql', 'r');
        const sub = sc.subscribe('orders', sc.subscriptionOptions().setDeliverAllAvailable());
        const inbox = new Inbox(sub);
        const got = await inbox.take(2);
        assert.deepEqual(got.map((r) => r.data.toString()), ['first order', 'second order']);
      } finally {
        if (sc) await closeStan(sc);
        await server?.close();
      }
    });
  });
}
