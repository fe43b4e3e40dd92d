import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, ledgerRecord, onlyError, startDemoGateway, type DemoGateway } from '../support/gatewayHarness.js';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';

const demo = buildDemoCatalog();
const HRSS = demoDepartmentCode(demo, 'hrss');
const HWC = demoDepartmentCode(demo, 'hwc');
const AMR = demoDepartmentCode(demo, 'amr');
const ENTERPRISES = '102001/000001';
const POPULATION = '101001/000001';
const DISEASE_REPORTS = '202002/000001';

interface LedgerRow {
  exchange_id: string;
  outcome: string;
  error_code: string | null;
  row_count: number;
  items: string[];
  returned_items: string[];
  masked_items: string[];
  consumer_department: string;
  provider_department: string;
  resource_code: string;
  decision_id: string;
  grant_id: string | null;
  bytes: number;
}

function exchangesOf(response: { extensions?: Record<string, unknown> }): { resource: string; exchangeId: string; outcome: string; rows: number }[] {
  return (response.extensions?.exchanges ?? []) as { resource: string; exchangeId: string; outcome: string; rows: number }[];
}

describeEachDatabase('Gateway: one exchange, decided, fetched, masked and logged', (get) => {
  let demoGateway: DemoGateway;
  let knex: Knex;
  let consumerKey: string;
  let healthKey: string;

  before(async () => {
    demoGateway = await startDemoGateway(get());
    knex = get().db.knex;
    consumerKey = demoGateway.keys.CONSUMER!;
    healthKey = await demoGateway.issueKey(HWC, ['CONSUMER'], '卫健委 test app');
  });
  after(async () => {
    await demoGateway.close();
  });

  it('serves an unconditional resource with the source rows and writes exactly one OK record', async () => {
    const response = await graphql<{ data: { enterprises: { nodes: Record<string, unknown>[] } } }>(
      demoGateway.url,
      consumerKey,
      `{ data { enterprises(first: 5, where: { regionCode: { eq: "330106" } }, orderBy: [{ field: creditCode }]) {
          nodes { creditCode name registeredCapital establishedOn legalRepName } } } }`,
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const nodes = response.data!.data.enterprises.nodes;
    const source = await knex('dept_amr.enterprises')
      .where({ region_code: '330106' })
      .orderBy('credit_code')
      .limit(5)
      .select('credit_code', 'name', 'registered_capital', 'legal_rep_name');
    assert.equal(nodes.length, source.length);
    assert.ok(nodes.length > 0, 'the demo has enterprises in 330106');
    nodes.forEach((node, i) => {
      assert.equal(node.creditCode, source[i].credit_code);
      assert.equal(node.name, source[i].name);
      assert.equal(node.registeredCapital, source[i].registered_capital, 'MONEY arrives as an exact decimal string');
      const realName = source[i].legal_rep_name as string;
      assert.equal(node.legalRepName, realName[0] + '*'.repeat([...realName].length - 1), 'the NAME mask keeps the first character');
    });

    const [exchange] = exchangesOf(response);
    assert.equal(exchangesOf(response).length, 1);
    assert.deepEqual({ ...exchange, exchangeId: undefined }, { resource: ENTERPRISES, exchangeId: undefined, outcome: 'OK', rows: nodes.length });
    const record = await ledgerRecord<LedgerRow>(knex, exchange!.exchangeId);
    assert.equal(record.outcome, 'OK');
    assert.equal(record.row_count, nodes.length);
    assert.equal(record.consumer_department, HRSS);
    assert.equal(record.provider_department, AMR);
    assert.equal(record.resource_code, ENTERPRISES);
    assert.deepEqual(record.returned_items, ['creditCode', 'name', 'registeredCapital', 'establishedOn', 'legalRepName']);
    assert.deepEqual([...record.items].sort(), ['creditCode', 'establishedOn', 'legalRepName', 'name', 'regionCode', 'registeredCapital']);
    assert.deepEqual(record.masked_items, ['legalRepName']);
    assert.equal(record.bytes, Buffer.byteLength(JSON.stringify(nodes)));
    assert.equal(record.grant_id, null, 'unconditional items need no grant');
  });

  it('refuses a NOT_SHARED resource citing its basis, logs the denial, and returns no data', async () => {
    const response = await graphql(demoGateway.url, consumerKey, '{ data { infectiousDiseaseReports { nodes { reportNo } } } }');
    const error = onlyError(response);
    assert.equal(error.extensions.code, 'NOT_SHARED');
    assert.match(error.message, /传染病防治法/);
    assert.equal(response.data, null);
    const [exchange] = exchangesOf(response);
    assert.equal(exchange!.outcome, 'DENIED');
    const record = await ledgerRecord<LedgerRow>(knex, exchange!.exchangeId);
    assert.equal(record.outcome, 'DENIED');
    assert.equal(record.error_code, 'NOT_SHARED');
    assert.equal(record.row_count, 0);
    assert.equal(record.resource_code, DISEASE_REPORTS);
    assert.equal(record.decision_id, error.extensions.decisionId);
  });

  it('refuses a conditional item outside the department grant with ITEMS_NOT_GRANTED, logged, no data', async () => {
    const response = await graphql(demoGateway.url, healthKey, '{ data { enterprises(first: 3) { nodes { creditCode legalRepIdNumber } } } }');
    const error = onlyError(response);
    assert.equal(error.extensions.code, 'ITEMS_NOT_GRANTED');
    assert.match(error.message, /legalRepIdNumber/);
    assert.doesNotMatch(error.message, /creditCode/, 'only the refused item is named');
    assert.ok(error.extensions.decisionId);
    assert.match(String(error.extensions.action), /applyForAccess/);
    assert.equal(response.data, null);
    const record = await ledgerRecord<LedgerRow>(knex, exchangesOf(response)[0]!.exchangeId);
    assert.equal(record.outcome, 'DENIED');
    assert.equal(record.error_code, 'ITEMS_NOT_GRANTED');
    assert.equal(record.consumer_department, HWC);
  });

  it('refuses a conditional resource without a grant (APPLICATION_REQUIRED) and serves it, masked, with one', async () => {
    const denied = await graphql(demoGateway.url, healthKey, '{ data { population(first: 2) { nodes { idNumber name } } } }');
    assert.equal(onlyError(denied).extensions.code, 'APPLICATION_REQUIRED');
    assert.equal((await ledgerRecord<LedgerRow>(knex, exchangesOf(denied)[0]!.exchangeId)).outcome, 'DENIED');

    const served = await graphql<{ data: { population: { nodes: { idNumber: string; name: string }[] } } }>(
      demoGateway.url,
      consumerKey,
      '{ data { population(first: 2) { nodes { idNumber name } } } }',
    );
    assert.equal(served.errors, undefined, JSON.stringify(served.errors));
    const source = await knex('dept_psb.population').orderBy('id_number').limit(2).select('id_number');
    const nodes = served.data!.data.population.nodes;
    assert.equal(nodes.length, 2);
    nodes.forEach((node, i) => {
      const id = source[i].id_number as string;
      assert.equal(node.idNumber, `${id.slice(0, 6)}********${id.slice(14)}`, 'ID numbers are masked 6+4');
      assert.notEqual(node.idNumber, id);
    });
    const grant = await knex('grants').where({ consumer_department: HRSS, resource_code: POPULATION }).first('id');
    const record = await ledgerRecord<LedgerRow>(knex, exchangesOf(served)[0]!.exchangeId);
    assert.equal(record.outcome, 'OK');
    assert.equal(record.grant_id, grant.id);
    assert.deepEqual(record.masked_items, ['idNumber', 'name']);
  });

  it('stops serving a conditional resource once the provider revokes the grant', async () => {
    const grant = await knex('grants').where({ consumer_department: HRSS, resource_code: POPULATION }).first('id');
    const providerKey = demoGateway.keys.PROVIDER_ADMIN!;
    const revoked = await graphql<{ revokeGrant: { revokedAt: string } }>(
      demoGateway.url,
      providerKey,
      'mutation($id: ID!) { revokeGrant(id: $id, reason: "用途已结束") { revokedAt } }',
      { id: grant.id },
    );
    assert.equal(revoked.errors, undefined, JSON.stringify(revoked.errors));
    assert.ok(revoked.data!.revokeGrant.revokedAt);
    const response = await graphql(demoGateway.url, consumerKey, '{ data { population(first: 1) { nodes { name } } } }');
    assert.equal(onlyError(response).extensions.code, 'APPLICATION_REQUIRED');
    assert.equal(response.data, null);
  });

  it('treats injection-shaped values in where as plain values', async () => {
    const hostile = ["' OR 1=1 --", '"; DROP TABLE dept_amr.enterprises; --', '%', '\\', "330106' OR '1'='1"];
    const before = await knex('dept_amr.enterprises').count({ n: '*' }).first();
    for (const value of hostile) {
      const response = await graphql<{ data: { enterprises: { nodes: unknown[] } } }>(
        demoGateway.url,
        consumerKey,
        'query($v: String!) { data { enterprises(where: { regionCode: { eq: $v } }) { nodes { creditCode } } } }',
        { v: value },
      );
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.deepEqual(response.data!.data.enterprises.nodes, [], `no row has regionCode ${value}`);
      const prefixed = await graphql<{ data: { enterprises: { nodes: unknown[] } } }>(
        demoGateway.url,
        consumerKey,
        'query($v: String!) { data { enterprises(where: { creditCode: { prefix: $v } }) { nodes { creditCode } } } }',
        { v: value },
      );
      assert.deepEqual(prefixed.data!.data.enterprises.nodes, [], `no credit code starts with ${value}`);
    }
    const after = await knex('dept_amr.enterprises').count({ n: '*' }).first();
    assert.deepEqual(after, before, 'the source table is intact');
  });

  it('answers unknown or non-filterable items in where and orderBy with schema errors, before any exchange', async () => {
    for (const query of [
      '{ data { enterprises(where: { nosuchItem: { eq: "x" } }) { nodes { creditCode } } } }',
      '{ data { enterprises(where: { name: { eq: "x" } }) { nodes { creditCode } } } }',
      '{ data { enterprises(orderBy: [{ field: nosuchItem }]) { nodes { creditCode } } } }',
      '{ data { enterprises(first: 1) { nodes { nosuchItem } } } }',
    ]) {
      const response = await graphql(demoGateway.url, consumerKey, query);
      assert.equal(response.status, 400);
      assert.equal(onlyError(response).extensions.code, 'GRAPHQL_VALIDATION_FAILED', query);
      assert.equal(response.extensions?.exchanges, undefined);
    }
  });

  it('refuses first above the page-size cap instead of clamping it', async () => {
    const response = await graphql(demoGateway.url, consumerKey, '{ data { enterprises(first: 501) { nodes { creditCode } } } }');
    const error = onlyError(response);
    assert.equal(error.extensions.code, 'BAD_USER_INPUT');
    assert.match(error.message, /first must be between 0 and 500/);
  });

  it('pages through a resource with keyset cursors, returning every row exactly once', async () => {
    for (const orderBy of ['[{ field: establishedOn, direction: DESC }]', '[{ field: status }, { field: registeredCapital, direction: DESC }]', '[]']) {
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const response: Awaited<ReturnType<typeof graphql<{ data: { enterprises: { nodes: { creditCode: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } }>>> =
          await graphql(
            demoGateway.url,
            consumerKey,
            `query($after: String) { data { enterprises(first: 97, after: $after, orderBy: ${orderBy}) { nodes { creditCode } pageInfo { hasNextPage endCursor } } } }`,
            { after },
          );
        assert.equal(response.errors, undefined, JSON.stringify(response.errors));
        const page = response.data!.data.enterprises;
        seen.push(...page.nodes.map((node) => node.creditCode));
        pages += 1;
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      const all = (await knex('dept_amr.enterprises').pluck('credit_code')) as string[];
      assert.equal(seen.length, all.length, `${orderBy}: no row twice`);
      assert.deepEqual([...seen].sort(), [...all].sort(), `${orderBy}: every row`);
      assert.equal(pages, Math.ceil(all.length / 97));
    }
  });

  it('refuses a cursor made for another order or altered by the client', async () => {
    const first = await graphql<{ data: { enterprises: { pageInfo: { endCursor: string } } } }>(
      demoGateway.url,
      consumerKey,
      '{ data { enterprises(first: 2, orderBy: [{ field: status }]) { pageInfo { endCursor } } } }',
    );
    const cursor = first.data!.data.enterprises.pageInfo.endCursor;
    const otherOrder = await graphql(
      demoGateway.url,
      consumerKey,
      'query($c: String) { data { enterprises(first: 2, after: $c) { nodes { creditCode } } } }',
      { c: cursor },
    );
    assert.equal(onlyError(otherOrder).extensions.code, 'BAD_USER_INPUT');
    const altered = cursor.slice(0, -2) + (cursor.endsWith('AA') ? 'AB' : 'AA');
    const tampered = await graphql(
      demoGateway.url,
      consumerKey,
      'query($c: String) { data { enterprises(first: 2, after: $c, orderBy: [{ field: status }]) { nodes { creditCode } } } }',
      { c: altered },
    );
    assert.equal(onlyError(tampered).extensions.code, 'BAD_USER_INPUT');
  });

  it('fails with LEDGER_UNAVAILABLE and returns no data when the ledger cannot be written', async () => {
    await knex.raw(`CREATE FUNCTION refuse_ledger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'ledger refused'; END $$`);
    await knex.raw('CREATE TRIGGER refuse_ledger BEFORE INSERT ON ledger_records FOR EACH ROW EXECUTE FUNCTION refuse_ledger()');
    try {
      const response = await graphql(demoGateway.url, consumerKey, '{ data { enterprises(first: 3) { nodes { creditCode name } } } }');
      const error = onlyError(response);
      assert.equal(error.extensions.code, 'LEDGER_UNAVAILABLE');
      assert.equal(response.data, null);
      assert.doesNotMatch(JSON.stringify(response), /91330100/, 'no credit code leaves');
      assert.equal(response.extensions?.exchanges, undefined, 'an exchange without a record is not reported as made');
    } finally {
      await knex.raw('DROP TRIGGER refuse_ledger ON ledger_records');
      await knex.raw('DROP FUNCTION refuse_ledger()');
    }
    const recovered = await graphql(demoGateway.url, consumerKey, '{ data { enterprises(first: 1) { nodes { creditCode } } } }');
    assert.equal(recovered.errors, undefined, JSON.stringify(recovered.errors));
  });
});
