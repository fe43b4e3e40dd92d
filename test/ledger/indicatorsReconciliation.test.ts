import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { loadConfig } from '../../common/config.js';
import { silentLogger } from '../../common/logger.js';
import { cliActor } from '../../db/index.js';
import { deprecateResource, importCatalog, loadCatalogSnapshot, searchCatalog, type CatalogSnapshot } from '../../catalog/index.js';
import { sourceKindsFor } from '../../connectors/index.js';
import { buildDemoCatalog } from '../../demo/index.js';
import { seededRandom } from '../../demo/seededRandom.js';
import { createLedgerWriter, type ExchangeRecord, type Outcome } from '../../ledger/index.js';
import type { Granularity } from '../../ledger/indicatorPeriod.js';
import { buildIndicatorReport, type IndicatorReport } from '../../ledger/indicatorReport.js';
import { describeEachDatabase } from '../support/databases.js';

/** Records generated: more than the 100,000, over five months. */
const RECORDS = 100_500;
const SPAN_START = Date.parse('2024-01-01T00:00:00Z');
const SPAN_END = Date.parse('2024-06-01T00:00:00Z');
/** A consumer department of another tier, known here only as the one a gateway asked on behalf of. */
const UPSTREAM_CONSUMER = '11330106MB1836150X';

/** Instants around which the tested periods begin and end: records are placed exactly on and next to them. */
const EDGES = [
  '2024-01-17T05:23:41.123Z',
  '2024-04-28T19:47:12.456Z',
  '2024-01-09T05:37:00.001Z',
  '2024-05-20T00:59:59.999Z',
  '2024-02-29T18:30:00.000Z',
  '2024-03-21T18:30:00.000Z',
  '2024-03-03T10:15:00.000Z',
  '2024-03-05T16:45:30.500Z',
  '2024-03-10T07:05:00.000Z',
  '2024-03-10T07:55:00.000Z',
];

interface Period {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly granularity: Granularity;
  readonly timeZone: string;
}

const PERIODS: readonly Period[] = [
  { name: 'days in Asia/Shanghai, edges mid-hour', from: EDGES[0]!, to: EDGES[1]!, granularity: 'DAY', timeZone: 'Asia/Shanghai' },
  { name: 'months in Asia/Shanghai', from: EDGES[2]!, to: EDGES[3]!, granularity: 'MONTH', timeZone: 'Asia/Shanghai' },
  { name: 'days in Asia/Kolkata (half-hour offset)', from: EDGES[4]!, to: EDGES[5]!, granularity: 'DAY', timeZone: 'Asia/Kolkata' },
  { name: 'hours in UTC', from: EDGES[6]!, to: EDGES[7]!, granularity: 'HOUR', timeZone: 'UTC' },
  { name: 'less than one hour', from: EDGES[8]!, to: EDGES[9]!, granularity: 'DAY', timeZone: 'Asia/Shanghai' },
  { name: 'the whole ledger by month', from: '2023-12-01T00:00:00+08:00', to: '2024-07-01T00:00:00+08:00', granularity: 'MONTH', timeZone: 'Asia/Shanghai' },
];

interface Party {
  readonly resource: string;
  readonly provider: string;
}

