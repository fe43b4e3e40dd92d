import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, startDemoGateway, type DemoGateway } from '../support/gatewayHarness.js';

const demo = buildDemoCatalog();
const HWC = demoDepartmentCode(demo, 'hwc');
const ENTERPRISES = '102001/000001';
const POPULATION = '101001/000001';
const PENALTIES = '104001/000001';

interface Exchange {
  resource: string;
  exchangeId: string;
  outcome: string;
  rows: number;
}

const exchangesOf = (response: { extensions?: Record<string, unknown> }): Exchange[] => (response.extensions?.exchanges ?? []) as Exchange[];

describeEachDatabase('Gateway: related resources (关联资源) across departments', (get) => {
  let demoGateway: DemoGateway;
  let knex: Knex;
  let consumer: string;

  before(async () => {
    demoGateway = await startDemoGateway(get());
    knex = get().db.knex;
    consumer = demoGateway.keys.CONSUMER!;
  });
  after(async () => {
    await demoGateway.close();
  });

  it('resolves 50 legal representatives with one look-up exchange, masked by the population grant, logged with its rows', async () => {
    const response = await graphql<{ data: { enterprises: { nodes: { creditCode: string; legalRepresentative: { idNumber: string; name: string } | null }[] } } }>(
      demoGateway.url,
      consumer,
      '{ data { enterprises(first: 50) { nodes { creditCode legalRepresentative { idNumber name } } } } }',
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const nodes = response.data!.data.enterprises.nodes;
    assert.equal(nodes.length, 50);

    const source = (await knex('dept_amr.enterprises as e')
      .leftJoin('dept_psb.population as p', 'p.id_number', 'e.legal_rep_id_number')
      .whereIn('e.credit_code', nodes.map((node) => node.creditCode))
      .select('e.credit_code', 'p.id_number', 'p.name')) as { credit_code: string; id_number: string | null; name: string | null }[];
    const bySource = new Map(source.map((row) => [row.credit_code, row]));
    for (const node of nodes) {
      const expected = bySource.get(node.creditCode)!;
      if (expected.id_number === null) {
        assert.equal(node.legalRepresentative, null);
        continue;
      }
      const id = expected.id_number;
      assert.equal(node.legalRepresentative!.idNumber, `${id.slice(0, 6)}********${id.slice(14)}`, 'masked 6+4 by the population default');
      assert.equal(node.legalRepresentative!.name, expected.name![0] + '*'.repeat([...expected.name!].length - 1));
    }

    const exchanges = exchangesOf(response);
    assert.deepEqual(exchanges.map((e) => [e.resource, e.outcome]), [[ENTERPRISES, 'OK'], [POPULATION, 'OK']], 'one exchange per resource');
    const distinctPeople = new Set(source.map((row) => row.id_number).filter(Boolean)).size;
    assert.equal(exchanges[1]!.rows, distinctPeople, 'the look-up counts the related rows it returned');
    const record = await knex('ledger_records').where({ exchange_id: exchanges[1]!.exchangeId }).first();
    assert.equal(record.operation, 'lookup');
    assert.equal(record.row_count, distinctPeople);
    assert.deepEqual(record.masked_items, ['idNumber', 'name']);
    assert.ok(record.grant_id, 'the look-up ran under the population grant');
  });

  it('looks up each distinct value once: parents sharing a legal representative share one related row', async () => {
    const response = await graphql<{ data: { enterprises: { nodes: { legalRepIdNumber: string; legalRepresentative: { idNumber: string } | null }[] } } }>(
      demoGateway.url,
      consumer,
      '{ data { enterprises(first: 200) { nodes { legalRepIdNumber legalRepresentative { idNumber } } } } }',
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const nodes = response.data!.data.enterprises.nodes;
    const distinct = new Set(nodes.map((node) => node.legalRepIdNumber)).size;
    const lookup = exchangesOf(response).filter((e) => e.resource === POPULATION);
    assert.equal(lookup.length, 1, 'one look-up for 200 parents');
    assert.ok(lookup[0]!.rows <= distinct, 'no related row is fetched twice');
    for (const node of nodes) if (node.legalRepresentative) assert.equal(node.legalRepresentative.idNumber, node.legalRepIdNumber);
  });

  it('follows references two levels deep, one exchange per level', async () => {
    const response = await graphql<{ data: { administrativePenalties: { nodes: { enterprise: { name: string; legalRepresentative: { name: string } | null } | null }[] } } }>(
      demoGateway.url,
      consumer,
      '{ data { administrativePenalties(first: 20) { nodes { decisionNo enterprise { name legalRepresentative { name } } } } } }',
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.ok(response.data!.data.administrativePenalties.nodes.every((node) => node.enterprise !== null));
    assert.deepEqual(exchangesOf(response).map((e) => e.resource), [PENALTIES, ENTERPRISES, POPULATION]);
  });

  it('nulls a nested field whose look-up is denied, with the catalog code, and logs the denial', async () => {
    // 卫健委 reads penalties and enterprises unconditionally, but following an enterprise's legal representative
    // needs legalRepIdNumber (有条件共享), which it holds no grant for: the enterprise look-up is denied.
    const health = await demoGateway.issueKey(HWC, ['CONSUMER'], '卫健委 related');
    const response = await graphql<{ data: { administrativePenalties: { nodes: { decisionNo: string; enterprise: { name: string } | null }[] } } }>(
      demoGateway.url,
      health,
      '{ data { administrativePenalties(first: 3) { nodes { decisionNo enterprise { name legalRepresentative { name } } } } } }',
    );
    const errors = response.errors ?? [];
    assert.ok(errors.length > 0, 'the look-up is denied');
    for (const error of errors) {
      assert.equal(error.extensions?.code, 'ITEMS_NOT_GRANTED');
      assert.deepEqual(error.path?.slice(-1), ['enterprise']);
    }
    const rows = response.data!.data.administrativePenalties.nodes;
    assert.equal(rows.length, 3, 'the parent rows are still served');
    assert.ok(rows.every((row) => row.decisionNo && row.enterprise === null), 'only the nested field is nulled');
    const exchanges = exchangesOf(response);
    assert.deepEqual(exchanges.map((e) => [e.resource, e.outcome]), [[PENALTIES, 'OK'], [ENTERPRISES, 'DENIED']], 'no population look-up follows a denied one');
    const record = await knex('ledger_records').where({ exchange_id: exchanges[1]!.exchangeId }).first();
    assert.deepEqual([record.outcome, record.error_code, record.operation, record.consumer_department], ['DENIED', 'ITEMS_NOT_GRANTED', 'lookup', HWC]);
  });

  it('needs the referencing item itself to be readable before it can be followed', async () => {
    const health = await demoGateway.issueKey(HWC, ['CONSUMER'], '卫健委 follow');
    const response = await graphql(demoGateway.url, health, '{ data { enterprises(first: 2) { nodes { name legalRepresentative { gender } } } } }');
    assert.equal(response.errors?.[0]?.extensions?.code, 'ITEMS_NOT_GRANTED');
    assert.match(response.errors![0]!.message, /legalRepIdNumber/);
    assert.deepEqual(exchangesOf(response).map((e) => [e.resource, e.outcome]), [[ENTERPRISES, 'DENIED']], 'no look-up is attempted');
  });
});
