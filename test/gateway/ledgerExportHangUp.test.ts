import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../common/index.js';
import { startGateway, type Gateway } from '../../gateway/createGateway.js';
import { insertBulkLedger } from '../support/bulkLedger.js';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../support/databases.js';
import { logSink } from '../support/logSink.js';

(testDatabaseUrl ? describe : describe.skip)('Gateway: an auditor hanging up during GET /ledger/export (PostgreSQL)', function () {
  this.timeout(60_000);
  let testDb: TestDatabase;
  let gateway: Gateway;
  const log = logSink('info');

  before(async () => {
    testDb = await createTestDatabase('postgres');
    const { knex } = testDb.db;
    // About 70 MB of JSON Lines: far more than the socket buffers hold, so the export must wait for the client.
    await insertBulkLedger(knex, 100_000);
    const config = loadConfig({}, { port: 0, host: '127.0.0.1', demo: false, adminKey: 'an-admin-key-for-the-hang-up-test', logLevel: 'info' });
    gateway = await startGateway({ config, logger: log.logger, database: testDb.db });
  });
  after(async () => {
    await gateway?.close();
    await testDb?.drop();
  });

  it('stops reading the ledger and says so in the log, instead of waiting for a reader that is gone', async () => {
    const hangUp = new AbortController();
    const response = await fetch(`${gateway.url.replace(/\/graphql$/, '')}/ledger/export?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z`, {
      headers: { authorization: 'Bearer an-admin-key-for-the-hang-up-test' },
      signal: hangUp.signal,
    });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    assert.ok((await reader.read()).value!.length > 0, 'the export has begun');
    hangUp.abort();

    let stopped: Record<string, unknown> | undefined;
    for (let waited = 0; waited < 10_000 && !stopped; waited += 50) {
      stopped = log.records().find((line) => line.msg === 'ledger export stopped midway');
      if (!stopped) await sleep(50);
    }
    assert.ok(stopped, 'the gateway logs the export it stopped');
    assert.equal(stopped.err, 'the client closed the connection');
    assert.equal(stopped.level, 40, 'a warning: the auditor hung up, nothing failed');
  });
});
