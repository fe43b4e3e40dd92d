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
const PSB = demoDepartmentCode(demo, 'psb');
const HWC = demoDepartmentCode(demo, 'hwc');
const AMR = demoDepartmentCode(demo, 'amr');
const POPULATION = '101001/000001';
const SCOPED_REGION = '330106';
const OTHER_REGION = '330102';

// Wednesday 10:00 in Shanghai; May Day holidays and a make-up Saturday are configured below.
const SUBMITTED_AT = '2026-04-29T02:00:00.000Z';
const HOLIDAYS = { holidays: ['2026-05-01', '2026-05-04', '2026-05-05'], makeUpWorkdays: ['2026-05-09'] };
// 4/30, 5/6, 5/7, 5/8, 5/9 (make-up), 5/11 .. 5/15: the 10th working day ends at 23:59:59.999 Shanghai time.
const DUE_BY = '2026-05-15T15:59:59.999Z';
const DAY_MS = 86_400_000;

const APPLIED_ITEMS = ['idNumber', 'name', 'gender', 'birthDate', 'householdAddress', 'householdRegion'];
const GRANTED_ITEMS = ['idNumber', 'name', 'birthDate', 'householdRegion'];

const APPLICATION_FIELDS = `id status items purpose legalBasis contact wantedUntil submittedAt dueBy overdue decidedAt reason
  resource { code provider { code } } consumer { code }
  grant { id items rowScope clearItems maxRowsPerDay maxCallsPerMinute validFrom validUntil revokedAt }
  history { at action reason by { department { code } roles } }`;

interface GrantView {
  id: string;
  items: string[];
  rowScope: unknown;
  clearItems: string[];
  maxRowsPerDay: number | null;
  maxCallsPerMinute: number | null;
  validFrom: string;
  validUntil: string | null;
  revokedAt: string | null;
}

interface ApplicationView {
  id: string;
  status: string;
  items: string[];
  purpose: string;
  legalBasis: string;
  contact: string;
  wantedUntil: string | null;
  submittedAt: string;
  dueBy: string;
  overdue: boolean;
  decidedAt: string | null;
  reason: string | null;
  resource: { code: string; provider: { code: string } };
  consumer: { code: string };
  grant: GrantView | null;
  history: { at: string; action: string; reason: string | null; by: { department: { code: string }; roles: string[] } }[];
}

interface ItemAccessView {
  item: string;
  allowed: boolean;
  masked: boolean;
  grantId: string | null;
  reason: string;
  action: string | null;
}

interface ExplanationView {
  resource: { code: string };
  allowed: boolean;
  reason: string;
  action: string | null;
  items: ItemAccessView[];
}

interface PersonNode {
  idNumber: string;
  name: string;
  birthDate: string | null;
  householdRegion: string;
}

