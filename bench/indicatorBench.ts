/**
 * The indicator report on a large ledger: via roll-ups (buildIndicatorReport,
 * as the product computes it) against the same figures counted from raw
 * records (buildRawIndicatorReport). Every run's two reports must be
 * identical, or the bench fails: a fast wrong answer is no result.
 */
import { deepStrictEqual } from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type { CatalogSnapshot } from '../catalog/model.js';
import type { Granularity } from '../ledger/indicatorPeriod.js';
import { buildIndicatorReport, type IndicatorOptions, type IndicatorReport } from '../ledger/indicatorReport.js';
import { buildRawIndicatorReport } from './rawIndicatorReport.js';

export interface IndicatorRuns {
  readonly granularity: Granularity;
  /** Milliseconds of each timed run, warm-up excluded. */
  readonly rollupMs: readonly number[];
  readonly rawMs: readonly number[];
  /** Calls the report counted: every generated record when the window covers them all. */
  readonly calls: number;
  readonly buckets: number;
}

export interface IndicatorBenchOptions {
  readonly from: Date;
  readonly to: Date;
  readonly granularity: Granularity;
  readonly timeZone: string;
  readonly repetitions: number;
  /** Build both reports once, untimed, first: the first reads of a ledger after its load are not typical. */
  readonly warmUp: boolean;
  readonly progress: (message: string) => void;
}

/**
 * An optional untimed warm-up of each, then `repetitions` timed runs
 * alternating roll-ups and raw, so a drift of the machine (cache, background
 * work) falls on both alike. Every report must equal the first one.
 */
export async function runIndicatorBench(knex: Knex, catalog: CatalogSnapshot, options: IndicatorBenchOptions): Promise<IndicatorRuns> {
  const reportOptions: IndicatorOptions = {
    from: options.from,
    to: options.to,
    granularity: options.granularity,
    timeZone: options.timeZone,
    now: new Date(),
  };
  let expected: IndicatorReport | null = null;
  if (options.warmUp) {
    expected = await buildIndicatorReport(knex, catalog, reportOptions);
    assertSameReport(expected, await buildRawIndicatorReport(knex, catalog, reportOptions), `${options.granularity} warm-up`);
  }
  const rollupMs: number[] = [];
  const rawMs: number[] = [];
  for (let run = 1; run <= options.repetitions; run++) {
    const rollup = await timed(() => buildIndicatorReport(knex, catalog, reportOptions));
    const raw = await timed(() => buildRawIndicatorReport(knex, catalog, reportOptions));
    expected ??= rollup.value;
    assertSameReport(expected, rollup.value, `${options.granularity} run ${run}, roll-ups`);
    assertSameReport(expected, raw.value, `${options.granularity} run ${run}, raw records`);
    rollupMs.push(rollup.ms);
    rawMs.push(raw.ms);
    options.progress(`indicators ${options.granularity} run ${run}/${options.repetitions}: roll-ups ${rollup.ms.toFixed(0)} ms, raw ${raw.ms.toFixed(0)} ms`);
  }
  if (!expected) throw new Error('no indicator run: repetitions must be 1 or more');
  return { granularity: options.granularity, rollupMs, rawMs, calls: expected.volume.calls, buckets: expected.series.length };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/** Throws naming the first differing figure: the whole reports would bury it in a diff of thousands of lines. */
function assertSameReport(expected: IndicatorReport, actual: IndicatorReport, what: string): void {
  const difference = firstDifference(expected, actual, 'report');
  if (difference) throw new Error(`indicator reports differ (${what}): ${difference}`);
  // The walk above compares values; this also holds key sets and types exactly.
  deepStrictEqual(actual, expected, what);
}

function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return `${path}: ${JSON.stringify(b)}, where the first roll-up report has ${JSON.stringify(a)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (found) return found;
  }
  return null;
}
