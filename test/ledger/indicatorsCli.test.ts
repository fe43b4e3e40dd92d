import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../common/logger.js';
import { loadCatalogSnapshot } from '../../catalog/index.js';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';
import { createLedgerWriter } from '../../ledger/index.js';
import { buildIndicatorReport } from '../../ledger/indicatorReport.js';
import { createTestDatabase, databaseKinds, onCliDatabase, type TestDatabase } from '../support/databases.js';
import { childEnv, runCli, temporaryFolder } from '../support/processRunner.js';
import { exchangeRecord } from './exchangeRecords.js';

const demo = buildDemoCatalog();
const HRSS = demoDepartmentCode(demo, 'hrss');
const PSB = demoDepartmentCode(demo, 'psb');

for (const kind of databaseKinds) {
  describe(`CLI: meridian report (${kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'})`, function () {
    this.timeout(180_000);
    let folder: ReturnType<typeof temporaryFolder>;
    let env: NodeJS.ProcessEnv;
    let server: TestDatabase | null = null;

    before(async () => {
      folder = temporaryFolder('meridian-report');
      server = kind === 'postgres' ? await createTestDatabase('postgres') : null;
      env = childEnv({ MERIDIAN_DATA_DIR: folder.path, MERIDIAN_LOG_LEVEL: 'warn', ...(server ? { DATABASE_URL: server.url! } : {}) });
      const catalogPath = join(folder.path, 'demo.json');
      writeFileSync(catalogPath, JSON.stringify(demo));
      const imported = await runCli(['catalog', 'import', catalogPath], env);
      assert.equal(imported.code, 0, imported.stderr);
      await onCliDatabase(server, folder.path, async (db) => {
        const writer = createLedgerWriter(db.knex, { maxBatch: 500, maxWaitMs: 0, logger: silentLogger() });
        await writer.start();
        await Promise.all(
          Array.from({ length: 300 }, (_, i) =>
            writer.append(
              exchangeRecord({
                exchangeId: randomUUID(),
                at: new Date(Date.parse('2024-03-01T00:00:00+08:00') + i * 997_000).toISOString(),
                consumerDepartment: HRSS,
                providerDepartment: PSB,
                outcome: i % 10 === 0 ? 'DENIED' : 'OK',
                rows: i % 10 === 0 ? 0 : i % 7,
              }),
            ),
          ),
        );
        await writer.close();
      });
    });
    after(async () => {
      await server?.drop();
      folder?.remove();
    });

    it('prints as JSON the figures buildIndicatorReport computes, dates read in the configured zone', async () => {
      const result = await runCli(['report', '--from', '2024-03-01', '--to', '2024-03-04T12:30:00+08:00', '--format', 'json'], env);
      assert.equal(result.code, 0, result.stderr);
      const printed = JSON.parse(result.stdout) as { from: string; volume: unknown; series: unknown[]; providers: { department: { code: string; name: string } }[] };
      const expected = await onCliDatabase(server, folder.path, async (db) =>
        buildIndicatorReport(db.knex, await loadCatalogSnapshot(db.knex), {
          from: new Date('2024-03-01T00:00:00+08:00'),
          to: new Date('2024-03-04T12:30:00+08:00'),
          granularity: 'DAY',
          timeZone: 'Asia/Shanghai',
          now: new Date(),
        }),
      );
      assert.equal(printed.from, '2024-02-29T16:00:00.000Z');
      assert.deepEqual(printed.volume, expected.volume);
      assert.deepEqual(printed.series, expected.series);
      assert.equal((expected.volume as { calls: number }).calls, 300);
      assert.equal(printed.providers.find((p) => p.department.code === PSB)!.department.name, '杭州市公安局');
    });

    it('prints Markdown by default and CSV on request, with monthly buckets', async () => {
      const md = await runCli(['report', '--from', '2024-02', '--to', '2024-04', '--granularity', 'MONTH'], env);
      assert.equal(md.code, 0, md.stderr);
      assert.match(md.stdout, /^# 信息资源指标报告/);
      assert.match(md.stdout, /\| 调用次数 \| 300 \|/);
      const csv = await runCli(['report', '--from', '2024-02', '--to', '2024-04', '--granularity', 'MONTH', '--format', 'csv'], env);
      assert.equal(csv.code, 0, csv.stderr);
      assert.match(csv.stdout, /^# summary\nfigure,label,value\n/);
      assert.match(csv.stdout, /# series\nat,label,calls,records,denied\n2024-01-31T16:00:00.000Z,2024-02,0,0,0\n2024-02-29T16:00:00.000Z,2024-03,300,/);
    });

    it('refuses a period that ends before it starts, saying why, with exit status 1', async () => {
      const result = await runCli(['report', '--from', '2024-03-02', '--to', '2024-03-01'], env);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^BAD_USER_INPUT: from .* must be before to/);
      assert.equal(result.stdout, '');
    });
  });
}
