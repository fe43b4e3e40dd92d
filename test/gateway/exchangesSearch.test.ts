import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemoCatalog, demoDepartmentCode } from '../../demo/index.js';
import type { Gateway } from '../../gateway/createGateway.js';
import type { ChainedRecord } from '../../ledger/index.js';
import { describeEachDatabase } from '../support/databases.js';
import { graphql, startTestGateway, type GraphQLResponse } from '../support/gatewayHarness.js';
import { writeChain } from '../ledger/ledgerChains.js';

const demo = buildDemoCatalog();
const CONSUMERS = [demoDepartmentCode(demo, 'hrss'), demoDepartmentCode(demo, 'hwc'), demoDepartmentCode(demo, 'psb')];
const PROVIDERS = [demoDepartmentCode(demo, 'amr'), demoDepartmentCode(demo, 'psb')];
const RESOURCES = ['102001/000001', '101001/000001', '202002/000001'];
/** A gateway department that asks on behalf of its consumers (the county exchange, calling the city). */
const GATEWAY_DEPARTMENT = demoDepartmentCode(demo, 'countyOperator');
const GRANTS = ['6a1f1a4e-7c1d-4c55-9d0b-3b0d9c3c2a11', '0b6a3a55-4f0e-4a7f-9a0b-2d6c9f1e8b42'];

/** A window around the generated records, so exchanges the gateway itself logs stay out of the answers. */
const WINDOW = { from: '2024-01-01T00:00:00.000Z', to: '2024-04-01T00:00:00.000Z' };

const SEARCH = `query($filter: ExchangeFilter, $first: Int, $after: String) { exchanges(filter: $filter, first: $first, after: $after) {
  nodes { exchangeId requestId decisionId grantId at resource outcome errorCode consumer { code } provider { code } writer seq }
  pageInfo { hasNextPage endCursor }
} }`;

interface Found {
  readonly exchangeId: string;
  readonly at: string;
  readonly writer: string;
  readonly seq: number | string;
}

