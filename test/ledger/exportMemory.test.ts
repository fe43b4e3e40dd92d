import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { insertBulkLedger } from '../support/bulkLedger.js';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../support/databases.js';

const run = promisify(execFile);

/** Generous: the export holds one page at a time; a process that held a million records would pass 1 GB. */
const PEAK_RSS_BOUND_MB = 400;
/**
 * The child's V8 heap is capped well below the export's size (about 740 MB), so an export that
 * buffered would die of it; without the cap V8 collects lazily and the peak RSS says little.
 */
const HEAP_CAP_MB = 192;

(testDatabaseUrl ? describe : describe.skip)('Ledger: exporting a million records keeps memory flat (PostgreSQL)', function () {
  this.timeout(240_000);
  let testDb: TestDatabase;

  before(async () => {
    testDb = await createTestDatabase('postgres');
    const { knex } = testDb.db;
    // A million records over January 2026, written in one statement: the memory of the export, not of the generation, is measured.
    await insertBulkLedger(knex, 1_000_000);
  });
  after(async () => {
    await testDb?.drop();
  });

  it('streams 1,000,000 records as JSON Lines under a fixed peak RSS', async () => {
    const { stdout } = await run(
      process.execPath,
      [`--max-old-space-size=${HEAP_CAP_MB}`, '--import', 'tsx', 'test/support/exportPeakRss.ts', testDb.url!, '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', 'jsonl'],
      { maxBuffer: 1 << 20 },
    );
    const result = JSON.parse(stdout) as { records: number; bytes: number; maxRssMb: number };
    assert.equal(result.records, 1_000_000);
    assert.ok(result.bytes > 500_000_000, `the export is about half a gigabyte (${result.bytes} bytes)`);
    assert.ok(result.maxRssMb < PEAK_RSS_BOUND_MB, `peak RSS ${result.maxRssMb.toFixed(0)} MB stays under ${PEAK_RSS_BOUND_MB} MB`);
  });
});
