/**
 * The information-resources indicator report (信息资源指标) of a period:
 * catalog size, interfaces published and used, exchange volume in calls and
 * records (条次), application counts, figures per provider and per consumer
 * department, a series by hour, day or month, and the coefficient of variation
 * (差异系数) across departments of each per-department figure. Exact for
 * [from, to); docs/indicators.md defines every figure.
 */
import type { Knex } from 'knex';
import type { CatalogSnapshot } from '../catalog/model.js';
import { countFacets, type FacetCount } from '../catalog/index.js';
import { mergeRanges, planIndicatorPeriod, type Granularity, type IndicatorPeriod } from './indicatorPeriod.js';
import {
  applicationCounts,
  catalogAt,
  seriesFromRecords,
  seriesFromRollups,
  volumeFromRecords,
  volumeFromRollups,
  type ApplicationCounts,
  type CatalogEntry,
  type SeriesRow,
  type VolumeRow,
} from './indicatorQueries.js';

export interface CatalogFigures {
  readonly resources: number;
  readonly byShareType: readonly FacetCount[];
  readonly byProvider: readonly FacetCount[];
  /** By 类 + 项: the first three digits of the classification, as the catalog facets count. */
  readonly byClassification: readonly FacetCount[];
  readonly byFormat: readonly FacetCount[];
  /** (UNCONDITIONAL + CONDITIONAL) / all; 0 for an empty catalog. */
  readonly shareableRatio: number;
}

export interface InterfaceFigures {
  readonly published: number;
  readonly used: number;
}

export interface VolumeFigures {
  readonly calls: number;
  readonly okCalls: number;
  readonly deniedCalls: number;
  readonly errorCalls: number;
  /** Rows returned by OK exchanges (交换量, 条次). */
  readonly records: number;
  readonly bytes: number;
}

export type ApplicationFigures = ApplicationCounts;

/** The figures of one department on one side (provider or consumer). */
export interface DepartmentFigures {
  /** Department code; the GraphQL layer resolves it to the department. */
  readonly department: string;
  readonly resources: number;
  readonly publishedInterfaces: number;
  readonly usedInterfaces: number;
  readonly calls: number;
  readonly records: number;
  readonly denied: number;
}

export interface SeriesPoint {
  /** The bucket's start in the report's zone, ISO 8601 UTC. */
  readonly at: string;
  readonly calls: number;
  readonly records: number;
  readonly denied: number;
}

export type Side = 'provider' | 'consumer';
export type DepartmentFigure = 'calls' | 'records' | 'publishedInterfaces' | 'usedInterfaces' | 'resources' | 'denied';

/** The per-department figures whose variation is reported, in report order. */
export const DEPARTMENT_FIGURES: readonly DepartmentFigure[] = Object.freeze([
  'calls',
  'records',
  'publishedInterfaces',
  'usedInterfaces',
  'resources',
  'denied',
]);

/** Spread of a list of values. */
export interface Spread {
  readonly departments: number;
  readonly mean: number;
  /** Population standard deviation. */
  readonly stdDev: number;
  /** 差异系数 = stdDev / mean; 0 when the mean is 0. */
  readonly coefficient: number;
}

export interface Variation extends Spread {
  readonly figure: DepartmentFigure;
  readonly side: Side;
}

export interface IndicatorReport {
  readonly from: string;
  readonly to: string;
  readonly granularity: Granularity;
  /** Zone of the series buckets. */
  readonly timeZone: string;
  /** When the catalog and the pending applications were taken: `to`, or now for a period not over yet. */
  readonly asOf: string;
  readonly catalog: CatalogFigures;
  readonly interfaces: InterfaceFigures;
  readonly volume: VolumeFigures;
  readonly applications: ApplicationFigures;
  /** One entry per department, in code order. */
  readonly providers: readonly DepartmentFigures[];
  readonly consumers: readonly DepartmentFigures[];
  readonly series: readonly SeriesPoint[];
  readonly variation: readonly Variation[];
}

