import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { loadConfig } from '../../common/config.js';
import { isMeridianError, type Problem } from '../../common/errors.js';
import { loadCatalogSnapshot, type SourceKinds } from '../../catalog/index.js';
import { sourceKindsFor } from '../../connectors/index.js';
import {
  PROVINCE_GATEWAY_CONNECTOR,
  PROVINCE_RESOURCE_CODES,
  PROVINCIAL_RESOURCES,
  buildDemoCatalog,
  buildProvinceCatalog,
  demoDepartmentCode,
  provinceDepartmentCode,
} from '../../demo/index.js';
import { isEmptyDatabase, loadDemo } from '../../gateway/startup/loadDemo.js';
import { describeEachDatabase } from '../support/databases.js';

const NOW = new Date('2025-07-01T01:00:00.000Z');
const UPSTREAM = 'http://127.0.0.1:4001/graphql';
const city = buildDemoCatalog();
const province = buildProvinceCatalog();

function kinds(overrides: Record<string, unknown> = {}): SourceKinds {
  return sourceKindsFor(loadConfig({}, overrides).connectors);
}

async function grantsOf(knex: Knex): Promise<string[][]> {
  const rows = (await knex('grants').select('resource_code', 'consumer_department').orderBy('resource_code')) as {
    resource_code: string;
    consumer_department: string;
  }[];
  return rows.map((row) => [row.resource_code, row.consumer_department]);
}

describeEachDatabase('Demo: loading the province profile', (get) => {
  let knex: Knex;

  before(() => {
    knex = get().db.knex;
  });

  it('loads the province catalog, data, grant and one key per role, the GATEWAY key held by the city operator', async () => {
    const keys = await loadDemo(knex, kinds(), NOW, { demoProfile: 'province', demoUpstream: null });
    const byRole = Object.fromEntries(keys.map((key) => [key.role, key]));
    assert.deepEqual(
      [byRole.GATEWAY?.department, byRole.GATEWAY?.departmentName, byRole.GATEWAY?.label],
      [demoDepartmentCode(city, 'operator'), '杭州市数据资源管理局', '杭州市数据共享交换平台'],
    );
    assert.equal(byRole.CATALOG_ADMIN?.departmentName, '浙江省大数据发展管理局');
    assert.equal(byRole.AUDITOR?.departmentName, '浙江省大数据发展管理局');
    assert.equal(new Set(keys.map((key) => key.key)).size, keys.length, 'every key is its own');

    const catalog = await loadCatalogSnapshot(knex);
    assert.deepEqual([...catalog.published.keys()].sort(), Object.values(PROVINCE_RESOURCE_CODES).sort());
    assert.deepEqual(await grantsOf(knex), [[PROVINCE_RESOURCE_CODES.seriousViolations, provinceDepartmentCode(province, 'drc')]]);
    const [rated] = await knex.withSchema('dept_zj_amr').from('enterprise_credit_ratings').count({ n: '*' });
    assert.ok(Number(rated!.n) > 100, `only ${rated!.n} ratings`);
  });

  it("loads none of the city's departments' data", async () => {
    assert.equal(await knex.schema.withSchema('dept_amr').hasTable('enterprises'), false);
    const catalog = await loadCatalogSnapshot(knex);
    assert.ok(![...catalog.resources.values()].some((r) => r.apiName === 'enterprises'));
  });
});

describeEachDatabase('Demo: loading the city with a province upstream', (get) => {
  let knex: Knex;

  before(() => {
    knex = get().db.knex;
  });

  it('refuses, loading nothing, while the upstream host is not allowed and its key secret not configured', async () => {
    await assert.rejects(
      () => loadDemo(knex, kinds(), NOW, { demoProfile: 'city', demoUpstream: UPSTREAM }),
      (error: unknown) => {
        assert.ok(isMeridianError(error) && error.code === 'VALIDATION_FAILED', String(error));
        const problems = (error.extensions.problems ?? []) as Problem[];
        assert.ok(problems.some((p) => /url/.test(p.path) && /allow-list/.test(p.message)), JSON.stringify(problems));
        assert.ok(problems.some((p) => /secret/.test(p.path) && /DEMO_UPSTREAM_KEY/.test(p.message)), JSON.stringify(problems));
        return true;
      },
    );
    assert.equal(await isEmptyDatabase(knex), true);
    assert.equal(await knex.schema.withSchema('dept_amr').hasTable('enterprises'), false, 'the source tables are rolled back too');
  });

  it("registers the province provider, its gateway connector and the resources served from it beside the city's own", async () => {
    const allowed = kinds({ 'connectors.httpAllowList': ['127.0.0.1:4001'], 'connectors.secrets': { DEMO_UPSTREAM_KEY: 'mrd_test' } });
    const keys = await loadDemo(knex, allowed, NOW, { demoProfile: 'city', demoUpstream: UPSTREAM });
    assert.equal(keys.find((key) => key.role === 'CONSUMER')?.departmentName, '杭州市人力资源和社会保障局');

    const catalog = await loadCatalogSnapshot(knex);
    const amr = provinceDepartmentCode(province, 'amr');
    assert.equal(catalog.departments.get(amr)?.level, 'PROVINCIAL');
    const connector = catalog.connectors.get(PROVINCE_GATEWAY_CONNECTOR);
    assert.deepEqual([connector?.kind, connector?.department], ['GATEWAY', amr]);
    const served = [...catalog.published.values()].filter((r) => r.source.connector === PROVINCE_GATEWAY_CONNECTOR);
    assert.deepEqual(served.map((r) => r.apiName).sort(), ['provincialCreditRatings', 'provincialSeriousViolations']);
    for (const r of city.resources.filter((r) => r.status === 'PUBLISHED' && r.shareMethod === 'INTERFACE')) {
      assert.ok(catalog.published.has(r.code), `the city's own ${r.apiName} is published too`);
    }
    const grants = await grantsOf(knex);
    assert.ok(grants.some(([code, department]) => code === PROVINCIAL_RESOURCES.seriousViolations.code && department === demoDepartmentCode(city, 'hrss')));
  });
});
