import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, databaseKinds, onCliDatabase, type TestDatabase } from '../support/databases.js';
import { childEnv, runCli, temporaryFolder } from '../support/processRunner.js';
import { writeChain } from '../ledger/ledgerChains.js';

/** Months from 2021-01 to 2021-04: five years and more before these tests run, well past the 36 months kept. */
const GW_A_DAYS = ['01-05', '01-20', '02-03', '02-14', '02-27', '03-09', '04-02'];
const GW_B_DAYS = ['01-11', '02-08', '04-19'];

function instants(days: readonly string[]) {
  return (i: number) => ({ at: `2021-${days[i]}T08:00:00.000Z`, finishedAt: `2021-${days[i]}T08:00:00.020Z` });
}

function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Whole months from 2021-03 to the month of this test run. */
function monthsSinceMarch2021(): number {
  const now = new Date();
  return now.getUTCFullYear() * 12 + now.getUTCMonth() - (2021 * 12 + 2);
}

for (const kind of databaseKinds) {
  describe(`CLI: meridian ledger archive (${kind === 'pglite' ? 'PGlite data folder' : 'PostgreSQL'})`, function () {
    this.timeout(120_000);
    let folder: ReturnType<typeof temporaryFolder>;
    let archives: string;
    let server: TestDatabase | null = null;
    let env: NodeJS.ProcessEnv;

    before(async () => {
      folder = temporaryFolder('meridian-ledger-archive');
      archives = join(folder.path, 'archives');
      if (kind === 'postgres') server = await createTestDatabase('postgres');
      env = childEnv({
        MERIDIAN_DATA_DIR: folder.path,
        MERIDIAN_LOG_LEVEL: 'warn',
        ...(server?.url ? { DATABASE_URL: server.url } : {}),
      });
      await onCliDatabase(server, folder.path, async ({ knex }) => {
        await writeChain(knex, 'gw-a', GW_A_DAYS.length, { record: instants(GW_A_DAYS) });
        await writeChain(knex, 'gw-b', GW_B_DAYS.length, { record: instants(GW_B_DAYS) });
      });
    });
    after(async () => {
      await server?.drop();
      folder?.remove();
    });

    it('refuses a month within the configured retention, exits 1 with the code and why, and archives nothing', async () => {
      const now = new Date();
      const thisMonth = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
      const recent = await runCli(['ledger', 'archive', '--before', thisMonth, '--dir', archives], env);
      assert.equal(recent.code, 1, recent.stdout + recent.stderr);
      assert.match(recent.stderr, new RegExp(`^BAD_USER_INPUT: Cannot archive the months before ${thisMonth}: records are kept 36 months \\(ledger\\.retentionMonths\\)`));
      assert.equal(recent.stdout, '');

      // 2021-03 is old enough for the default, not for a retention one month longer than its age.
      const retentionMonths = String(monthsSinceMarch2021() + 1);
      const longer = await runCli(['ledger', 'archive', '--before', '2021-03', '--dir', archives], {
        ...env,
        MERIDIAN_LEDGER_RETENTION_MONTHS: retentionMonths,
      });
      assert.equal(longer.code, 1, longer.stdout + longer.stderr);
      assert.match(longer.stderr, new RegExp(`^BAD_USER_INPUT: Cannot archive the months before 2021-03: records are kept ${retentionMonths} months`));

      const badMonth = await runCli(['ledger', 'archive', '--before', '2021-03-15', '--dir', archives], env);
      assert.equal(badMonth.code, 1);
      assert.match(badMonth.stderr, /^BAD_USER_INPUT: `before` must be a month, YYYY-MM/);

      assert.equal(await onCliDatabase(server, folder.path, async ({ knex }) => Number((await knex('ledger_records').count({ n: '*' }))[0]!.n)), 10);
      assert.deepEqual(readdirSync(folder.path).includes('archives') ? readdirSync(archives) : [], []);
    });

    it('writes the months before --before to files, prints each with its records and SHA-256, and the ledger still verifies', async () => {
      const result = await runCli(['ledger', 'archive', '--before', '2021-03', '--dir', archives], env);
      assert.equal(result.code, 0, result.stderr);
      const jan = join(archives, 'ledger_records_y2021m01.jsonl');
      const feb = join(archives, 'ledger_records_y2021m02.jsonl');
      assert.equal(
        result.stdout,
        [
          'archived the ledger before 2021-03-01T00:00:00.000Z: 2 partition(s), 7 record(s)',
          `  ${jan}: 3 record(s), sha256 ${sha256Of(jan)}`,
          `  ${feb}: 4 record(s), sha256 ${sha256Of(feb)}`,
          '',
        ].join('\n'),
      );
      // Each file ends with its trailer; January's chains start at the genesis.
      const janLines = readFileSync(jan, 'utf8').trimEnd().split('\n');
      assert.equal(janLines.length, 4);
      assert.deepEqual(
        (JSON.parse(janLines[3]!) as { trailer: { chains: { writer: string; firstSeq: number; records: number }[] } }).trailer.chains.map((c) => [
          c.writer,
          c.firstSeq,
          c.records,
        ]),
        [
          ['gw-a', 1, 2],
          ['gw-b', 1, 1],
        ],
      );

      const verify = await runCli(['ledger', 'verify'], env);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, /^ledger OK: 2 writer\(s\), 0 broken\n {2}gw-a: 2 record\(s\), last checkpoint seq 7, OK\n {2}gw-b: 1 record\(s\), last checkpoint seq 3, OK\n$/);
    });

    it('archives nothing when run again with the same month', async () => {
      const result = await runCli(['ledger', 'archive', '--before', '2021-03', '--dir', archives], env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'nothing to archive before 2021-03-01T00:00:00.000Z\n');
      assert.deepEqual(readdirSync(archives).sort(), ['ledger_records_y2021m01.jsonl', 'ledger_records_y2021m02.jsonl']);
    });
  });
}
