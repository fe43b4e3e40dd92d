/**
 * The SQL of the indicator report. Exchange figures are summed over sets of
 * time ranges: whole hours from ledger_rollups, partial hours from
 * ledger_records, each range an index range scan (hour leads the roll-ups'
 * primary key; records are indexed on `at`), so no query reads the raw
 * records of a whole hour. Catalog and application figures read their tables.
 */
import type { Knex } from 'knex';
import type { ResourceFormat, ShareMethod, ShareType } from '../catalog/model.js';
import type { Outcome } from './ExchangeRecord.js';
import type { BucketRange, TimeRange } from './indicatorPeriod.js';

/** Exchange figures of one provider, consumer department, resource and outcome. */
export interface VolumeRow {
  readonly provider: string;
  /** The department served: on-behalf-of when a gateway asked, else the consumer department. */
  readonly consumer: string;
  readonly resource: string;
  readonly outcome: Outcome;
  readonly calls: number;
  /** Rows returned, summed over every exchange of the group. */
  readonly rows: number;
  readonly bytes: number;
}

/** Exchange figures of one series bucket. */
export interface SeriesRow {
  readonly bucket: number;
  readonly calls: number;
  /** Rows returned by OK exchanges (条次). */
  readonly records: number;
  readonly denied: number;
}

/** What the report reads of one resource of the catalog. */
export interface CatalogEntry {
  readonly code: string;
  readonly provider: string;
  readonly classification: string;
  readonly shareType: ShareType;
  readonly format: ResourceFormat;
  readonly shareMethod: ShareMethod;
}

/** Application counts of a period (see docs/indicators.md for each definition). */
export interface ApplicationCounts {
  readonly applied: number;
  readonly approved: number;
  readonly rejected: number;
  readonly withdrawn: number;
  readonly pending: number;
  readonly overdue: number;
}

type Db = Knex | Knex.Transaction;

/** Roll-up figures of the whole hours in `ranges`, by provider, consumer, resource and outcome. */
export async function volumeFromRollups(knex: Db, ranges: readonly TimeRange[]): Promise<VolumeRow[]> {
  if (ranges.length === 0) return [];
  const rows = await rangesJoin(knex, ranges, 'ledger_rollups as u', 'u.hour')
    .select(
      'u.provider_department as provider',
      'u.consumer_department as consumer',
      'u.resource_code as resource',
      'u.outcome',
      knex.raw('sum(u.calls)::bigint as calls'),
      knex.raw('sum(u.rows)::bigint as row_total'),
      knex.raw('sum(u.bytes)::bigint as bytes'),
    )
    .groupBy('u.provider_department', 'u.consumer_department', 'u.resource_code', 'u.outcome');
  return (rows as RawVolumeRow[]).map(toVolumeRow);
}

/** Raw-record figures of `ranges`, grouped as the roll-ups are. */
export async function volumeFromRecords(knex: Db, ranges: readonly TimeRange[]): Promise<VolumeRow[]> {
  if (ranges.length === 0) return [];
  const rows = await rangesJoin(knex, ranges, 'ledger_records as r', 'r.at')
    .select(
      'r.provider_department as provider',
      knex.raw('coalesce(r.on_behalf_of, r.consumer_department) as consumer'),
      'r.resource_code as resource',
      'r.outcome',
      knex.raw('count(*)::bigint as calls'),
      knex.raw('sum(r.row_count)::bigint as row_total'),
      knex.raw('sum(r.bytes)::bigint as bytes'),
    )
    .groupByRaw('r.provider_department, coalesce(r.on_behalf_of, r.consumer_department), r.resource_code, r.outcome');
  return (rows as RawVolumeRow[]).map(toVolumeRow);
}

/** Roll-up figures of each bucket's whole hours. */
export async function seriesFromRollups(knex: Db, ranges: readonly BucketRange[]): Promise<SeriesRow[]> {
  if (ranges.length === 0) return [];
  const rows = await rangesJoin(knex, ranges, 'ledger_rollups as u', 'u.hour')
    .select(
      'p.b as bucket',
      knex.raw('sum(u.calls)::bigint as calls'),
      knex.raw("coalesce(sum(u.rows) filter (where u.outcome = 'OK'), 0)::bigint as records"),
      knex.raw("coalesce(sum(u.calls) filter (where u.outcome = 'DENIED'), 0)::bigint as denied"),
    )
    .groupBy('p.b');
  return (rows as RawSeriesRow[]).map(toSeriesRow);
}

/** Raw-record figures of each bucket's partial hours. */
export async function seriesFromRecords(knex: Db, ranges: readonly BucketRange[]): Promise<SeriesRow[]> {
  if (ranges.length === 0) return [];
  const rows = await rangesJoin(knex, ranges, 'ledger_records as r', 'r.at')
    .select(
      'p.b as bucket',
      knex.raw('count(*)::bigint as calls'),
      knex.raw("coalesce(sum(r.row_count) filter (where r.outcome = 'OK'), 0)::bigint as records"),
      knex.raw("count(*) filter (where r.outcome = 'DENIED')::bigint as denied"),
    )
    .groupBy('p.b');
  return (rows as RawSeriesRow[]).map(toSeriesRow);
}

