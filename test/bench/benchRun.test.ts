import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { testDatabaseUrl } from '../support/databases.js';

const run = promisify(execFile);

/** `npm run bench` at a small size: it must still run end to end, reconcile its reports and print its ratios. */
(testDatabaseUrl ? describe : describe.skip)('Bench: npm run bench on a small ledger', function () {
  this.timeout(180_000);

  it('measures ingest and indicator reports, and the roll-up and raw reports agree', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
      env: { ...process.env, BENCH_DATABASE_URL: testDatabaseUrl!, BENCH_LEDGER_RECORDS: '20000', BENCH_INGEST_RECORDS: '600' },
      maxBuffer: 16 << 20,
    });
    assert.match(stdout, /group commit \/ one INSERT per record: [\d.]+x/);
    assert.match(stdout, /raw records \/ roll-ups: MONTH [\d.]+x, DAY [\d.]+x/);
    const results = JSON.parse(stdout.slice(stdout.indexOf('--- json ---') + '--- json ---'.length)) as Record<string, unknown>;
    assert.ok(results && typeof results === 'object');
  });
});
