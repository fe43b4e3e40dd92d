import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { fixedClock } from '../../common/clock.js';
import { describeEachDatabase } from '../support/databases.js';
import { assertNoErrors, graphql, onlyError, startDemoGateway, type DemoGateway, type GraphQLResponse } from '../support/gatewayHarness.js';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';

const demo = buildDemoCatalog();
const PSB = demoDepartmentCode(demo, 'psb');
const HWC = demoDepartmentCode(demo, 'hwc');
const AMR = demoDepartmentCode(demo, 'amr');
const COUNTY = demoDepartmentCode(demo, 'countyOperator');
const POPULATION = '101001/000001';
const ENTERPRISES = '102001/000001';
const DISEASE_REPORTS = '202002/000001';
const UNEMPLOYMENT_DRAFT = '203003/000001';

const NOW = '2026-06-10T01:00:00.000Z';
const DAY_MS = 86_400_000;

const APPLICATION_FIELDS = `id status items reason decidedAt grant { id }
  history { action reason by { department { code } } }`;

interface ApplicationView {
  id: string;
  status: string;
  items: string[];
  reason: string | null;
  decidedAt: string | null;
  grant: { id: string } | null;
  history: { action: string; reason: string | null; by: { department: { code: string } } }[];
}

/** A valid application for `resource`; `overrides` replace its fields. */
function applicationInput(resource: string, items: string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resource,
    items,
    purpose: '核验服务对象身份',
    legalBasis: '《政务信息资源共享管理暂行办法》第十条',
    contact: '数据管理科 0571-88000000',
    wantedUntil: new Date(new Date(NOW).getTime() + 30 * DAY_MS).toISOString(),
    ...overrides,
  };
}

/** What the gateway holds of applications: rows, history and their audit entries. */
async function applicationFootprint(knex: Knex): Promise<number[]> {
  const counts = await Promise.all([
    knex('applications').count({ n: '*' }).first(),
    knex('application_events').count({ n: '*' }).first(),
    knex('admin_audit').where('action', 'like', 'application.%').count({ n: '*' }).first(),
    knex('grants').count({ n: '*' }).first(),
  ]);
  return counts.map((row) => Number((row as { n: number | string }).n));
}

/** A PSB resource bound to the population table whose ethnicity item is not shared at item level. */
function ethnicityResourceInput(): Record<string, unknown> {
  return {
    classification: '101001',
    apiName: 'populationEthnicity',
    name: '户籍人口民族信息',
    summary: '本市户籍人口的公民身份号码、姓名和民族，民族信息项依法不予共享，仅登记在目录中。',
    provider: PSB,
    format: 'DATABASE',
    items: [
      { name: 'idNumber', label: '公民身份号码', type: 'STRING', length: 18, sensitivity: 'PERSONAL', key: true, filterable: true, mask: { kind: 'PARTIAL', keepStart: 6, keepEnd: 4 } },
      { name: 'name', label: '姓名', type: 'STRING', sensitivity: 'PERSONAL', mask: { kind: 'NAME' } },
      { name: 'ethnicity', label: '民族', type: 'STRING', sensitivity: 'SENSITIVE_PERSONAL', shareType: 'NOT_SHARED' },
    ],
    shareType: 'CONDITIONAL',
    shareCondition: '依据《中华人民共和国个人信息保护法》，经市公安局审核同意后提供。',
    shareMethod: 'INTERFACE',
    openToPublic: false,
    updateCycle: 'DAILY',
    grade: 'IMPORTANT',
    source: { connector: 'psb-db', binding: { table: 'population', columns: { idNumber: 'id_number', name: 'name', ethnicity: 'ethnicity' } } },
  };
}