// A type alias, not an interface, so that it passes as the harness's Record-shaped response data.
type PopulationPage = {
  data: { population: { nodes: PersonNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
};

interface LedgerRow {
  outcome: string;
  error_code: string | null;
  row_count: number;
  returned_items: string[];
  masked_items: string[];
  consumer_department: string;
  resource_code: string;
  decision_id: string;
  grant_id: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An ID number as the grant's 6+4 mask shows it. */
const maskedIdNumber = (id: string): string => `${id.slice(0, 6)}********${id.slice(14)}`;

/** Source rows of the scoped region, as the provider's own table holds them, in key order. */
async function scopedSourceRows(knex: Knex): Promise<{ id_number: string; name: string; birth: string; household_region: string }[]> {
  return (await knex('dept_psb.population')
    .where({ household_region: SCOPED_REGION })
    .orderBy('id_number')
    .select('id_number', 'name', knex.raw("to_char(birth_date, 'YYYY-MM-DD') as birth"), 'household_region')) as {
    id_number: string;
    name: string;
    birth: string;
    household_region: string;
  }[];
}

describeEachDatabase('Applications: conditional sharing from application to revocation', (get) => {
  const clock = movableClock(SUBMITTED_AT);
  let demoGateway: DemoGateway;
  let url: string;
  let knex: Knex;
  let health: string;
  let market: string;
  let provider: string;
  let applicationId: string;
  let grantId: string;
  const wantedUntil = new Date(new Date(SUBMITTED_AT).getTime() + 180 * DAY_MS).toISOString();
  const validUntil = new Date(new Date(SUBMITTED_AT).getTime() + 90 * DAY_MS).toISOString();

  before(async () => {
    demoGateway = await startDemoGateway(get(), { applications: HOLIDAYS }, clock);
    url = demoGateway.url;
    knex = get().db.knex;
    health = await demoGateway.issueKey(HWC, ['CONSUMER'], '卫健委疾控数据应用');
    market = await demoGateway.issueKey(AMR, ['CONSUMER'], '市场监管局数据应用');
    provider = demoGateway.keys.PROVIDER_ADMIN!;
  });
  after(async () => {
    await demoGateway.close();
  });

  const explain = async (key: string, items: string[] | null): Promise<ExplanationView> => {
    const response = await graphql<{ explainAccess: ExplanationView }>(
      url,
      key,
      `query($resource: ID!, $items: [String!]) { explainAccess(resource: $resource, items: $items) {
        resource { code } allowed reason action items { item allowed masked grantId reason action } } }`,
      { resource: POPULATION, items },
    );
    assertNoErrors(response);
    return response.data!.explainAccess;
  };

  const population = (key: string, fields: string, args: Record<string, unknown> = {}) =>
    graphql<PopulationPage>(
      url,
      key,
      `query($where: PopulationWhere, $first: Int, $after: String) { data { population(where: $where, first: $first, after: $after) {
        nodes { ${fields} } pageInfo { hasNextPage endCursor } } } }`,
      args,
    );

  /** Every row the consumer gets for `where`, page by page, checking each page as it arrives. */
  const allPages = async (where: unknown, first: number, eachPage: (nodes: PersonNode[]) => void): Promise<{ nodes: PersonNode[]; pages: number }> => {
    const nodes: PersonNode[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const response: GraphQLResponse<PopulationPage> = await population(health, 'idNumber householdRegion', { where, first, after });
      assertNoErrors(response);
      const page = response.data!.data.population;
      eachPage(page.nodes);
      nodes.push(...page.nodes);
      pages += 1;
      if (!page.pageInfo.hasNextPage) return { nodes, pages };
      after = page.pageInfo.endCursor;
    }
  };

  const applicationsOf = async (key: string, filter: Record<string, unknown> | null) => {
    const response = await graphql<{ applications: { totalCount: number; nodes: ApplicationView[] } }>(
      url,
      key,
      `query($filter: ApplicationFilter) { applications(filter: $filter) { totalCount nodes { ${APPLICATION_FIELDS} } } }`,
      { filter },
    );
    assertNoErrors(response);
    return response.data!.applications;
  };

  it('explains before any application that each item needs applyForAccess', async () => {
    const explanation = await explain(health, ['idNumber', 'name', 'gender']);
    assert.equal(explanation.resource.code, POPULATION);
    assert.equal(explanation.allowed, false);
    assert.match(explanation.reason, /holds no grant/);
    assert.match(explanation.action ?? '', /applyForAccess\(input: \{resource: "101001\/000001"/);
    assert.deepEqual(
      explanation.items.map((item) => [item.item, item.allowed, item.masked, item.grantId]),
      [
        ['idNumber', false, false, null],
        ['name', false, false, null],
        ['gender', false, false, null],
      ],
    );
    for (const item of explanation.items) {
      assert.match(item.action ?? '', /applyForAccess/, `${item.item} says what to do`);
      assert.match(item.action ?? '', new RegExp(`"${item.item}"`), `${item.item}: the suggested application names the item`);
    }
  });

  it('takes an application as PENDING, due at the end of the 10th working day in Shanghai', async () => {
    const response = await graphql<{ applyForAccess: ApplicationView }>(
      url,
      health,
      `mutation($input: ApplicationInput!) { applyForAccess(input: $input) { ${APPLICATION_FIELDS} } }`,
      {
        input: {
          resource: POPULATION,
          items: APPLIED_ITEMS,
          purpose: '  核验传染病密切接触者身份，开展流行病学调查  ',
          legalBasis: '《中华人民共和国传染病防治法》第十二条',
          contact: '疾控处 张医生 0571-87000000',
          wantedUntil,
        },
      },
    );
    assertNoErrors(response);
    const application = response.data!.applyForAccess;
    applicationId = application.id;
    assert.match(applicationId, UUID);
    assert.equal(application.status, 'PENDING');
    assert.deepEqual(application.items, APPLIED_ITEMS);
    assert.equal(application.purpose, '核验传染病密切接触者身份，开展流行病学调查', 'surrounding blanks are trimmed');
    assert.equal(application.consumer.code, HWC);
    assert.equal(application.resource.provider.code, PSB);
    assert.equal(application.wantedUntil, wantedUntil);
    assert.equal(application.submittedAt, SUBMITTED_AT);
    assert.equal(application.dueBy, DUE_BY, 'weekends and the listed holidays do not count; the make-up Saturday does');
    assert.equal(application.overdue, false);
    assert.equal(application.decidedAt, null);
    assert.equal(application.grant, null);
    assert.deepEqual(
      application.history.map((event) => [event.action, event.at, event.by.department.code, event.by.roles]),
      [['SUBMITTED', SUBMITTED_AT, HWC, ['CONSUMER']]],
    );
  });

  it("shows the application in the provider's inbox and the applicant's list, and to no other department", async () => {
    const inbox = await applicationsOf(provider, { provider: 'mine', status: 'PENDING' });
    assert.deepEqual(
      inbox.nodes.map((node) => node.id),
      [applicationId],
    );
    assert.equal(inbox.totalCount, 1);
    assert.equal(inbox.nodes[0]!.resource.provider.code, PSB);

    const own = await applicationsOf(health, null);
    assert.deepEqual(
      own.nodes.map((node) => [node.id, node.status]),
      [[applicationId, 'PENDING']],
    );

    for (const filter of [null, { consumer: HWC }, { resource: POPULATION }, { provider: PSB }]) {
      const other = await applicationsOf(market, filter);
      assert.deepEqual(other, { totalCount: 0, nodes: [] }, `another consumer department sees nothing with ${JSON.stringify(filter)}`);
    }
  });

  it('tells the applicant, while pending, that its application awaits an answer instead of asking it to apply again', async () => {
    const explanation = await explain(health, ['idNumber']);
    assert.equal(explanation.allowed, false);
    assert.equal(explanation.action, `Your department's application ${applicationId} is pending; the provider answers by ${DUE_BY}.`);
    assert.equal(explanation.items[0]!.action, explanation.action);
  });

  it('serves after a narrowed approval only the granted items, masked as decided, only rows in scope, and logs the grant', async () => {
    clock.advance(3_600_000);
    const decidedAt = clock.now().toISOString();
    const response = await graphql<{ decideApplication: ApplicationView }>(
      url,
      provider,
      `mutation($id: ID!, $input: DecisionInput!) { decideApplication(id: $id, input: $input) { ${APPLICATION_FIELDS} } }`,
      {
        id: applicationId,
        input: {
          decision: 'APPROVE',
          items: GRANTED_ITEMS,
          rowScope: { householdRegion: { eq: SCOPED_REGION } },
          clearItems: ['name'],
          maxRowsPerDay: 100_000,
          maxCallsPerMinute: 1_000,
          validUntil,
        },
      },
    );
    assertNoErrors(response);
    const approved = response.data!.decideApplication;
    assert.equal(approved.status, 'APPROVED');
    assert.equal(approved.decidedAt, decidedAt);
    assert.ok(approved.grant);
    grantId = approved.grant.id;
    assert.deepEqual(
      { ...approved.grant, id: undefined },
      {
        id: undefined,
        items: GRANTED_ITEMS,
        rowScope: { householdRegion: { eq: SCOPED_REGION } },
        clearItems: ['name'],
        maxRowsPerDay: 100_000,
        maxCallsPerMinute: 1_000,
        validFrom: decidedAt,
        validUntil,
        revokedAt: null,
      },
    );
    assert.deepEqual(
      approved.history.map((event) => [event.action, event.by.department.code]),
      [
        ['SUBMITTED', HWC],
        ['APPROVED', PSB],
      ],
    );

    const served = await population(health, 'idNumber name birthDate householdRegion', { first: 500 });
    assertNoErrors(served);
    const nodes = served.data!.data.population.nodes;
    const source = await scopedSourceRows(knex);
    assert.ok(source.length > 0, `the demo has people registered in ${SCOPED_REGION}`);
    assert.equal(nodes.length, Math.min(source.length, 500), 'exactly the rows in scope');
    assert.equal(served.data!.data.population.pageInfo.hasNextPage, source.length > 500);
    nodes.forEach((node, i) => {
      const row = source[i]!;
      assert.equal(node.idNumber, maskedIdNumber(row.id_number), 'ID number masked 6+4');
      assert.equal(node.name, row.name, 'the name is released in clear');
      assert.equal(node.birthDate, `${row.birth.slice(0, 4)}-01-01`, 'birth date generalised to its year');
      assert.equal(node.householdRegion, SCOPED_REGION);
    });

    const exchange = exchangeOf(served);
    assert.deepEqual({ outcome: exchange.outcome, rows: exchange.rows }, { outcome: 'OK', rows: nodes.length });
    const record = await ledgerRecord<LedgerRow>(knex, exchange.exchangeId);
    assert.equal(record.outcome, 'OK');
    assert.equal(record.grant_id, grantId);
    assert.match(record.decision_id, UUID);
    assert.equal(record.consumer_department, HWC);
    assert.equal(record.row_count, nodes.length);
    assert.deepEqual(record.returned_items, ['idNumber', 'name', 'birthDate', 'householdRegion']);
    assert.deepEqual(record.masked_items, ['idNumber', 'birthDate']);

    for (const narrowedAway of ['gender', 'householdAddress', 'ethnicity']) {
      const refused = await population(health, `idNumber ${narrowedAway}`, { first: 5 });
      const error = onlyError(refused);
      assert.equal(error.extensions.code, 'ITEMS_NOT_GRANTED', narrowedAway);
      assert.match(error.message, new RegExp(narrowedAway));
      assert.doesNotMatch(error.message, /idNumber/, 'only the refused item is named');
      assert.equal(refused.data, null);
      const denial = await ledgerRecord<LedgerRow>(knex, exchangeOf(refused).exchangeId);
      assert.deepEqual([denial.outcome, denial.error_code, denial.row_count], ['DENIED', 'ITEMS_NOT_GRANTED', 0]);
      assert.equal(denial.decision_id, error.extensions.decisionId);
    }
  });

  it("keeps the row scope whatever the consumer's where says, on every page", async () => {
    const source = await scopedSourceRows(knex);
    const outside = (await knex('dept_psb.population').whereNot({ household_region: SCOPED_REGION }).first('id_number')) as { id_number: string };

    const otherRegion = await population(health, 'idNumber householdRegion', { where: { householdRegion: { eq: OTHER_REGION } }, first: 500 });
    assertNoErrors(otherRegion);
    assert.deepEqual(otherRegion.data!.data.population.nodes, [], 'a where on another region finds nothing');
    const otherPerson = await population(health, 'idNumber', { where: { idNumber: { eq: outside.id_number } } });
    assertNoErrors(otherPerson);
    assert.deepEqual(otherPerson.data!.data.population.nodes, [], 'a person registered elsewhere is not found by ID number');
    const insidePerson = await population(health, 'name', { where: { idNumber: { eq: source[0]!.id_number } } });
    assertNoErrors(insidePerson);
    assert.deepEqual(insidePerson.data!.data.population.nodes, [{ name: source[0]!.name }], 'a person in scope is found by ID number');

    const expected = source.map((row) => maskedIdNumber(row.id_number));
    for (const where of [null, { householdRegion: { eq: SCOPED_REGION } }, { householdRegion: { in: [OTHER_REGION, SCOPED_REGION] } }, { householdRegion: { prefix: '33' } }]) {
      const first = 37;
      const { nodes, pages } = await allPages(where, first, (page) => {
        for (const node of page) assert.equal(node.householdRegion, SCOPED_REGION, `every row of every page is in scope (${JSON.stringify(where)})`);
      });
      assert.deepEqual(
        nodes.map((node) => node.idNumber),
        expected,
        `exactly the scoped rows, each once, for where ${JSON.stringify(where)}`,
      );
      assert.equal(pages, Math.max(1, Math.ceil(source.length / first)));
    }
  });

  it('explains item by item what the grant releases, masked or in clear, and under which grant', async () => {
    const explanation = await explain(health, ['idNumber', 'name', 'birthDate', 'householdRegion', 'gender']);
    assert.equal(explanation.allowed, false, 'gender is not readable, so the whole request is not');
    assert.match(explanation.reason, /gender/);
    const byItem = Object.fromEntries(explanation.items.map((item) => [item.item, item]));
    assert.deepEqual(
      explanation.items.map((item) => [item.item, item.allowed, item.masked, item.grantId]),
      [
        ['idNumber', true, true, grantId],
        ['name', true, false, grantId],
        ['birthDate', true, true, grantId],
        ['householdRegion', true, false, grantId],
        ['gender', false, false, null],
      ],
    );
    assert.equal(byItem.idNumber!.action, null);
    assert.match(byItem.gender!.reason, new RegExp(`Grant ${grantId} .* does not release gender`));
    assert.match(byItem.gender!.action ?? '', /applyForAccess\(input: \{resource: "101001\/000001", items: \["gender"\]/);

    const readable = await explain(health, ['idNumber', 'name']);
    assert.equal(readable.allowed, true, 'every requested item is readable');
    assert.equal(readable.action, null);
    assert.match(readable.reason, new RegExp(grantId));

    const everything = await explain(health, null);
    assert.deepEqual(
      everything.items.map((item) => [item.item, item.allowed]),
      [
        ['idNumber', true],
        ['name', true],
        ['gender', false],
        ['birthDate', true],
        ['ethnicity', false],
        ['householdAddress', false],
        ['householdRegion', true],
      ],
      'without items, every item of the resource is explained',
    );
    assert.equal(everything.allowed, false);

    const stranger = await explain(market, ['idNumber']);
    assert.deepEqual([stranger.allowed, stranger.items[0]!.grantId], [false, null], "another department's grant does not count");
  });

  it('stops serving once the provider revokes the grant, logs the denial, and keeps the revocation in the history', async () => {
    clock.advance(DAY_MS);
    const revokedAt = clock.now().toISOString();
    const revoke = (key: string, reason: string) =>
      graphql<{ revokeGrant: GrantView }>(url, key, 'mutation($id: ID!, $reason: String!) { revokeGrant(id: $id, reason: $reason) { id items revokedAt } }', {
        id: grantId,
        reason,
      });
    const marketAdmin = await demoGateway.issueKey(AMR, ['PROVIDER_ADMIN'], '市场监管局数据共享审批');
    assert.equal(onlyError(await revoke(marketAdmin, '越权撤销')).extensions.code, 'NOT_FOUND', "another provider's grant is not disclosed");
    assert.equal(onlyError(await revoke(health, '自行撤销')).extensions.code, 'FORBIDDEN', 'a consumer cannot revoke');
    assert.equal(onlyError(await revoke(provider, '  ')).extensions.code, 'BAD_USER_INPUT', 'a revocation says why');
    assertNoErrors(await population(health, 'idNumber', { first: 1 }));

    const revoked = await revoke(provider, '  流行病学调查已结束  ');
    assertNoErrors(revoked);
    assert.deepEqual(revoked.data!.revokeGrant, { id: grantId, items: GRANTED_ITEMS, revokedAt });
    assert.equal(onlyError(await revoke(provider, '重复撤销')).extensions.code, 'CONFLICT', 'a grant is revoked once');

    const [application] = (await applicationsOf(health, { resource: POPULATION })).nodes;
    assert.equal(application!.id, applicationId);
    assert.equal(application!.status, 'REVOKED');
    assert.equal(application!.grant!.revokedAt, revokedAt);
    assert.deepEqual(
      application!.history.map((event) => [event.action, event.by.department.code, event.reason]),
      [
        ['SUBMITTED', HWC, null],
        ['APPROVED', PSB, null],
        ['REVOKED', PSB, '流行病学调查已结束'],
      ],
    );
    assert.equal(application!.history[2]!.at, revokedAt);
    const listedRevoked = await applicationsOf(provider, { provider: 'mine', status: 'REVOKED' });
    assert.deepEqual(
      listedRevoked.nodes.map((node) => node.id),
      [applicationId],
    );

    const denied = await population(health, 'idNumber', { first: 5 });
    const error = onlyError(denied);
    assert.equal(error.extensions.code, 'APPLICATION_REQUIRED');
    assert.equal(denied.data, null);
    assert.match(String(error.extensions.action), /applyForAccess/);
    const record = await ledgerRecord<LedgerRow>(knex, exchangeOf(denied).exchangeId);
    assert.deepEqual([record.outcome, record.error_code, record.row_count, record.grant_id], ['DENIED', 'APPLICATION_REQUIRED', 0, null]);
    assert.equal(record.decision_id, error.extensions.decisionId);

    const explanation = await explain(health, ['idNumber']);
    assert.deepEqual([explanation.allowed, explanation.items[0]!.allowed, explanation.items[0]!.grantId], [false, false, null]);
  });
});
