import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { describeEachDatabase } from '../support/databases.js';
import {
  assertNoErrors,
  exchangeOf,
  graphql,
  ledgerRecord,
  onlyError,
  startDemoGateway,
  type DemoGateway,
  type GraphQLResponse,
} from '../support/gatewayHarness.js';
import { movableClock } from '../support/movableClock.js';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';

const demo = buildDemoCatalog();
const HWC = demoDepartmentCode(demo, 'hwc');
const AMR = demoDepartmentCode(demo, 'amr');
const OPERATOR = demoDepartmentCode(demo, 'operator');
const POPULATION = '101001/000001';

// Monday 09:00 in Shanghai; no holidays configured, so the 10th working day after it is Monday 2026-03-23.
const SUBMITTED_AT = '2026-03-09T01:00:00.000Z';
const DUE_BY = '2026-03-23T15:59:59.999Z';
const DAY_MS = 86_400_000;

interface ApplicationView {
  id: string;
  status: string;
  dueBy: string;
  overdue: boolean;
  grant: { id: string; validUntil: string | null; maxRowsPerDay: number | null; maxCallsPerMinute: number | null } | null;
}

interface LedgerRow {
  outcome: string;
  error_code: string | null;
  row_count: number;
  decision_id: string;
  grant_id: string | null;
}