describeEachDatabase('Applications: invalid and duplicate applications, and who may decide', (get) => {
  let demoGateway: DemoGateway;
  let url: string;
  let knex: Knex;
  let health: string;
  let healthOtherApp: string;
  let market: string;
  let county: string;
  let psbConsumer: string;
  let provider: string;
  let marketAdmin: string;
  let admin: string;
  let ethnicityCode: string;

  before(async () => {
    demoGateway = await startDemoGateway(get(), {}, fixedClock(new Date(NOW)));
    url = demoGateway.url;
    knex = get().db.knex;
    health = await demoGateway.issueKey(HWC, ['CONSUMER'], '卫健委疾控数据应用');
    healthOtherApp = await demoGateway.issueKey(HWC, ['CONSUMER'], '卫健委医政数据应用');
    market = await demoGateway.issueKey(AMR, ['CONSUMER'], '市场监管局数据应用');
    county = await demoGateway.issueKey(COUNTY, ['CONSUMER'], '西湖区数据应用');
    psbConsumer = await demoGateway.issueKey(PSB, ['CONSUMER'], '公安局自用数据应用');
    marketAdmin = await demoGateway.issueKey(AMR, ['PROVIDER_ADMIN'], '市场监管局数据共享审批');
    provider = demoGateway.keys.PROVIDER_ADMIN!;
    admin = demoGateway.keys.CATALOG_ADMIN!;

    const registered = await graphql<{ registerResource: { code: string } }>(
      url,
      admin,
      'mutation($input: ResourceInput!) { registerResource(input: $input) { code } }',
      { input: ethnicityResourceInput() },
    );
    assertNoErrors(registered);
    ethnicityCode = registered.data!.registerResource.code;
    const published = await graphql(url, admin, 'mutation($code: ID!) { publishResource(code: $code) { status } }', { code: ethnicityCode });
    assertNoErrors(published);
  });
  after(async () => {
    await demoGateway.close();
  });

  const apply = (key: string, input: Record<string, unknown>) =>
    graphql<{ applyForAccess: ApplicationView }>(url, key, `mutation($input: ApplicationInput!) { applyForAccess(input: $input) { ${APPLICATION_FIELDS} } }`, {
      input,
    });

  const decide = (key: string, id: string, input: Record<string, unknown>) =>
    graphql<{ decideApplication: ApplicationView }>(
      url,
      key,
      `mutation($id: ID!, $input: DecisionInput!) { decideApplication(id: $id, input: $input) { ${APPLICATION_FIELDS} } }`,
      { id, input },
    );

  const withdraw = (key: string, id: string) =>
    graphql<{ withdrawApplication: ApplicationView }>(url, key, `mutation($id: ID!) { withdrawApplication(id: $id) { ${APPLICATION_FIELDS} } }`, { id });

  /** The application as the provider's admins see it. */
  const current = async (id: string): Promise<ApplicationView> => {
    const response = await graphql<{ applications: { nodes: ApplicationView[] } }>(
      url,
      provider,
      `{ applications(filter: { provider: "mine" }, first: 100) { nodes { ${APPLICATION_FIELDS} } } }`,
    );
    assertNoErrors(response);
    const found = response.data!.applications.nodes.find((node) => node.id === id);
    assert.ok(found, `application ${id} is in the provider's list`);
    return found;
  };

  const submitted = async (key: string, input: Record<string, unknown>): Promise<ApplicationView> => {
    const response = await apply(key, input);
    assertNoErrors(response);
    assert.equal(response.data!.applyForAccess.status, 'PENDING');
    return response.data!.applyForAccess;
  };

  describe('invalid and duplicate applications', () => {
    it('refuses each invalid application with its problems at their paths, and writes nothing', async () => {
      const before = await applicationFootprint(knex);
      const past = new Date(new Date(NOW).getTime() - DAY_MS).toISOString();
      const cases: { title: string; key: () => string; input: Record<string, unknown>; code: string; paths?: string[]; message?: RegExp }[] = [
        { title: 'an unknown item', key: () => health, input: applicationInput(POPULATION, ['idNumber', 'nosuchItem']), code: 'VALIDATION_FAILED', paths: ['items[1]'] },
        { title: 'a NOT_SHARED resource', key: () => market, input: applicationInput(DISEASE_REPORTS, ['reportNo']), code: 'VALIDATION_FAILED', paths: ['resource'], message: /不予共享/ },
        { title: 'a NOT_SHARED item', key: () => health, input: applicationInput(ethnicityCode, ['idNumber', 'ethnicity']), code: 'VALIDATION_FAILED', paths: ['items[1]'], message: /ethnicity is not shared/ },
        { title: 'only unconditional items', key: () => health, input: applicationInput(ENTERPRISES, ['creditCode', 'name']), code: 'VALIDATION_FAILED', paths: ['items'], message: /unconditionally/ },
        { title: 'no items', key: () => health, input: applicationInput(POPULATION, []), code: 'VALIDATION_FAILED', paths: ['items'] },
        { title: 'an empty purpose', key: () => health, input: applicationInput(POPULATION, ['idNumber'], { purpose: '   ' }), code: 'VALIDATION_FAILED', paths: ['purpose'] },
        { title: 'wantedUntil in the past', key: () => health, input: applicationInput(POPULATION, ['idNumber'], { wantedUntil: past }), code: 'VALIDATION_FAILED', paths: ['wantedUntil'], message: /future/ },
        {
          title: 'several problems at once',
          key: () => health,
          input: applicationInput(POPULATION, ['name', 'name'], { legalBasis: '', contact: ' ' }),
          code: 'VALIDATION_FAILED',
          paths: ['items[1]', 'legalBasis', 'contact'],
        },
        { title: "the department's own resource", key: () => psbConsumer, input: applicationInput(POPULATION, ['idNumber']), code: 'VALIDATION_FAILED', paths: ['resource'], message: /own department/ },
        { title: 'an unpublished resource', key: () => health, input: applicationInput(UNEMPLOYMENT_DRAFT, ['claimNo']), code: 'NOT_FOUND' },
        { title: 'an unknown resource', key: () => health, input: applicationInput('101001/999999', ['idNumber']), code: 'NOT_FOUND' },
      ];
      for (const c of cases) {
        const response = await apply(c.key(), c.input);
        const error = onlyError(response);
        assert.equal(error.extensions.code, c.code, c.title);
        assert.equal(response.data, null, c.title);
        if (c.paths) {
          const problems = error.extensions.problems as { path: string; message: string }[];
          assert.deepEqual(
            problems.map((problem) => problem.path),
            c.paths,
            `${c.title}: ${JSON.stringify(problems)}`,
          );
          if (c.message) assert.ok(problems.some((problem) => c.message!.test(problem.message)), `${c.title}: ${JSON.stringify(problems)}`);
        }
      }
      assert.deepEqual(await applicationFootprint(knex), before, 'no application, history, audit entry or grant was written');
    });

    it('refuses a second pending application of the same department with CONFLICT, and not one of another department', async () => {
      const first = await submitted(county, applicationInput(POPULATION, ['idNumber', 'name']));
      const before = await applicationFootprint(knex);
      const countyOtherApp = await demoGateway.issueKey(COUNTY, ['CONSUMER'], '西湖区另一个数据应用');
      for (const [key, items] of [
        [county, ['idNumber', 'name']],
        [countyOtherApp, ['gender']],
      ] as const) {
        const duplicate = await apply(key, applicationInput(POPULATION, [...items]));
        const error = onlyError(duplicate);
        assert.equal(error.extensions.code, 'CONFLICT');
        assert.match(error.message, new RegExp(first.id), 'the conflict names the pending application');
      }
      assert.deepEqual(await applicationFootprint(knex), before, 'the duplicates wrote nothing');

      const elsewhere = await apply(market, applicationInput(POPULATION, ['idNumber']));
      assertNoErrors(elsewhere);
      assert.equal(elsewhere.data!.applyForAccess.status, 'PENDING', 'another department applies for the same resource independently');

      const withdrawn = await withdraw(county, first.id);
      assertNoErrors(withdrawn);
      const again = await apply(county, applicationInput(POPULATION, ['idNumber']));
      assertNoErrors(again);
      assert.notEqual(again.data!.applyForAccess.id, first.id, 'once the first is withdrawn, a new application is taken');
    });
  });

  describe('who may decide', () => {
    let rejectedId: string;

    it("refuses decisions by another department's admins, by consumers and by catalog admins, changing nothing", async () => {
      const application = await submitted(health, applicationInput(POPULATION, ['idNumber', 'name']));
      rejectedId = application.id;
      const before = await applicationFootprint(knex);
      for (const [who, key] of [
        ["another department's PROVIDER_ADMIN", marketAdmin],
        ['the applying consumer', health],
        ['a catalog admin', admin],
      ] as const) {
        const response = await decide(key, application.id, { decision: 'APPROVE' });
        assert.equal(onlyError(response).extensions.code, 'FORBIDDEN', who);
        assert.equal(response.data, null, who);
      }
      assert.deepEqual(await applicationFootprint(knex), before, 'no grant and no history were written');
      const unchanged = await current(application.id);
      assert.equal(unchanged.status, 'PENDING');
      assert.deepEqual(
        unchanged.history.map((event) => event.action),
        ['SUBMITTED'],
      );
    });

    it('refuses a rejection without a reason and an approval wider than the application, with their paths', async () => {
      const cases: { input: Record<string, unknown>; paths: string[] }[] = [
        { input: { decision: 'REJECT' }, paths: ['reason'] },
        { input: { decision: 'REJECT', reason: '   ' }, paths: ['reason'] },
        { input: { decision: 'REJECT', reason: '用途不明确', maxRowsPerDay: 10 }, paths: ['maxRowsPerDay'] },
        { input: { decision: 'APPROVE', items: ['idNumber', 'gender'] }, paths: ['items[1]'] },
        { input: { decision: 'APPROVE', items: ['idNumber'], clearItems: ['name'] }, paths: ['clearItems[0]'] },
        { input: { decision: 'APPROVE', items: [] }, paths: ['items'] },
        { input: { decision: 'APPROVE', maxCallsPerMinute: 0 }, paths: ['maxCallsPerMinute'] },
        { input: { decision: 'APPROVE', validUntil: new Date(new Date(NOW).getTime() + 60 * DAY_MS).toISOString() }, paths: ['validUntil'] },
      ];
      const before = await applicationFootprint(knex);
      for (const c of cases) {
        const response = await decide(provider, rejectedId, c.input);
        const error = onlyError(response);
        assert.equal(error.extensions.code, 'VALIDATION_FAILED', JSON.stringify(c.input));
        assert.deepEqual(
          (error.extensions.problems as { path: string }[]).map((problem) => problem.path),
          c.paths,
          JSON.stringify(c.input),
        );
      }
      const rowScope = await decide(provider, rejectedId, { decision: 'APPROVE', rowScope: { name: { eq: '张三' } } });
      assert.equal(onlyError(rowScope).extensions.code, 'VALIDATION_FAILED', 'a row scope only on filterable items');
      assert.deepEqual(await applicationFootprint(knex), before);
      assert.equal((await current(rejectedId)).status, 'PENDING');
    });

    it('records a rejection with its reason in the history, and refuses to decide twice', async () => {
      const response = await decide(provider, rejectedId, { decision: 'REJECT', reason: '  申请用途不属于法定职责范围  ' });
      assertNoErrors(response);
      const rejected = response.data!.decideApplication;
      assert.equal(rejected.status, 'REJECTED');
      assert.equal(rejected.reason, '申请用途不属于法定职责范围');
      assert.equal(rejected.decidedAt, NOW);
      assert.equal(rejected.grant, null);
      assert.deepEqual(
        rejected.history.map((event) => [event.action, event.by.department.code, event.reason]),
        [
          ['SUBMITTED', HWC, null],
          ['REJECTED', PSB, '申请用途不属于法定职责范围'],
        ],
      );
      const before = await applicationFootprint(knex);
      for (const input of [{ decision: 'APPROVE' }, { decision: 'REJECT', reason: '再次驳回' }]) {
        const again = await decide(provider, rejectedId, input);
        assert.equal(onlyError(again).extensions.code, 'CONFLICT', input.decision);
      }
      assert.deepEqual(await applicationFootprint(knex), before);
      assert.equal((await current(rejectedId)).status, 'REJECTED');
      const population = await graphql(url, health, '{ data { population(first: 1) { nodes { idNumber } } } }');
      assert.equal(onlyError(population).extensions.code, 'APPLICATION_REQUIRED', 'a rejection grants nothing');
    });

    it("lets only the applying department withdraw, and only while pending", async () => {
      const pending = await submitted(health, applicationInput(POPULATION, ['idNumber']));
      const before = await applicationFootprint(knex);
      const byOther = await withdraw(market, pending.id);
      assert.equal(onlyError(byOther).extensions.code, 'NOT_FOUND', "another department's application is not found");
      assert.doesNotMatch(onlyError(byOther).message, /PENDING/, 'nothing of its state is disclosed');
      const byProvider = await withdraw(provider, pending.id);
      assert.equal(onlyError(byProvider).extensions.code, 'FORBIDDEN', 'withdrawing is for consumers');
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id']) {
        assert.equal(onlyError(await withdraw(health, id)).extensions.code, 'NOT_FOUND', id);
      }
      assert.deepEqual(await applicationFootprint(knex), before);

      const response = await withdraw(healthOtherApp, pending.id);
      assertNoErrors(response);
      const withdrawn = response.data!.withdrawApplication;
      assert.equal(withdrawn.status, 'WITHDRAWN', "any application of the applying department may withdraw");
      assert.deepEqual(
        withdrawn.history.map((event) => [event.action, event.by.department.code]),
        [
          ['SUBMITTED', HWC],
          ['WITHDRAWN', HWC],
        ],
      );

      const afterWithdrawal = await applicationFootprint(knex);
      for (const id of [pending.id, rejectedId]) {
        assert.equal(onlyError(await withdraw(health, id)).extensions.code, 'CONFLICT', `withdrawing a decided application ${id}`);
      }
      assert.equal(onlyError(await decide(provider, pending.id, { decision: 'APPROVE' })).extensions.code, 'CONFLICT', 'a withdrawn application is not decided');
      assert.deepEqual(await applicationFootprint(knex), afterWithdrawal);
    });
  });

  // Mocha runs a suite's own tests before its nested suites: this one comes last, after the applications above.
  describe('the provider list', () => {
    it("pages through the provider's applications, newest first, each exactly once", async () => {
      const all = (await knex('applications').orderBy([{ column: 'submitted_at', order: 'desc' }, { column: 'id', order: 'desc' }]).pluck('id')) as string[];
      assert.ok(all.length >= 5, `several applications were made above (${all.length})`);
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const response: GraphQLResponse<{ applications: { totalCount: number; nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }> =
          await graphql(url, provider, 'query($after: String) { applications(filter: { provider: "mine" }, first: 2, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }', {
            after,
          });
        assertNoErrors(response);
        const page = response.data!.applications;
        assert.equal(page.totalCount, all.length, 'totalCount counts every page');
        seen.push(...page.nodes.map((node) => node.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      assert.deepEqual(seen, all);
      const bad = await graphql(url, provider, '{ applications(after: "not-a-cursor") { totalCount } }');
      assert.equal(onlyError(bad).extensions.code, 'BAD_USER_INPUT');
    });
  });
});