/** A ledger of `count` exchanges between the demo's departments, at random instants and on the edges. */
function generateRecords(count: number, parties: readonly Party[], consumers: readonly string[]): ExchangeRecord[] {
  const random = seededRandom(20240501);
  const edgeInstants = EDGES.flatMap((edge) => [-1, 0, 1].map((delta) => Date.parse(edge) + delta));
  const records: ExchangeRecord[] = [];
  for (let i = 0; i < count; i++) {
    const at = i < edgeInstants.length ? edgeInstants[i]! : SPAN_START + Math.floor(random.next() * (SPAN_END - SPAN_START));
    const party = random.pick(parties);
    const outcome = random.weighted<Outcome>([
      ['OK', 80],
      ['DENIED', 12],
      ['ERROR', 8],
    ]);
    const rows = outcome === 'OK' ? random.int(0, 60) : 0;
    const consumer = random.pick(consumers);
    const viaGateway = random.chance(0.05);
    records.push({
      exchangeId: randomUUID(),
      requestId: `gen-${i}`,
      traceId: null,
      at: new Date(at).toISOString(),
      finishedAt: new Date(at + 20).toISOString(),
      consumerDepartment: consumer,
      consumerApp: 'generated',
      onBehalfOf: viaGateway ? random.pick([UPSTREAM_CONSUMER, ...consumers]) : null,
      providerDepartment: party.provider,
      resourceCode: party.resource,
      resourceVersion: 1,
      operation: 'query',
      items: ['a'],
      returnedItems: outcome === 'OK' ? ['a'] : [],
      maskedItems: [],
      rows,
      bytes: outcome === 'OK' ? rows * random.int(40, 400) : 0,
      durationMs: random.int(1, 900) / 10,
      outcome,
      errorCode: outcome === 'ERROR' ? 'CONNECTOR_TIMEOUT' : outcome === 'DENIED' ? 'APPLICATION_REQUIRED' : null,
      decisionId: `dec-${i}`,
      grantId: null,
    });
  }
  return records;
}

/**
 * Appends the records through real group-commit writers, `writers` of them in parallel, each
 * taking a stretch of time as gateways log: in time order, so batches share roll-up rows.
 */
async function writeLedger(knex: Knex, records: readonly ExchangeRecord[], writers: number): Promise<void> {
  const inOrder = [...records].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const size = Math.ceil(inOrder.length / writers);
  const shares = Array.from({ length: writers }, (_, w) => inOrder.slice(w * size, (w + 1) * size));
  await Promise.all(
    shares.map(async (share) => {
      const writer = createLedgerWriter(knex, { maxBatch: 2000, maxWaitMs: 0, logger: silentLogger() });
      await writer.start();
      try {
        await Promise.all(share.map((record) => writer.append(record)));
      } finally {
        await writer.close();
      }
    }),
  );
}

interface DirectFigures {
  calls: number;
  okCalls: number;
  deniedCalls: number;
  errorCalls: number;
  records: number;
  bytes: number;
  usedInterfaces: number;
}

/** The figures of [from, to) counted straight from ledger_records: the oracle. */
async function directTotals(knex: Knex, from: string, to: string): Promise<DirectFigures> {
  const row = (await knex('ledger_records')
    .where('at', '>=', from)
    .andWhere('at', '<', to)
    .first(
      knex.raw('count(*)::bigint as calls'),
      knex.raw("count(*) filter (where outcome = 'OK')::bigint as ok_calls"),
      knex.raw("count(*) filter (where outcome = 'DENIED')::bigint as denied_calls"),
      knex.raw("count(*) filter (where outcome = 'ERROR')::bigint as error_calls"),
      knex.raw("coalesce(sum(row_count) filter (where outcome = 'OK'), 0)::bigint as records"),
      knex.raw('coalesce(sum(bytes), 0)::bigint as bytes'),
      knex.raw("count(distinct resource_code) filter (where outcome = 'OK')::bigint as used"),
    )) as Record<string, number>;
  return {
    calls: row.calls!,
    okCalls: row.ok_calls!,
    deniedCalls: row.denied_calls!,
    errorCalls: row.error_calls!,
    records: row.records!,
    bytes: row.bytes!,
    usedInterfaces: row.used!,
  };
}

/** Per-department figures counted straight from ledger_records, departments with exchanges only. */
async function directByDepartment(knex: Knex, from: string, to: string, column: string): Promise<Map<string, number[]>> {
  const rows = (await knex('ledger_records')
    .where('at', '>=', from)
    .andWhere('at', '<', to)
    .select(
      knex.raw(`${column} as department`),
      knex.raw("count(distinct resource_code) filter (where outcome = 'OK')::bigint as used"),
      knex.raw('count(*)::bigint as calls'),
      knex.raw("coalesce(sum(row_count) filter (where outcome = 'OK'), 0)::bigint as records"),
      knex.raw("count(*) filter (where outcome = 'DENIED')::bigint as denied"),
    )
    .groupByRaw(column)) as { department: string; used: number; calls: number; records: number; denied: number }[];
  return new Map(rows.map((r) => [r.department, [r.used, r.calls, r.records, r.denied]]));
}