interface Page {
  readonly nodes: Found[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

describeEachDatabase('Gateway: auditors search the exchange log', (get) => {
  let gateway: Gateway;
  let auditor: string;
  let written: ChainedRecord[];

  /** Every page of a search, in order. */
  async function search(filter: Record<string, unknown>, first = 500): Promise<Found[]> {
    const found: Found[] = [];
    let after: string | null = null;
    for (;;) {
      const response: GraphQLResponse<{ exchanges: Page }> = await graphql<{ exchanges: Page }>(
        gateway.url,
        auditor,
        SEARCH,
        { filter: { ...WINDOW, ...filter }, first, after },
      );
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const page = response.data!.exchanges;
      found.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) return found;
      after = page.pageInfo.endCursor;
    }
  }

  /** The written records `keep` selects, newest first, as the search should list them. */
  function expected(keep: (record: ChainedRecord) => boolean): string[] {
    return written
      .filter(keep)
      .sort((a, b) => b.at.localeCompare(a.at) || b.seq - a.seq)
      .map((record) => record.exchangeId);
  }

  before(async () => {
    gateway = await startTestGateway(get(), { demo: true, dataDir: mkdtempSync(join(tmpdir(), 'meridian-search-')) });
    auditor = gateway.demoKeys.find((key) => key.role === 'AUDITOR')!.key;
    // 60 exchanges over 60 days, the same instant of day, of three consumers, two providers and three resources.
    written = await writeChain(get().db.knex, 'search-writer', 60, {
      record: (i) => {
        const at = new Date(Date.UTC(2024, 0, 15, 9) + i * 86_400_000).toISOString();
        const denied = i % 7 === 3;
        return {
          at,
          finishedAt: at,
          requestId: `search-req-${i}`,
          decisionId: `search-dec-${i}`,
          // Every tenth exchange came through the county gateway, on behalf of the consumer.
          ...(i % 10 === 4 ? { consumerDepartment: GATEWAY_DEPARTMENT, onBehalfOf: CONSUMERS[i % 3]! } : { consumerDepartment: CONSUMERS[i % 3]! }),
          providerDepartment: PROVIDERS[i % 2]!,
          resourceCode: RESOURCES[i % 3]!,
          outcome: denied ? 'DENIED' : 'OK',
          errorCode: denied ? (i % 2 === 0 ? 'NOT_GRANTED' : 'QUOTA_EXCEEDED') : null,
          grantId: denied ? null : GRANTS[i % 2]!,
          rows: denied ? 0 : 3,
        };
      },
    });
  });
  after(async () => {
    await gateway.close();
  });

  it('finds each kind of single exchange by its id: exchangeId, requestId, decisionId', async () => {
    const target = written[41]!;
    for (const filter of [{ exchangeId: target.exchangeId }, { requestId: 'search-req-41' }, { decisionId: 'search-dec-41' }]) {
      assert.deepEqual((await search(filter)).map((found) => found.exchangeId), [target.exchangeId], JSON.stringify(filter));
    }
    assert.deepEqual(await search({ exchangeId: 'not-a-uuid' }), [], 'a malformed exchangeId matches nothing');
  });

  it('filters by consumer (the caller or the department a gateway asked for), provider, resource, outcome, error code and grant, newest first', async () => {
    const cases: [Record<string, unknown>, (record: ChainedRecord) => boolean][] = [
      [{ consumer: CONSUMERS[1] }, (r) => r.consumerDepartment === CONSUMERS[1] || r.onBehalfOf === CONSUMERS[1]],
      [{ consumer: GATEWAY_DEPARTMENT }, (r) => r.consumerDepartment === GATEWAY_DEPARTMENT],
      [{ provider: PROVIDERS[0] }, (r) => r.providerDepartment === PROVIDERS[0]],
      [{ resource: RESOURCES[2] }, (r) => r.resourceCode === RESOURCES[2]],
      [{ outcome: 'DENIED' }, (r) => r.outcome === 'DENIED'],
      [{ errorCode: 'QUOTA_EXCEEDED' }, (r) => r.errorCode === 'QUOTA_EXCEEDED'],
      [{ grantId: GRANTS[1] }, (r) => r.grantId === GRANTS[1]],
      [
        { consumer: CONSUMERS[0], provider: PROVIDERS[1], outcome: 'OK' },
        (r) => (r.consumerDepartment === CONSUMERS[0] || r.onBehalfOf === CONSUMERS[0]) && r.providerDepartment === PROVIDERS[1] && r.outcome === 'OK',
      ],
    ];
    for (const [filter, keep] of cases) {
      const want = expected(keep);
      assert.ok(want.length > 0, `the case ${JSON.stringify(filter)} selects something`);
      assert.deepEqual((await search(filter)).map((found) => found.exchangeId), want, JSON.stringify(filter));
    }
  });

  it('takes from as inclusive and to as exclusive, in any offset', async () => {
    // Day 10 (25 January, 09:00 UTC, given as 17:00 Beijing time) is included; day 20 (4 February, 09:00 UTC) is not.
    const from = '2024-01-25T17:00:00+08:00';
    const to = '2024-02-04T09:00:00Z';
    const found = await search({ from, to });
    assert.deepEqual(
      found.map((record) => record.exchangeId),
      expected((r) => r.at >= new Date(from).toISOString() && r.at < new Date(to).toISOString()),
    );
    assert.equal(found.length, 10);
  });

  it('pages a filtered search with keyset cursors: small pages give the same exchanges, once each', async () => {
    const all = await search({ provider: PROVIDERS[1] });
    const paged = await search({ provider: PROVIDERS[1] }, 4);
    assert.deepEqual(paged, all);
    assert.equal(new Set(paged.map((found) => found.exchangeId)).size, 30);
  });
});
