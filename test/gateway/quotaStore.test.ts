import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { cliActor } from '../../db/index.js';
import { importCatalog, loadCatalogSnapshot } from '../../catalog/index.js';
import { sourceKindsFor } from '../../connectors/index.js';
import { loadConfig } from '../../common/config.js';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';
import { createGrant } from '../../gateway/grants/grantStore.js';
import { admitExchange, pruneQuotaCounters, quotaWindows, releaseRows } from '../../gateway/grants/quotaStore.js';
import type { Grant } from '../../policies/index.js';
import { describeEachDatabase } from '../support/databases.js';

const demo = buildDemoCatalog();
const NOW = new Date('2026-11-30T03:00:30Z');

describeEachDatabase('Quotas: admission against counters shared by every instance', (get, kind) => {
  let knex: Knex;
  let grantNo = 0;

  async function grantWith(limits: { maxCallsPerMinute?: number; maxRowsPerDay?: number; validUntil?: Date }): Promise<Grant> {
    grantNo += 1;
    const catalog = await loadCatalogSnapshot(knex);
    return createGrant(
      knex,
      catalog,
      {
        resourceCode: '101001/000001',
        consumerDepartment: demoDepartmentCode(demo, 'hwc'),
        items: ['idNumber'],
        validFrom: new Date('2026-01-01T00:00:00Z'),
        validUntil: limits.validUntil ?? new Date('2027-01-01T00:00:00Z'),
        maxCallsPerMinute: limits.maxCallsPerMinute ?? null,
        maxRowsPerDay: limits.maxRowsPerDay ?? null,
      },
      { ...cliActor, keyId: `test-${grantNo}` },
    );
  }

  before(async () => {
    knex = get().db.knex;
    // Departments, connectors and resources only: grants need a resource to point at.
    await importCatalog(knex, demo, sourceKindsFor(loadConfig({}).connectors), cliActor);
  });

  it('places the day window at local midnight in the configured zone', () => {
    const windows = quotaWindows(new Date('2026-11-30T17:30:00Z'), 'Asia/Shanghai');
    assert.equal(windows.dayStart.toISOString(), '2026-11-30T16:00:00.000Z');
    assert.equal(windows.dayEndsAt.toISOString(), '2026-12-01T16:00:00.000Z');
    assert.equal(windows.minuteStart.toISOString(), '2026-11-30T17:30:00.000Z');
    assert.equal(windows.minuteEndsAt.toISOString(), '2026-11-30T17:31:00.000Z');
  });

  it('admits exactly maxCallsPerMinute calls of 20 racing ones, and reports the usage found before each', async () => {
    const grant = await grantWith({ maxCallsPerMinute: 5 });
    const windows = quotaWindows(NOW, 'Asia/Shanghai');
    const results = await Promise.all(Array.from({ length: 20 }, () => admitExchange(knex, grant, 10, windows, NOW)));
    assert.equal(results.filter((r) => r.admitted).length, 5, `${kind}: five admitted`);
    assert.deepEqual(
      results.filter((r) => r.admitted).map((r) => r.usage.callsThisMinute).sort(),
      [0, 1, 2, 3, 4],
    );
    assert.ok(results.filter((r) => !r.admitted).every((r) => r.usage.callsThisMinute === 5));
    const next = quotaWindows(new Date(NOW.getTime() + 60_000), 'Asia/Shanghai');
    assert.equal((await admitExchange(knex, grant, 10, next, new Date(NOW.getTime() + 60_000))).admitted, true, 'a new minute starts afresh');
  });

  it('reserves no more rows than the day has left, and takes back what was not delivered', async () => {
    const grant = await grantWith({ maxRowsPerDay: 25 });
    const windows = quotaWindows(NOW, 'Asia/Shanghai');
    const first = await admitExchange(knex, grant, 20, windows, NOW);
    assert.deepEqual([first.admitted, first.reservedRows, first.usage.rowsToday], [true, 20, 0]);
    await releaseRows(knex, grant.id, windows, 12); // only 8 of the 20 were delivered
    const second = await admitExchange(knex, grant, 20, windows, NOW);
    assert.deepEqual([second.admitted, second.reservedRows, second.usage.rowsToday], [true, 17, 8]);
    const third = await admitExchange(knex, grant, 20, windows, NOW);
    assert.deepEqual([third.admitted, third.reservedRows, third.usage.rowsToday], [false, 0, 25]);
  });

  it('re-reads the grant: a revocation or an ended validity refuses admission and shows in the fresh grant', async () => {
    const grant = await grantWith({ maxCallsPerMinute: 100 });
    const windows = quotaWindows(NOW, 'Asia/Shanghai');
    await knex('grants').where({ id: grant.id }).update({ revoked_at: NOW });
    const revoked = await admitExchange(knex, grant, 5, windows, NOW);
    assert.equal(revoked.admitted, false);
    assert.equal(revoked.grant.revokedAt?.toISOString(), NOW.toISOString());
    const ended = await grantWith({ validUntil: new Date(NOW.getTime() - 1) });
    const expired = await admitExchange(knex, ended, 5, windows, NOW);
    assert.equal(expired.admitted, false);
    assert.equal(expired.grant.validUntil?.toISOString(), new Date(NOW.getTime() - 1).toISOString());
  });

  it('prunes counters of ended windows, keeping the current day', async () => {
    const grant = await grantWith({ maxCallsPerMinute: 10, maxRowsPerDay: 10 });
    const old = new Date(NOW.getTime() - 3 * 86_400_000);
    await admitExchange(knex, grant, 1, quotaWindows(old, 'Asia/Shanghai'), old);
    await admitExchange(knex, grant, 1, quotaWindows(NOW, 'Asia/Shanghai'), NOW);
    await pruneQuotaCounters(knex, new Date(NOW.getTime() - 3_600_000));
    const left = (await knex('quota_counters').where({ grant_id: grant.id }).orderBy(['kind', 'window_start'])) as { kind: string }[];
    assert.deepEqual(left.map((row) => row.kind), ['calls', 'rows'], 'only the current minute and day remain');
  });
});