// A type alias, not an interface, so that it passes as the harness's Record-shaped response data.
type PopulationPage = {
  data: { population: { nodes: { idNumber: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
};

const APPLICATION_FIELDS = 'id status dueBy overdue grant { id validUntil maxRowsPerDay maxCallsPerMinute }';

describeEachDatabase('Applications: deadlines, expiry and quotas on a movable clock', (get) => {
  const clock = movableClock(SUBMITTED_AT);
  let demoGateway: DemoGateway;
  let url: string;
  let knex: Knex;
  let provider: string;

  before(async () => {
    demoGateway = await startDemoGateway(get(), {}, clock);
    url = demoGateway.url;
    knex = get().db.knex;
    provider = demoGateway.keys.PROVIDER_ADMIN!;
  });
  after(async () => {
    await demoGateway.close();
  });

  const apply = async (key: string, items: string[], wantedUntil: string | null = null): Promise<ApplicationView> => {
    const response = await graphql<{ applyForAccess: ApplicationView }>(
      url,
      key,
      `mutation($input: ApplicationInput!) { applyForAccess(input: $input) { ${APPLICATION_FIELDS} } }`,
      {
        input: {
          resource: POPULATION,
          items,
          purpose: '核验服务对象身份',
          legalBasis: '《政务信息资源共享管理暂行办法》第十条',
          contact: '数据管理科 0571-88000000',
          wantedUntil,
        },
      },
    );
    assertNoErrors(response);
    return response.data!.applyForAccess;
  };

  const approve = async (id: string, terms: Record<string, unknown>): Promise<ApplicationView> => {
    const response = await graphql<{ decideApplication: ApplicationView }>(
      url,
      provider,
      `mutation($id: ID!, $input: DecisionInput!) { decideApplication(id: $id, input: $input) { ${APPLICATION_FIELDS} } }`,
      { id, input: { decision: 'APPROVE', ...terms } },
    );
    assertNoErrors(response);
    assert.equal(response.data!.decideApplication.status, 'APPROVED');
    return response.data!.decideApplication;
  };

  const applications = async (key: string, filter: Record<string, unknown>) => {
    const response = await graphql<{ applications: { totalCount: number; nodes: ApplicationView[] } }>(
      url,
      key,
      `query($filter: ApplicationFilter) { applications(filter: $filter) { totalCount nodes { ${APPLICATION_FIELDS} } } }`,
      { filter },
    );
    assertNoErrors(response);
    return response.data!.applications;
  };

  const population = (key: string, first: number, after: string | null = null) =>
    graphql<PopulationPage>(
      url,
      key,
      'query($first: Int, $after: String) { data { population(first: $first, after: $after) { nodes { idNumber } pageInfo { hasNextPage endCursor } } } }',
      { first, after },
    );

  /** Asserts a logged denial with `code`, its decisionId in the ledger, and returns the error's extensions. */
  const assertDenied = async (response: GraphQLResponse, code: string): Promise<Record<string, unknown>> => {
    const error = onlyError(response);
    assert.equal(error.extensions.code, code, error.message);
    assert.equal(response.data, null);
    const exchange = exchangeOf(response);
    assert.equal(exchange.outcome, 'DENIED');
    const record = await ledgerRecord<LedgerRow>(knex, exchange.exchangeId);
    assert.deepEqual([record.outcome, record.error_code, record.row_count], ['DENIED', code, 0]);
    assert.equal(record.decision_id, error.extensions.decisionId);
    return error.extensions;
  };

  describe('deadlines and expiry', () => {
    let health: string;
    let application: ApplicationView;
    let validUntil: string;

    before(async () => {
      health = await demoGateway.issueKey(HWC, ['CONSUMER'], '卫健委疾控数据应用');
    });

    it('flags a pending application overdue only after its due millisecond, and counts it', async () => {
      application = await apply(health, ['idNumber', 'name']);
      assert.equal(application.dueBy, DUE_BY);
      assert.equal((await applications(provider, { overdue: true })).totalCount, 0);

      clock.set(DUE_BY);
      const onTime = await applications(provider, { provider: 'mine', status: 'PENDING' });
      assert.deepEqual(
        onTime.nodes.map((node) => [node.id, node.overdue]),
        [[application.id, false]],
        'the due millisecond itself is on time',
      );
      assert.equal((await applications(provider, { overdue: true })).totalCount, 0);

      clock.set(new Date(DUE_BY).getTime() + 1);
      const overdue = await applications(provider, { overdue: true });
      assert.equal(overdue.totalCount, 1);
      assert.deepEqual(
        overdue.nodes.map((node) => [node.id, node.overdue, node.status]),
        [[application.id, true, 'PENDING']],
      );
      assert.equal((await applications(health, {})).nodes[0]!.overdue, true, 'the applicant sees the flag too');
      assert.equal((await applications(provider, { overdue: false })).totalCount, 0, 'overdue: false leaves it out');
    });

    it('no longer counts an application overdue once it is decided, however late', async () => {
      validUntil = new Date(clock.now().getTime() + 2 * DAY_MS).toISOString();
      application = await approve(application.id, { validUntil });
      assert.equal(application.overdue, false);
      assert.equal(application.grant!.validUntil, validUntil);
      assert.equal((await applications(provider, { overdue: true })).totalCount, 0);
      assert.deepEqual(
        (await applications(provider, { overdue: false })).nodes.map((node) => node.id),
        [application.id],
      );
    });

    it('expires an approved grant by itself: EXPIRED in the lists, GRANT_EXPIRED on the data plane, logged', async () => {
      clock.set(new Date(validUntil).getTime() - 1);
      const served = await population(health, 2);
      assertNoErrors(served);
      assert.equal(served.data!.data.population.nodes.length, 2, 'served until the last millisecond of validity');
      assert.equal((await applications(health, { status: 'APPROVED' })).totalCount, 1);

      clock.set(validUntil);
      const expired = await applications(health, { status: 'EXPIRED' });
      assert.deepEqual(
        expired.nodes.map((node) => [node.id, node.status, node.grant?.validUntil]),
        [[application.id, 'EXPIRED', validUntil]],
      );
      assert.equal((await applications(provider, { provider: 'mine', status: 'EXPIRED' })).totalCount, 1);
      assert.equal((await applications(health, { status: 'APPROVED' })).totalCount, 0, 'no longer listed as approved');

      const extensions = await assertDenied(await population(health, 2), 'GRANT_EXPIRED');
      assert.match(String(extensions.reason), new RegExp(`${application.grant!.id} .* ended at ${validUntil.replace(/\./g, '\\.')}`));
      assert.match(String(extensions.action), /applyForAccess/);

      const renewed = await apply(health, ['idNumber']);
      assert.equal(renewed.status, 'PENDING', 'an expired grant leaves room for a new application');
    });
  });

  describe('quotas', () => {
    it('refuses the call after maxCallsPerMinute with retryAfter at the next minute, logged, and serves again then', async () => {
      clock.set('2026-04-01T02:30:15.000Z');
      const market = await demoGateway.issueKey(AMR, ['CONSUMER'], '市场监管局数据应用');
      const application = await apply(market, ['idNumber', 'name']);
      const grant = (await approve(application.id, { maxCallsPerMinute: 3 })).grant!;
      assert.equal(grant.maxCallsPerMinute, 3);

      for (let call = 1; call <= 3; call++) {
        const served = await population(market, 1);
        assertNoErrors(served);
        assert.equal(served.data!.data.population.nodes.length, 1, `call ${call} is served`);
        assert.equal((await ledgerRecord<LedgerRow>(knex, exchangeOf(served).exchangeId)).grant_id, grant.id);
      }
      const refused = await assertDenied(await population(market, 1), 'QUOTA_EXCEEDED');
      assert.equal(refused.retryAfter, '2026-04-01T02:31:00.000Z');
      assert.match(String(refused.reason), /3 calls per minute/);

      clock.set('2026-04-01T02:30:59.999Z');
      const stillRefused = await assertDenied(await population(market, 1), 'QUOTA_EXCEEDED');
      assert.equal(stillRefused.retryAfter, '2026-04-01T02:31:00.000Z');

      clock.set('2026-04-01T02:31:00.000Z');
      for (let call = 1; call <= 3; call++) {
        assertNoErrors(await population(market, 1));
      }
      const nextRefusal = await assertDenied(await population(market, 1), 'QUOTA_EXCEEDED');
      assert.equal(nextRefusal.retryAfter, '2026-04-01T02:32:00.000Z', 'refused calls did not use up the new minute');
    });

    it('cuts pages so that exactly maxRowsPerDay rows are served in the local day, then refuses until Shanghai midnight', async () => {
      // 01:00 on 2026-04-02 in Shanghai, still 2026-04-01 in UTC: the day that counts is Shanghai's.
      clock.set('2026-04-01T17:00:00.000Z');
      const operator = await demoGateway.issueKey(OPERATOR, ['CONSUMER'], '数据资源管理局分析应用');
      const application = await apply(operator, ['idNumber']);
      const grant = (await approve(application.id, { maxRowsPerDay: 250 })).grant!;
      const source = (await knex('dept_psb.population').orderBy('id_number').limit(400).pluck('id_number')) as string[];
      const masked = (id: string): string => `${id.slice(0, 6)}********${id.slice(14)}`;

      const served: string[] = [];
      const pageSizes: number[] = [];
      let after: string | null = null;
      for (;;) {
        const response: GraphQLResponse<PopulationPage> = await population(operator, 100, after);
        if (response.errors) {
          const refused = await assertDenied(response, 'QUOTA_EXCEEDED');
          assert.equal(refused.retryAfter, '2026-04-02T16:00:00.000Z', 'the next midnight in Shanghai');
          assert.match(String(refused.reason), /250 rows per day/);
          break;
        }
        const page = response.data!.data.population;
        served.push(...page.nodes.map((node) => node.idNumber));
        pageSizes.push(page.nodes.length);
        assert.equal(exchangeOf(response).rows, page.nodes.length);
        assert.equal(page.pageInfo.hasNextPage, true, 'a page cut by the quota still says more rows exist');
        after = page.pageInfo.endCursor;
        assert.ok(pageSizes.length <= 3, `served past the quota: pages of ${pageSizes.join(', ')}`);
      }
      assert.deepEqual(pageSizes, [100, 100, 50], 'the third page is cut to what is left of the day');
      assert.deepEqual(served, source.slice(0, 250).map(masked), 'the cut page continues where the last one ended');
      const logged = (await knex('ledger_records').where({ grant_id: grant.id, outcome: 'OK' }).sum({ rows: 'row_count' }).first()) as { rows: string | number };
      assert.equal(Number(logged.rows), 250, 'the ledger counts exactly the quota');

      clock.set('2026-04-02T00:00:00.000Z');
      await assertDenied(await population(operator, 100, after), 'QUOTA_EXCEEDED');

      clock.set('2026-04-02T16:00:00.000Z');
      const nextDay = await population(operator, 100, after);
      assertNoErrors(nextDay);
      assert.deepEqual(
        nextDay.data!.data.population.nodes.map((node) => node.idNumber),
        source.slice(250, 350).map(masked),
        'a new local day serves again, from where the consumer stopped',
      );
    });

    it('gives back reserved rows that a short page did not use', async () => {
      clock.set('2026-04-05T02:00:00.000Z');
      const county = await demoGateway.issueKey(demoDepartmentCode(demo, 'countyOperator'), ['CONSUMER'], '西湖区分析应用');
      const application = await apply(county, ['idNumber']);
      const grant = (await approve(application.id, { maxRowsPerDay: 30 })).grant!;
      const someone = (await knex('dept_psb.population').orderBy('id_number').first('id_number')) as { id_number: string };

      // Each lookup reserves a page of 20 rows but finds one person: 19 go back every time.
      for (let lookup = 1; lookup <= 5; lookup++) {
        const response = await graphql<PopulationPage>(
          url,
          county,
          'query($id: String!) { data { population(first: 20, where: { idNumber: { eq: $id } }) { nodes { idNumber } pageInfo { hasNextPage endCursor } } } }',
          { id: someone.id_number },
        );
        assertNoErrors(response);
        assert.equal(response.data!.data.population.nodes.length, 1, `lookup ${lookup}`);
      }
      const page = await population(county, 20);
      assertNoErrors(page);
      assert.equal(page.data!.data.population.nodes.length, 20, '5 rows used of 30: a full page of 20 fits');
      const rest = await population(county, 20, page.data!.data.population.pageInfo.endCursor);
      assertNoErrors(rest);
      assert.equal(rest.data!.data.population.nodes.length, 5, 'and 5 more complete the 30');
      await assertDenied(await population(county, 20), 'QUOTA_EXCEEDED');
      const logged = (await knex('ledger_records').where({ grant_id: grant.id, outcome: 'OK' }).sum({ rows: 'row_count' }).first()) as { rows: string | number };
      assert.equal(Number(logged.rows), 30);
    });
  });
});
