import assert from 'node:assert/strict';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, onlyError, startDemoGateway, type DemoGateway } from '../support/gatewayHarness.js';
import { buildDemoCatalog, demoDepartmentCode, DEMO_DEPARTMENT_NAMES } from '../../demo/index.js';

const demo = buildDemoCatalog();
const HRSS = demoDepartmentCode(demo, 'hrss');
const AMR = demoDepartmentCode(demo, 'amr');
const HWC = demoDepartmentCode(demo, 'hwc');

const INDICATORS = `query Indicators($from: DateTime!, $to: DateTime!, $granularity: Granularity) {
  indicators(from: $from, to: $to, granularity: $granularity) {
    from to granularity
    catalog {
      resources shareableRatio
      byShareType { value count } byProvider { value count } byClassification { value count } byFormat { value count }
    }
    interfaces { published used }
    volume { calls okCalls deniedCalls errorCalls records bytes }
    applications { applied approved rejected withdrawn pending overdue }
    providers { department { code name } resources publishedInterfaces usedInterfaces calls records denied }
    consumers { department { code name } resources publishedInterfaces usedInterfaces calls records denied }
    series { at calls records denied }
    variation { figure side departments mean stdDev coefficient }
  }
}`;

interface Figures {
  department: { code: string; name: string };
  usedInterfaces: number;
  calls: number;
  records: number;
  denied: number;
  resources: number;
  publishedInterfaces: number;
}

interface Report {
  from: string;
  to: string;
  granularity: string;
  catalog: { resources: number; shareableRatio: number; byProvider: { value: string; count: number }[] };
  interfaces: { published: number; used: number };
  volume: { calls: number; okCalls: number; deniedCalls: number; errorCalls: number; records: number; bytes: number };
  applications: Record<string, number>;
  providers: Figures[];
  consumers: Figures[];
  series: { at: string; calls: number; records: number; denied: number }[];
  variation: { figure: string; side: string; departments: number; mean: number; stdDev: number; coefficient: number }[];
}

interface Exchange {
  resource: string;
  outcome: string;
  rows: number;
}

function exchangesOf(response: { extensions?: Record<string, unknown> }): Exchange[] {
  return (response.extensions?.exchanges ?? []) as Exchange[];
}

describeEachDatabase('GraphQL: indicators, the information-resources indicator report', (get) => {
  let demoGateway: DemoGateway;
  let period: { from: string; to: string };

  before(async () => {
    demoGateway = await startDemoGateway(get());
    const now = Date.now();
    period = { from: new Date(now - 3_600_000).toISOString(), to: new Date(now + 3_600_000).toISOString() };
  });
  after(async () => {
    await demoGateway.close();
  });

  async function indicators(key: string, variables: Record<string, unknown>): Promise<Report> {
    const response = await graphql<{ indicators: Report }>(demoGateway.url, key, INDICATORS, variables);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data!.indicators;
  }

  it("counts the demo's exchanges in calls and records, per provider and per consumer department", async () => {
    const before = await indicators(demoGateway.keys.AUDITOR!, { ...period, granularity: 'HOUR' });
    const made: Exchange[] = [];
    for (const query of [
      '{ data { enterprises(first: 7, orderBy: [{ field: creditCode }]) { nodes { creditCode name } } } }',
      '{ data { enterprises(first: 3, where: { regionCode: { eq: "330106" } }) { nodes { creditCode } } } }',
      '{ data { infectiousDiseaseReports { nodes { reportNo } } } }',
    ]) {
      made.push(...exchangesOf(await graphql(demoGateway.url, demoGateway.keys.CONSUMER!, query)));
    }
    const ok = made.filter((e) => e.outcome === 'OK');
    assert.equal(ok.length, 2);
    assert.equal(made.length - ok.length, 1, 'the NOT_SHARED resource is refused');
    const rows = ok.reduce((sum, e) => sum + e.rows, 0);
    assert.ok(rows > 0);

    const after = await indicators(demoGateway.keys.AUDITOR!, { ...period, granularity: 'HOUR' });
    assert.equal(after.volume.calls - before.volume.calls, made.length, 'calls counts every outcome');
    assert.equal(after.volume.okCalls - before.volume.okCalls, ok.length);
    assert.equal(after.volume.deniedCalls - before.volume.deniedCalls, 1);
    assert.equal(after.volume.records - before.volume.records, rows, 'records are the rows of OK exchanges');
    const consumer = (r: Report) => r.consumers.find((d) => d.department.code === HRSS)!;
    assert.equal(consumer(after).calls - consumer(before).calls, made.length);
    assert.equal(consumer(after).department.name, DEMO_DEPARTMENT_NAMES.hrss);
    const provider = (r: Report, code: string) => r.providers.find((d) => d.department.code === code)!;
    assert.equal(provider(after, AMR).records - provider(before, AMR).records, rows);
    assert.ok(provider(after, AMR).usedInterfaces >= 1);
    assert.equal(provider(after, HWC).denied - provider(before, HWC).denied, 1);
    assert.equal(
      after.series.reduce((sum, p) => sum + p.calls, 0),
      after.volume.calls,
      'the hourly series adds up to the total',
    );
  });

  it('describes the demo catalog, every department on both sides, and the variation of each figure', async () => {
    const report = await indicators(demoGateway.keys.CATALOG_ADMIN!, period);
    assert.equal(report.granularity, 'DAY', 'DAY by default');
    assert.equal(report.from, period.from);
    assert.ok(report.catalog.resources > 0);
    assert.ok(report.interfaces.published > 0 && report.interfaces.published <= report.catalog.resources);
    assert.ok(report.catalog.shareableRatio > 0 && report.catalog.shareableRatio < 1, 'the demo has a NOT_SHARED resource');
    const codes = demo.departments.map((d) => d.code).sort();
    assert.deepEqual(
      report.providers.map((d) => d.department.code).filter((code) => codes.includes(code)),
      codes,
      'every registered department, zeros included',
    );
    assert.equal(
      report.providers.reduce((sum, d) => sum + d.resources, 0),
      report.catalog.resources,
    );
    assert.equal(report.variation.length, 12);
    for (const variation of report.variation) {
      assert.ok(variation.departments >= codes.length, JSON.stringify([variation, codes.length]));
      assert.equal(variation.coefficient, variation.mean === 0 ? 0 : variation.stdDev / variation.mean);
    }
  });

  it('refuses a consumer with FORBIDDEN', async () => {
    const response = await graphql(demoGateway.url, demoGateway.keys.CONSUMER!, INDICATORS, period);
    assert.equal(onlyError(response).extensions.code, 'FORBIDDEN');
    assert.equal(response.data, null);
  });

  it('refuses an empty, reversed or longer than ten years period with BAD_USER_INPUT', async () => {
    for (const variables of [
      { from: period.from, to: period.from },
      { from: period.to, to: period.from },
      { from: '2010-01-01T00:00:00+08:00', to: '2020-01-01T00:00:00.001+08:00' },
    ]) {
      const response = await graphql(demoGateway.url, demoGateway.keys.AUDITOR!, INDICATORS, variables);
      assert.equal(onlyError(response).extensions.code, 'BAD_USER_INPUT', JSON.stringify(variables));
    }
  });
});
