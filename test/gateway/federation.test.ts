import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, ledgerRecord, onlyError, startDemoGateway, type DemoGateway, type GraphQLResponse } from '../support/gatewayHarness.js';

const demo = buildDemoCatalog();
const HRSS = demoDepartmentCode(demo, 'hrss');
const COUNTY = demoDepartmentCode(demo, 'countyOperator');
const POPULATION = '101001/000001';
const ON_BEHALF_OF = 'x-meridian-on-behalf-of';
const POPULATION_QUERY = '{ data { population(first: 5) { nodes { idNumber name birthDate } } } }';

interface PopulationData {
  data: { population: { nodes: { idNumber: string | null; name: string | null; birthDate: string | null }[] } };
}

interface ExchangeSummary {
  resource: string;
  exchangeId: string;
  outcome: string;
  rows: number;
}

function exchangesOf(answer: GraphQLResponse<unknown>): ExchangeSummary[] {
  return (answer.extensions?.exchanges ?? []) as ExchangeSummary[];
}

describeEachDatabase('Gateway: federation, the upstream side (a GATEWAY key asking on behalf of a department)', (get) => {
  let demoGateway: DemoGateway;
  let knex: Knex;
  let gatewayKey: string;
  let consumerKey: string;
  let auditorKey: string;

  before(async () => {
    demoGateway = await startDemoGateway(get());
    knex = get().db.knex;
    gatewayKey = demoGateway.keys.GATEWAY!;
    consumerKey = demoGateway.keys.CONSUMER!;
    auditorKey = demoGateway.keys.AUDITOR!;
    assert.ok(gatewayKey && consumerKey && auditorKey, 'the demo has GATEWAY, CONSUMER and AUDITOR keys');
  });
  after(async () => {
    await demoGateway.close();
  });

  it('serves population under the grant of the department named in x-meridian-on-behalf-of, masked as that grant says', async () => {
    const answer = await graphql<PopulationData>(demoGateway.url, gatewayKey, POPULATION_QUERY, {}, { [ON_BEHALF_OF]: HRSS });
    assert.equal(answer.status, 200);
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    const nodes = answer.data!.data.population.nodes;
    const source = (await knex('dept_psb.population').orderBy('id_number').limit(5).select('id_number', 'name')) as {
      id_number: string;
      name: string;
    }[];
    assert.equal(nodes.length, 5);
    nodes.forEach((node, i) => {
      const person = source[i]!;
      assert.equal(node.idNumber, `${person.id_number.slice(0, 6)}********${person.id_number.slice(14)}`, 'ID numbers keep 6 + 4');
      assert.equal(node.name, [...person.name][0] + '*'.repeat([...person.name].length - 1), 'names keep their first character');
      assert.match(node.birthDate ?? '', /^\d{4}-01-01$/, 'birth dates are generalised to the year');
    });
    assert.deepEqual(exchangesOf(answer).map((e) => [e.resource, e.outcome, e.rows]), [[POPULATION, 'OK', 5]]);
  });

  it('records the calling gateway as consumer and the named department as on-behalf-of', async () => {
    const answer = await graphql(demoGateway.url, gatewayKey, POPULATION_QUERY, {}, { [ON_BEHALF_OF]: HRSS });
    const [exchange] = exchangesOf(answer);
    assert.ok(exchange, 'the answer lists its exchange');
    const row = await ledgerRecord<Record<string, unknown>>(knex, exchange.exchangeId);
    assert.equal(row.consumer_department, COUNTY, 'consumer: the department holding the GATEWAY key');
    assert.equal(row.on_behalf_of, HRSS, 'on behalf of: the department named in the header');
    assert.equal(row.outcome, 'OK');
    assert.equal(row.row_count, 5);
  });

  it('shows auditors the on-behalf-of department of an exchange', async () => {
    const asked = await graphql(demoGateway.url, gatewayKey, POPULATION_QUERY, {}, { [ON_BEHALF_OF]: HRSS });
    const exchangeId = exchangesOf(asked)[0]!.exchangeId;
    const answer = await graphql<{ exchanges: { nodes: Record<string, unknown>[] } }>(
      demoGateway.url,
      auditorKey,
      'query($id: ID!) { exchanges(filter: { exchangeId: $id }) { nodes { exchangeId consumer { code } onBehalfOf { code name } outcome rows } } }',
      { id: exchangeId },
    );
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.deepEqual(answer.data!.exchanges.nodes, [
      {
        exchangeId,
        consumer: { code: COUNTY },
        onBehalfOf: { code: HRSS, name: '杭州市人力资源和社会保障局' },
        outcome: 'OK',
        rows: 5,
      },
    ]);
  });

  it('decides a GATEWAY key without the header for its own department, which holds no grant', async () => {
    const answer = await graphql(demoGateway.url, gatewayKey, POPULATION_QUERY);
    const error = onlyError(answer);
    assert.equal(error.extensions.code, 'APPLICATION_REQUIRED');
    assert.equal(typeof error.extensions.decisionId, 'string', 'a denial carries its decisionId');
    const [exchange] = exchangesOf(answer);
    assert.equal(exchange?.outcome, 'DENIED');
    const row = await ledgerRecord<Record<string, unknown>>(knex, exchange.exchangeId);
    assert.equal(row.consumer_department, COUNTY);
    assert.equal(row.on_behalf_of, null, 'no on-behalf-of without the header');
    assert.equal(row.error_code, 'APPLICATION_REQUIRED');
  });

  it('keeps the named department\'s item limits: legalRepIdNumber only with the header of a department granted it', async () => {
    const query = '{ data { enterprises(first: 3) { nodes { creditCode legalRepIdNumber } } } }';
    const own = await graphql(demoGateway.url, gatewayKey, query);
    assert.equal(onlyError(own).extensions.code, 'ITEMS_NOT_GRANTED');
    const forHrss = await graphql<{ data: { enterprises: { nodes: { legalRepIdNumber: string }[] } } }>(
      demoGateway.url,
      gatewayKey,
      query,
      {},
      { [ON_BEHALF_OF]: HRSS },
    );
    assert.equal(forHrss.errors, undefined, JSON.stringify(forHrss.errors));
    for (const node of forHrss.data!.data.enterprises.nodes) assert.match(node.legalRepIdNumber, /^\d{6}\*{8}[\dX]{4}$/);
  });

  it('refuses the header from a CONSUMER key with FORBIDDEN (HTTP 403), writing no exchange', async () => {
    const before = await knex('ledger_records').count<{ count: string | number }[]>({ count: '*' });
    const answer = await graphql(demoGateway.url, consumerKey, POPULATION_QUERY, {}, { [ON_BEHALF_OF]: HRSS });
    assert.equal(answer.status, 403);
    const error = onlyError(answer);
    assert.equal(error.extensions.code, 'FORBIDDEN');
    assert.match(error.message, /x-meridian-on-behalf-of/);
    assert.equal(answer.data, undefined, 'no data at all');
    const after = await knex('ledger_records').count<{ count: string | number }[]>({ count: '*' });
    assert.equal(Number(after[0]!.count), Number(before[0]!.count), 'a refused request is no exchange');
  });

  it('refuses a header that is not a 统一社会信用代码 with BAD_USER_INPUT (HTTP 400)', async () => {
    for (const value of ['not-a-department', `${HRSS.slice(0, 17)}${HRSS[17] === '0' ? '1' : '0'}`]) {
      const answer = await graphql(demoGateway.url, gatewayKey, POPULATION_QUERY, {}, { [ON_BEHALF_OF]: value });
      assert.equal(answer.status, 400, value);
      assert.equal(onlyError(answer).extensions.code, 'BAD_USER_INPUT', value);
    }
  });
});
