/**
 * The indicator report computed the way one would without roll-ups: the same
 * ledger figures straight from ledger_records, one GROUP BY for the totals and
 * one for the series (as the reconciliation test counts them), assembled by the
 * product's own assembleIndicatorReport. Catalog and application figures are
 * read exactly as buildIndicatorReport reads them, so the two reports must be
 * identical and differ only in where the exchange figures come from.
 */
import type { Knex } from 'knex';
import type { CatalogSnapshot } from '../catalog/model.js';
import { planIndicatorPeriod, type IndicatorPeriod } from '../ledger/indicatorPeriod.js';
import { applicationCounts, catalogAt, type SeriesRow, type VolumeRow } from '../ledger/indicatorQueries.js';
import { assembleIndicatorReport, type IndicatorOptions, type IndicatorReport } from '../ledger/indicatorReport.js';
import type { Outcome } from '../ledger/index.js';

/** The report of buildIndicatorReport, with every exchange figure counted from raw records. */
export async function buildRawIndicatorReport(knex: Knex, catalog: CatalogSnapshot, options: IndicatorOptions): Promise<IndicatorReport> {
  const period = planIndicatorPeriod(options.from, options.to, options.granularity, options.timeZone);
  const ended = options.to.getTime() <= options.now.getTime();
  const asOf = ended ? options.to : options.now;
  // The same snapshot isolation as the product's report; JIT is left to the server's setting, since it
  // can pay off on a scan of millions of rows.
  return knex.transaction(
    async (trx) =>
      assembleIndicatorReport({
        period,
        asOf,
        departments: [...catalog.departments.keys()],
        catalog: await catalogAt(trx, ended ? options.to : null),
        volume: await volumeOfRecords(trx, options.from, options.to),
        series: await seriesOfRecords(trx, period),
        applications: await applicationCounts(trx, options.from, options.to, asOf),
      }),
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}

/** Calls, rows and bytes of [from, to) by provider, consumer served, resource and outcome. */
async function volumeOfRecords(knex: Knex.Transaction, from: Date, to: Date): Promise<VolumeRow[]> {
  const rows = (await knex('ledger_records')
    .where('at', '>=', from)
    .andWhere('at', '<', to)
    .select(
      'provider_department as provider',
      knex.raw('coalesce(on_behalf_of, consumer_department) as consumer'),
      'resource_code as resource',
      'outcome',
      knex.raw('count(*) as calls'),
      knex.raw('sum(row_count) as row_total'),
      knex.raw('sum(bytes) as bytes'),
    )
    .groupByRaw('1, 2, 3, 4')) as {
    provider: string;
    consumer: string;
    resource: string;
    outcome: Outcome;
    calls: number | string;
    row_total: number | string;
    bytes: number | string;
  }[];
  return rows.map((row) => ({
    provider: row.provider,
    consumer: row.consumer,
    resource: row.resource,
    outcome: row.outcome,
    calls: Number(row.calls),
    rows: Number(row.row_total),
    bytes: Number(row.bytes),
  }));
}

/** Series figures of the period, bucketed by PostgreSQL in the report's zone and matched to the planned buckets. */
async function seriesOfRecords(knex: Knex.Transaction, period: IndicatorPeriod): Promise<SeriesRow[]> {
  const unit = period.granularity.toLowerCase();
  const rows = (await knex('ledger_records')
    .where('at', '>=', new Date(period.from))
    .andWhere('at', '<', new Date(period.to))
    .select(
      knex.raw('date_trunc(?, at, ?) as bucket', [unit, period.timeZone]),
      knex.raw('count(*) as calls'),
      knex.raw("coalesce(sum(row_count) filter (where outcome = 'OK'), 0) as records"),
      knex.raw("count(*) filter (where outcome = 'DENIED') as denied"),
    )
    .groupByRaw('1')) as { bucket: Date; calls: number | string; records: number | string; denied: number | string }[];
  const bucketOf = new Map(period.buckets.map((bucket, index) => [bucket.at, index]));
  return rows.map((row) => {
    const bucket = bucketOf.get(row.bucket.getTime());
    if (bucket === undefined) throw new Error(`raw series bucket ${row.bucket.toISOString()} is not one of the report's buckets`);
    return { bucket, calls: Number(row.calls), records: Number(row.records), denied: Number(row.denied) };
  });
}