/** The series counted straight from ledger_records, bucketed by PostgreSQL's own time-zone rules. */
async function directSeries(knex: Knex, period: Period): Promise<Map<string, number[]>> {
  const unit = period.granularity.toLowerCase();
  const rows = (await knex('ledger_records')
    .where('at', '>=', period.from)
    .andWhere('at', '<', period.to)
    .select(
      knex.raw('(date_trunc(?, at at time zone ?) at time zone ?) as bucket', [unit, period.timeZone, period.timeZone]),
      knex.raw('count(*)::bigint as calls'),
      knex.raw("coalesce(sum(row_count) filter (where outcome = 'OK'), 0)::bigint as records"),
      knex.raw("count(*) filter (where outcome = 'DENIED')::bigint as denied"),
    )
    .groupBy('bucket')) as { bucket: Date; calls: number; records: number; denied: number }[];
  return new Map(rows.map((r) => [r.bucket.toISOString(), [r.calls, r.records, r.denied]]));
}

function report(knex: Knex, catalog: CatalogSnapshot, period: Period, now = new Date()): Promise<IndicatorReport> {
  return buildIndicatorReport(knex, catalog, {
    from: new Date(period.from),
    to: new Date(period.to),
    granularity: period.granularity,
    timeZone: period.timeZone,
    now,
  });
}

