import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { verifyLedger } from '../../ledger/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, startDemoGateway, type DemoGateway } from '../support/gatewayHarness.js';

describeEachDatabase('Gateway: concurrent exchanges', (get) => {
  let demoGateway: DemoGateway;
  let knex: Knex;

  before(async () => {
    demoGateway = await startDemoGateway(get());
    knex = get().db.knex;
  });
  after(async () => {
    await demoGateway.close();
  });

  it('logs 200 concurrent data queries as exactly 200 records on one unbroken chain', async () => {
    const key = demoGateway.keys.CONSUMER!;
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        graphql<{ data: { enterprises: { nodes: unknown[] } } }>(
          demoGateway.url,
          key,
          'query($after: String, $first: Int) { data { enterprises(first: $first, after: $after) { nodes { creditCode name } } } }',
          { first: 1 + (i % 7) },
        ),
      ),
    );
    const exchangeIds = responses.map((response, i) => {
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.equal(response.data!.data.enterprises.nodes.length, 1 + (i % 7));
      const exchanges = response.extensions!.exchanges as { exchangeId: string; rows: number }[];
      assert.equal(exchanges.length, 1);
      return exchanges[0]!.exchangeId;
    });
    assert.equal(new Set(exchangeIds).size, 200);

    const records = (await knex('ledger_records').whereIn('exchange_id', exchangeIds).select('exchange_id', 'row_count', 'writer_id')) as {
      exchange_id: string;
      row_count: number;
      writer_id: string;
    }[];
    assert.equal(records.length, 200);
    const rowsById = new Map(records.map((r) => [r.exchange_id, r.row_count]));
    exchangeIds.forEach((id, i) => assert.equal(rowsById.get(id), 1 + (i % 7)));

    const writerId = demoGateway.gateway.services.ledger.health().writerId;
    assert.ok(records.every((r) => r.writer_id === writerId));
    const reports = (await verifyLedger(knex)).writers;
    const report = reports.find((r) => r.writer === writerId);
    assert.ok(report, 'the writer has a chain');
    assert.equal(report.ok, true, report.problem ?? '');
    assert.equal(report.firstBadSeq, null);
  });
});
