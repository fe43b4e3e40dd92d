import assert from 'node:assert/strict';
import net from 'node:net';
import pg from 'pg';
import { testDatabaseUrl } from '../../support/databases.js';
import { startStatementCounter, type StatementCounter } from '../../support/pgStatementCounter.js';

/** Sends one startup-phase request code and resolves with the first byte answered. */
function probe(port: number, code: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      const request = Buffer.alloc(8);
      request.writeInt32BE(8, 0);
      request.writeInt32BE(code, 4);
      socket.write(request);
    });
    socket.once('data', (answer) => {
      socket.destroy();
      resolve(answer.toString('latin1', 0, 1));
    });
    socket.once('error', reject);
  });
}

(testDatabaseUrl ? describe : describe.skip)(
  `Test support: the statement-counting PostgreSQL proxy${testDatabaseUrl ? '' : ' (skipped: set TEST_DATABASE_URL to a PostgreSQL server to run)'}`,
  () => {
    let counter: StatementCounter;
    let client: pg.Client;

    before(async () => {
      counter = await startStatementCounter(testDatabaseUrl!);
      client = new pg.Client({ connectionString: counter.url(new URL(testDatabaseUrl!).pathname.slice(1)) });
      await client.connect();
    });
    after(async () => {
      await client?.end();
      await counter?.close();
    });
    beforeEach(() => counter.reset());

    it('answers an SSL or GSSAPI probe with N, as a server without them does', async () => {
      assert.equal(await probe(counter.port, 80877103), 'N');
      assert.equal(await probe(counter.port, 80877104), 'N');
    });

    it('counts simple queries and Parse messages with their SQL, and forwards the answers', async () => {
      const simple = await client.query('select 1 as one');
      const parsed = await client.query('select $1::int + 1 as two', [1]);
      assert.equal(simple.rows[0].one, 1);
      assert.equal(parsed.rows[0].two, 2);
      assert.deepEqual(counter.statements(), [
        { message: 'Q', sql: 'select 1 as one' },
        { message: 'P', sql: 'select $1::int + 1 as two' },
      ]);
    });

    it('keeps SQL longer than one TCP packet whole', async () => {
      const values = Array.from({ length: 40_000 }, (_, i) => i);
      const sql = `select count(*)::int as n from unnest(array[${values.join(',')}])`;
      const result = await client.query(sql);
      assert.equal(result.rows[0].n, values.length);
      assert.deepEqual(counter.statements().map((statement) => statement.sql), [sql]);
    });

    it('picks out the reads of one table, quoted or not, and nothing else', async () => {
      await client.query('select relname from pg_catalog.pg_class limit 1');
      await client.query('select "oid" from "pg_catalog"."pg_class" where relname = $1', ['pg_class']);
      // A table of a longer name is another table (the server refuses it: it does not exist).
      await assert.rejects(client.query('select 1 from pg_catalog.pg_class_extra where false'));
      await client.query('select nspname from pg_catalog.pg_namespace limit 1');
      assert.equal(counter.statements().length, 4);
      assert.deepEqual(counter.readsOf('pg_catalog.pg_class'), [
        'select relname from pg_catalog.pg_class limit 1',
        'select "oid" from "pg_catalog"."pg_class" where relname = $1',
      ]);
      assert.equal(counter.readsOf('pg_namespace').length, 1);
    });

    it('forgets what it counted on reset', async () => {
      await client.query('select 1');
      counter.reset();
      assert.deepEqual(counter.statements(), []);
    });
  },
);
