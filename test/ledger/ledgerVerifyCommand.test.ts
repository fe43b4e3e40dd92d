import assert from 'node:assert/strict';
import { createTestDatabase, databaseKinds, onCliDatabase, type TestDatabase } from '../support/databases.js';
import { childEnv, runCli, temporaryFolder } from '../support/processRunner.js';
import { hourly, recordAt, writeChain } from './ledgerChains.js';

for (const kind of databaseKinds) {
  describe(`CLI: meridian ledger verify (${kind === 'pglite' ? 'PGlite data folder' : 'PostgreSQL'})`, function () {
    this.timeout(120_000);
    let folder: ReturnType<typeof temporaryFolder>;
    let server: TestDatabase | null = null;
    let env: NodeJS.ProcessEnv;

    before(async () => {
      folder = temporaryFolder('meridian-ledger-verify');
      if (kind === 'postgres') server = await createTestDatabase('postgres');
      env = childEnv({
        MERIDIAN_DATA_DIR: folder.path,
        MERIDIAN_LOG_LEVEL: 'warn',
        ...(server?.url ? { DATABASE_URL: server.url } : {}),
      });
      // Records 1..24 an hour apart from 2024-01-31T20:00Z.
      await onCliDatabase(server, folder.path, ({ knex }) => Promise.all([writeChain(knex, 'gw-a', 24, { record: hourly }), writeChain(knex, 'gw-b', 6)]));
    });
    after(async () => {
      await server?.drop();
      folder?.remove();
    });

    it('prints every writer as OK and exits 0 on an untouched ledger', async () => {
      const result = await runCli(['ledger', 'verify'], env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout,
        [
          'ledger OK: 2 writer(s), 0 broken',
          '  gw-a: 24 record(s), last checkpoint seq 24, OK',
          '  gw-b: 6 record(s), last checkpoint seq 6, OK',
          '',
        ].join('\n'),
      );
    });

    it('exits 1 on a tampered ledger and prints the writer, the seq and why', async () => {
      await onCliDatabase(server, folder.path, ({ knex }) => recordAt(knex, 'gw-a', 10).update({ row_count: 777 }));
      const result = await runCli(['ledger', 'verify'], env);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /^ledger BROKEN: 2 writer\(s\), 1 broken\n/);
      assert.match(result.stdout, /\n {2}gw-a: 24 record\(s\), last checkpoint seq 24, BROKEN at seq 10: edited: record 10 was altered/);
      assert.match(result.stdout, /\n {2}gw-b: 6 record\(s\), last checkpoint seq 6, OK\n/);
    });

    it('checks only the window given by --from and --to', async () => {
      const after = await runCli(['ledger', 'verify', '--from', hourly(12).at!, '--to', hourly(20).at!], env);
      assert.equal(after.code, 0, after.stdout + after.stderr);
      assert.match(after.stdout, /gw-a: 8 record\(s\), last checkpoint seq 24, OK/);
      const around = await runCli(['ledger', 'verify', '--from', '2024-02-01T08:00:00+08:00'], env);
      assert.equal(around.code, 1);
      assert.match(around.stdout, /from 2024-02-01T08:00:00\+08:00 to now/);
      assert.match(around.stdout, /gw-a: 20 record\(s\), .*BROKEN at seq 10/);
    });

    it('refuses a date-time without an offset', async () => {
      const result = await runCli(['ledger', 'verify', '--from', '2024-02-01'], env);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^BAD_USER_INPUT: `from` must be an ISO 8601 date-time with offset/);
      assert.equal(result.stdout, '');
    });
  });
}