describeEachDatabase('Indicators: the report reconciles exactly with the raw ledger', (get, kind) => {
  let knex: Knex;
  let catalog: CatalogSnapshot;

  before(async function () {
    this.timeout(600_000);
    knex = get().db.knex;
    await importCatalog(knex, buildDemoCatalog(), sourceKindsFor(loadConfig({}).connectors), cliActor);
    catalog = await loadCatalogSnapshot(knex);
    const parties = [...catalog.resources.values()].map((r) => ({ resource: r.code, provider: r.provider }));
    const records = generateRecords(RECORDS, parties, [...catalog.departments.keys()]);
    await writeLedger(knex, records, kind === 'postgres' ? 4 : 1);
  });

  it(`holds ${RECORDS.toLocaleString('en')} records over five months, written by the group-commit writer with roll-ups`, async () => {
    const [{ count }] = (await knex('ledger_records').count({ count: '*' })) as { count: number }[];
    assert.equal(Number(count), RECORDS);
    const [{ calls }] = (await knex('ledger_rollups').sum({ calls: 'calls' })) as { calls: number | string }[];
    assert.equal(Number(calls), RECORDS, 'every record is in the roll-ups once');
  });

  for (const period of PERIODS) {
    describe(period.name, () => {
      let result: IndicatorReport;
      before(async () => {
        result = await report(knex, catalog, period);
      });

      it('has the calls, outcomes, records (条次), bytes and used interfaces of a direct count', async () => {
        const direct = await directTotals(knex, period.from, period.to);
        assert.ok(direct.calls > 0, 'the period holds exchanges');
        assert.deepEqual(result.volume, {
          calls: direct.calls,
          okCalls: direct.okCalls,
          deniedCalls: direct.deniedCalls,
          errorCalls: direct.errorCalls,
          records: direct.records,
          bytes: direct.bytes,
        });
        assert.equal(result.interfaces.used, direct.usedInterfaces);
      });

      it('has the per-provider and per-consumer figures of a direct count', async () => {
        for (const [side, column] of [
          ['providers', 'provider_department'],
          ['consumers', 'coalesce(on_behalf_of, consumer_department)'],
        ] as const) {
          const direct = await directByDepartment(knex, period.from, period.to, column);
          const reported = new Map(result[side].map((d) => [d.department, [d.usedInterfaces, d.calls, d.records, d.denied]]));
          for (const [department, figures] of direct) assert.deepEqual(reported.get(department), figures, `${side} ${department}`);
          for (const [department, figures] of reported) {
            if (!direct.has(department)) assert.deepEqual(figures, [0, 0, 0, 0], `${side} ${department} had no exchanges`);
          }
          for (const department of catalog.departments.keys()) assert.ok(reported.has(department), `${side} lists ${department}`);
        }
      });

      it('has the series of a direct count bucketed by PostgreSQL in the same zone', async () => {
        const direct = await directSeries(knex, period);
        const reported = new Map(result.series.map((p) => [p.at, [p.calls, p.records, p.denied]]));
        for (const [bucket, figures] of direct) assert.deepEqual(reported.get(bucket), figures, `bucket ${bucket}`);
        for (const [bucket, figures] of reported) if (!direct.has(bucket)) assert.deepEqual(figures, [0, 0, 0], `bucket ${bucket}`);
        assert.equal(
          result.series.reduce((sum, p) => sum + p.calls, 0),
          result.volume.calls,
          'the series adds up to the total',
        );
      });
    });
  }

  it('reads raw records only for the partial hours at the edges', async () => {
    const rawRanges: { s: string; e: string }[] = [];
    const onQuery = (query: { sql: string; bindings?: unknown[] }): void => {
      if (!/"ledger_records"/.test(query.sql)) return;
      for (const binding of query.bindings ?? []) {
        if (typeof binding === 'string' && binding.startsWith('[')) rawRanges.push(...(JSON.parse(binding) as { s: string; e: string }[]));
      }
    };
    knex.on('query', onQuery);
    try {
      await report(knex, catalog, PERIODS[0]!);
    } finally {
      knex.removeListener('query', onQuery);
    }
    const rawMs = rawRanges.reduce((sum, r) => sum + (Date.parse(r.e) - Date.parse(r.s)), 0);
    assert.ok(rawRanges.length > 0, 'the edges are read from raw records');
    // Twice over: once for the totals, once for the series.
    assert.ok(rawMs < 2 * 2 * 3_600_000, `raw records read for ${rawMs / 60_000} minutes of a ${PERIODS[0]!.name} period`);
  });

  it('counts a record the moment its batch commits, in the current hour', async () => {
    const now = new Date();
    const period: Period = {
      name: 'now',
      from: new Date(now.getTime() - 86_400_000).toISOString(),
      to: new Date(now.getTime() + 3_600_000).toISOString(),
      granularity: 'HOUR',
      timeZone: 'Asia/Shanghai',
    };
    const before = await report(knex, catalog, period, now);
    const [party] = [...catalog.published.values()];
    await writeLedger(
      knex,
      generateRecords(40, [{ resource: party!.code, provider: party!.provider }], [...catalog.departments.keys()]).map((record) => ({
        ...record,
        at: now.toISOString(),
        finishedAt: now.toISOString(),
      })),
      1,
    );
    const after = await report(knex, catalog, period, now);
    assert.equal(after.volume.calls - before.volume.calls, 40);
  });

  it('counts the catalog as the catalog facets do, and at the end of a past period as it was then', async () => {
    const future: Period = {
      ...PERIODS[0]!,
      from: new Date(Date.now() - 300 * 86_400_000).toISOString(),
      to: new Date(Date.now() + 86_400_000).toISOString(),
      granularity: 'MONTH',
    };
    const current = await report(knex, catalog, future);
    const facets = searchCatalog(catalog, { status: 'PUBLISHED' }, { includeDrafts: false, first: 0, maxPageSize: 500 });
    assert.equal(current.catalog.resources, facets.totalCount);
    assert.deepEqual(current.catalog.byProvider, facets.facets.provider);
    assert.deepEqual(current.catalog.byShareType, facets.facets.shareType);
    assert.deepEqual(current.catalog.byClassification, facets.facets.classification);
    assert.deepEqual(current.catalog.byFormat, facets.facets.format);
    assert.equal(current.interfaces.published, catalog.published.size);
    const shareable = [...catalog.visible.values()].filter((r) => r.status === 'PUBLISHED' && r.shareType !== 'NOT_SHARED').length;
    assert.equal(current.catalog.shareableRatio, shareable / facets.totalCount);

    const [gone] = [...catalog.published.values()];
    const deprecated = await deprecateResource(knex, gone!.code, '测试废止', cliActor);
    const deprecatedAt = new Date(deprecated.deprecatedAt!);
    const until = (to: Date): Period => ({ ...future, from: new Date(to.getTime() - 86_400_000).toISOString(), to: to.toISOString() });
    const lastMoment = await report(knex, catalog, until(deprecatedAt), new Date(deprecatedAt.getTime() + 60_000));
    const afterwards = await report(knex, catalog, until(new Date(deprecatedAt.getTime() + 1)), new Date(deprecatedAt.getTime() + 60_000));
    assert.equal(lastMoment.interfaces.published, catalog.published.size, 'published until the instant it was deprecated');
    assert.equal(afterwards.interfaces.published, catalog.published.size - 1);
    const provider = (r: IndicatorReport) => r.providers.find((d) => d.department === gone!.provider)!;
    assert.equal(provider(lastMoment).resources - provider(afterwards).resources, 1);
    const longAgo = await report(knex, catalog, PERIODS[0]!);
    assert.equal(longAgo.catalog.resources, 0, 'nothing was published in 2024 in this database');
  });

  it('counts applications submitted and decided in the period, and those pending and overdue at its end or now', async () => {
    const resources = [...catalog.resources.keys()];
    const consumers = [...catalog.departments.keys()];
    let n = 0;
    const application = (submitted: string, due: string, status: string, decided: string | null) => {
      n += 1;
      return {
        id: randomUUID(),
        // Distinct pairs: at most one pending application per department and resource.
        resource_code: resources[n % resources.length],
        resource_version: 1,
        consumer_department: consumers[Math.floor(n / resources.length) % consumers.length],
        applicant: JSON.stringify({ keyId: 'k', label: 'l', department: consumers[0], roles: ['CONSUMER'] }),
        items: JSON.stringify(['a']),
        purpose: '测试',
        legal_basis: '测试',
        contact: '测试',
        status,
        submitted_at: submitted,
        due_by: due,
        decided_at: decided,
      };
    };
    await knex('applications').insert([
      application('2024-02-20T10:00:00+08:00', '2024-03-05T23:59:59.999+08:00', 'APPROVED', '2024-03-05T09:00:00+08:00'),
      application('2024-03-02T10:00:00+08:00', '2024-03-16T23:59:59.999+08:00', 'REJECTED', '2024-03-10T09:00:00+08:00'),
      application('2024-03-03T10:00:00+08:00', '2024-03-17T23:59:59.999+08:00', 'WITHDRAWN', '2024-03-04T09:00:00+08:00'),
      application('2024-03-10T10:00:00+08:00', '2024-03-24T23:59:59.999+08:00', 'APPROVED', '2024-04-02T09:00:00+08:00'),
      application('2024-03-28T10:00:00+08:00', '2024-04-11T23:59:59.999+08:00', 'PENDING', null),
      application('2024-02-01T10:00:00+08:00', '2024-02-15T23:59:59.999+08:00', 'REVOKED', '2024-03-15T09:00:00+08:00'),
      application('2024-04-05T10:00:00+08:00', '2024-04-19T23:59:59.999+08:00', 'PENDING', null),
      application('2024-03-31T23:59:59.999+08:00', '2024-04-14T23:59:59.999+08:00', 'PENDING', null),
      application('2024-04-01T00:00:00+08:00', '2024-04-15T23:59:59.999+08:00', 'PENDING', null),
    ]);
    const march: Period = { name: 'March', from: '2024-03-01T00:00:00+08:00', to: '2024-04-01T00:00:00+08:00', granularity: 'DAY', timeZone: 'Asia/Shanghai' };
    const ended = await report(knex, catalog, march);
    assert.deepEqual(ended.applications, { applied: 5, approved: 2, rejected: 1, withdrawn: 1, pending: 3, overdue: 1 });
    assert.equal(ended.asOf, '2024-03-31T16:00:00.000Z');
    const midMonth = await report(knex, catalog, march, new Date('2024-03-20T00:00:00+08:00'));
    assert.deepEqual(
      [midMonth.applications.pending, midMonth.applications.overdue, midMonth.asOf],
      [1, 0, '2024-03-19T16:00:00.000Z'],
      'pending at now when the period is not over',
    );
    const lateMonth = await report(knex, catalog, march, new Date('2024-03-25T00:00:00+08:00'));
    assert.deepEqual([lateMonth.applications.pending, lateMonth.applications.overdue], [1, 1], 'overdue once its answer is due');
  });
});