export interface IndicatorOptions {
  readonly from: Date;
  readonly to: Date;
  readonly granularity: Granularity;
  /** IANA zone of the series' days and months (the gateway's configured zone). */
  readonly timeZone: string;
  readonly now: Date;
}

/** What the report is assembled from, all read for one period. */
export interface IndicatorInputs {
  readonly period: IndicatorPeriod;
  readonly asOf: Date;
  /** Codes of the registered departments: each gets an entry on both sides, zeros included. */
  readonly departments: readonly string[];
  readonly catalog: readonly CatalogEntry[];
  /** Exchange figures of the period, roll-up and raw parts together, in any grouping. */
  readonly volume: readonly VolumeRow[];
  /** Series figures by bucket index, roll-up and raw parts together. */
  readonly series: readonly SeriesRow[];
  readonly applications: ApplicationCounts;
}

/**
 * Computes the report of [from, to): BAD_USER_INPUT for an empty or too long
 * period. Reads roll-ups for whole hours and raw records only for partial ones.
 */
export async function buildIndicatorReport(knex: Knex, catalog: CatalogSnapshot, options: IndicatorOptions): Promise<IndicatorReport> {
  const period = planIndicatorPeriod(options.from, options.to, options.granularity, options.timeZone);
  const ended = options.to.getTime() <= options.now.getTime();
  const asOf = ended ? options.to : options.now;
  // One snapshot for every query, so that the series adds up to the totals while the ledger is being written.
  return knex.transaction(
    async (trx) => {
      // The planner cannot know how few rows a range holds; its estimates would have PostgreSQL
      // JIT-compile queries that then run in a millisecond.
      await trx.raw('set local jit = off');
      // Totals do not need the buckets: adjacent ranges merge into fewer, longer scans.
      const rolledUp = await volumeFromRollups(trx, mergeRanges(period.rollupRanges));
      const raw = await volumeFromRecords(trx, mergeRanges(period.rawRanges));
      const rolledUpSeries = await seriesFromRollups(trx, period.rollupRanges);
      const rawSeries = await seriesFromRecords(trx, period.rawRanges);
      return assembleIndicatorReport({
        period,
        asOf,
        departments: [...catalog.departments.keys()],
        // Publication times are the database's clock; for a period not over yet the current state is the answer.
        catalog: await catalogAt(trx, ended ? options.to : null),
        volume: [...rolledUp, ...raw],
        series: [...rolledUpSeries, ...rawSeries],
        applications: await applicationCounts(trx, options.from, options.to, asOf),
      });
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}

/** The report from figures already read: pure. */
export function assembleIndicatorReport(inputs: IndicatorInputs): IndicatorReport {
  const { period, catalog, volume } = inputs;
  const published = catalog.filter((entry) => entry.shareMethod === 'INTERFACE');
  const providers = departmentFigures('provider', inputs);
  const consumers = departmentFigures('consumer', inputs);
  return {
    from: new Date(period.from).toISOString(),
    to: new Date(period.to).toISOString(),
    granularity: period.granularity,
    timeZone: period.timeZone,
    asOf: inputs.asOf.toISOString(),
    catalog: catalogFigures(catalog),
    interfaces: { published: published.length, used: usedResources(volume).size },
    volume: volumeFigures(volume),
    applications: inputs.applications,
    providers,
    consumers,
    series: seriesPoints(period, inputs.series),
    variation: (['provider', 'consumer'] as const).flatMap((side) =>
      DEPARTMENT_FIGURES.map((figure) => ({
        figure,
        side,
        ...spreadOf((side === 'provider' ? providers : consumers).map((entry) => entry[figure])),
      })),
    ),
  };
}

/** Mean, population standard deviation and their ratio (差异系数) of `values`; all 0 for no values. */
export function spreadOf(values: readonly number[]): Spread {
  const n = values.length;
  if (n === 0) return { departments: 0, mean: 0, stdDev: 0, coefficient: 0 };
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  // Deviations from the mean, not E[x²] - mean², which loses precision on large, similar figures.
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / n;
  const stdDev = Math.sqrt(variance);
  return { departments: n, mean, stdDev, coefficient: mean === 0 ? 0 : stdDev / mean };
}

/** Catalog size by share type, provider, class (类 + 项) and format, and the shareable ratio. */
export function catalogFigures(entries: readonly CatalogEntry[]): CatalogFigures {
  const shareable = entries.filter((entry) => entry.shareType !== 'NOT_SHARED').length;
  return {
    resources: entries.length,
    byShareType: countFacets(entries, (entry) => entry.shareType),
    byProvider: countFacets(entries, (entry) => entry.provider),
    byClassification: countFacets(entries, (entry) => entry.classification.slice(0, 3)),
    byFormat: countFacets(entries, (entry) => entry.format),
    shareableRatio: entries.length === 0 ? 0 : shareable / entries.length,
  };
}

function volumeFigures(rows: readonly VolumeRow[]): VolumeFigures {
  const figures = { calls: 0, okCalls: 0, deniedCalls: 0, errorCalls: 0, records: 0, bytes: 0 };
  for (const row of rows) {
    figures.calls += row.calls;
    figures.bytes += row.bytes;
    if (row.outcome === 'OK') {
      figures.okCalls += row.calls;
      figures.records += row.rows;
    } else if (row.outcome === 'DENIED') figures.deniedCalls += row.calls;
    else figures.errorCalls += row.calls;
  }
  return figures;
}

/** Codes of the resources with at least one OK exchange among `rows`. */
function usedResources(rows: readonly VolumeRow[]): Set<string> {
  return new Set(rows.filter((row) => row.outcome === 'OK' && row.calls > 0).map((row) => row.resource));
}

/**
 * One entry per registered department and per department met in the period's
 * exchanges on this side (an upstream's consumer need not be registered here).
 */
function departmentFigures(side: Side, inputs: IndicatorInputs): DepartmentFigures[] {
  interface Tally {
    resources: number;
    publishedInterfaces: number;
    used: Set<string>;
    calls: number;
    records: number;
    denied: number;
  }
  const tallies = new Map<string, Tally>();
  const tallyOf = (code: string): Tally => {
    let tally = tallies.get(code);
    if (!tally) {
      tally = { resources: 0, publishedInterfaces: 0, used: new Set(), calls: 0, records: 0, denied: 0 };
      tallies.set(code, tally);
    }
    return tally;
  };
  for (const code of inputs.departments) tallyOf(code);
  // A department's own catalog entries, whichever side it is counted on.
  for (const entry of inputs.catalog) {
    const tally = tallyOf(entry.provider);
    tally.resources += 1;
    if (entry.shareMethod === 'INTERFACE') tally.publishedInterfaces += 1;
  }
  for (const row of inputs.volume) {
    const tally = tallyOf(side === 'provider' ? row.provider : row.consumer);
    tally.calls += row.calls;
    if (row.outcome === 'OK') {
      tally.records += row.rows;
      if (row.calls > 0) tally.used.add(row.resource);
    } else if (row.outcome === 'DENIED') tally.denied += row.calls;
  }
  return [...tallies]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([department, tally]) => ({
      department,
      resources: tally.resources,
      publishedInterfaces: tally.publishedInterfaces,
      usedInterfaces: tally.used.size,
      calls: tally.calls,
      records: tally.records,
      denied: tally.denied,
    }));
}

function seriesPoints(period: IndicatorPeriod, rows: readonly SeriesRow[]): SeriesPoint[] {
  const points = period.buckets.map((bucket) => ({ at: new Date(bucket.at).toISOString(), calls: 0, records: 0, denied: 0 }));
  for (const row of rows) {
    const point = points[row.bucket]!;
    point.calls += row.calls;
    point.records += row.records;
    point.denied += row.denied;
  }
  return points;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