/**
 * The resources in the catalog at the end of a period: the version of each
 * code that was PUBLISHED just before `at` (published before it, not yet
 * deprecated or superseded). With `at` null, the versions PUBLISHED now.
 */
export async function catalogAt(knex: Db, at: Date | null): Promise<CatalogEntry[]> {
  const query = knex({ v: 'resource_versions' })
    .join({ r: 'resources' }, 'r.code', 'v.code')
    .select(
      'v.code',
      'r.provider_code as provider',
      'r.classification',
      knex.raw("v.definition->>'shareType' as share_type"),
      knex.raw("v.definition->>'format' as format"),
      knex.raw("v.definition->>'shareMethod' as share_method"),
    )
    .orderBy('v.code');
  if (at === null) query.where('v.status', 'PUBLISHED');
  // Superseding stamps the old version's deprecated_at and the new one's published_at with the
  // same transaction time, so exactly one version of a code matches any instant.
  else query.where('v.published_at', '<', at).andWhere((q) => q.whereNull('v.deprecated_at').orWhere('v.deprecated_at', '>=', at));
  const rows = (await query) as {
    code: string;
    provider: string;
    classification: string;
    share_type: ShareType;
    format: ResourceFormat;
    share_method: ShareMethod;
  }[];
  return rows.map((row) => ({
    code: row.code,
    provider: row.provider,
    classification: row.classification,
    shareType: row.share_type,
    format: row.format,
    shareMethod: row.share_method,
  }));
}

/**
 * Applications submitted and decided in [from, to), and those pending (and
 * overdue) at `at`, which is `to` or, for a period not over yet, now.
 */
export async function applicationCounts(knex: Db, from: Date, to: Date, at: Date): Promise<ApplicationCounts> {
  const decidedAs = (statuses: readonly string[], alias: string): Knex.Raw =>
    knex.raw(`count(*) filter (where decided_at >= ? and decided_at < ? and status in (${statuses.map(() => '?').join(', ')}))::bigint as ??`, [
      from,
      to,
      ...statuses,
      alias,
    ]);
  const pendingAt = 'submitted_at < ? and (decided_at is null or decided_at >= ?)';
  const row = (await knex('applications')
    .select(
      knex.raw('count(*) filter (where submitted_at >= ? and submitted_at < ?)::bigint as applied', [from, to]),
      // A revoked application was approved first; revocation keeps its decision time.
      decidedAs(['APPROVED', 'REVOKED'], 'approved'),
      decidedAs(['REJECTED'], 'rejected'),
      decidedAs(['WITHDRAWN'], 'withdrawn'),
      knex.raw(`count(*) filter (where ${pendingAt})::bigint as pending`, [at, at]),
      knex.raw(`count(*) filter (where ${pendingAt} and due_by < ?)::bigint as overdue`, [at, at, at]),
    )
    .first()) as Record<keyof ApplicationCounts, number | string>;
  return {
    applied: Number(row.applied),
    approved: Number(row.approved),
    rejected: Number(row.rejected),
    withdrawn: Number(row.withdrawn),
    pending: Number(row.pending),
    overdue: Number(row.overdue),
  };
}

interface RawVolumeRow {
  provider: string;
  consumer: string;
  resource: string;
  outcome: Outcome;
  calls: number | string;
  row_total: number | string;
  bytes: number | string;
}

interface RawSeriesRow {
  bucket: number;
  calls: number | string;
  records: number | string;
  denied: number | string;
}

/**
 * `table` joined to the ranges, passed as one jsonb value (any number of ranges
 * in one binding): a nested loop of range scans on `column`'s index.
 */
function rangesJoin(knex: Db, ranges: readonly (TimeRange & { bucket?: number })[], table: string, column: string): Knex.QueryBuilder {
  const json = JSON.stringify(
    ranges.map((range) => ({ s: new Date(range.start).toISOString(), e: new Date(range.end).toISOString(), b: range.bucket ?? 0 })),
  );
  return knex
    .queryBuilder()
    .from(knex.raw('jsonb_to_recordset(?::jsonb) as p(s timestamptz, e timestamptz, b integer)', [json]))
    .join(table, (on) => on.on(column, '>=', 'p.s').andOn(column, '<', 'p.e'));
}

function toVolumeRow(row: RawVolumeRow): VolumeRow {
  return {
    provider: row.provider,
    consumer: row.consumer,
    resource: row.resource,
    outcome: row.outcome,
    calls: Number(row.calls),
    rows: Number(row.row_total),
    bytes: Number(row.bytes),
  };
}

function toSeriesRow(row: RawSeriesRow): SeriesRow {
  return { bucket: Number(row.bucket), calls: Number(row.calls), records: Number(row.records), denied: Number(row.denied) };
}
