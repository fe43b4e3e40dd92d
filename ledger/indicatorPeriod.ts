/**
 * The time plan of an indicator report: the series buckets of [from, to) in
 * the report's time zone, and for each bucket which part is read from the
 * hourly roll-ups (whole UTC hours) and which from raw ledger records (the
 * partial hours at its edges). Pure: no I/O, no clock.
 */
import { DateTime, IANAZone } from 'luxon';
import { badInput, meridianError } from '../common/errors.js';

export type Granularity = 'HOUR' | 'DAY' | 'MONTH';

/** The granularities of the series, finest first. */
export const GRANULARITIES: readonly Granularity[] = Object.freeze(['HOUR', 'DAY', 'MONTH']);

/** Longest period one report may cover, in calendar years. */
export const MAX_REPORT_YEARS = 10;

/** A half-open interval of instants [start, end), in milliseconds since the epoch. */
export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

/** One bucket of the series. */
export interface SeriesBucket extends TimeRange {
  /** Where the bucket begins in the report's zone; before `start` when the period begins inside it. */
  readonly at: number;
}

/** A range read for one bucket (its index in `buckets`). */
export interface BucketRange extends TimeRange {
  readonly bucket: number;
}

export interface IndicatorPeriod {
  readonly from: number;
  readonly to: number;
  readonly granularity: Granularity;
  readonly timeZone: string;
  /** The buckets in time order; `start`/`end` are clipped to [from, to) and together cover it exactly. */
  readonly buckets: readonly SeriesBucket[];
  /** Whole UTC hours, read from ledger_rollups (hour >= start and hour < end). */
  readonly rollupRanges: readonly BucketRange[];
  /** Partial hours, read from ledger_records (at >= start and at < end). */
  readonly rawRanges: readonly BucketRange[];
}

const HOUR_MS = 3_600_000;

/**
 * Plans a report over [from, to): BAD_USER_INPUT unless from < to and the span
 * is at most MAX_REPORT_YEARS; CONFIG_INVALID for a zone luxon does not know.
 */
export function planIndicatorPeriod(from: Date, to: Date, granularity: Granularity, timeZone: string): IndicatorPeriod {
  const start = from.getTime();
  const end = to.getTime();
  if (Number.isNaN(start) || Number.isNaN(end)) throw badInput('from and to must be points in time');
  if (start >= end) throw badInput(`from (${from.toISOString()}) must be before to (${to.toISOString()})`);
  const latest = DateTime.fromMillis(start, { zone: 'utc' }).plus({ years: MAX_REPORT_YEARS }).toMillis();
  if (end > latest) throw badInput(`a report covers at most ${MAX_REPORT_YEARS} years: to must be no later than ${new Date(latest).toISOString()}`);
  if (!GRANULARITIES.includes(granularity)) throw badInput(`granularity must be one of ${GRANULARITIES.join(', ')}`);
  if (!IANAZone.isValidZone(timeZone)) {
    throw meridianError('CONFIG_INVALID', { problems: `timeZone ${JSON.stringify(timeZone)} is not a known IANA time zone (e.g. Asia/Shanghai)` });
  }

  const buckets: SeriesBucket[] = [];
  const rollupRanges: BucketRange[] = [];
  const rawRanges: BucketRange[] = [];
  for (let at = bucketStart(start, granularity, timeZone); at < end; ) {
    const next = nextBucketStart(at, granularity, timeZone);
    const bucket = { at, start: Math.max(at, start), end: Math.min(next, end) };
    const index = buckets.push(bucket) - 1;
    splitIntoHours(bucket, index, rollupRanges, rawRanges);
    at = next;
  }
  return { from: start, to: end, granularity, timeZone, buckets, rollupRanges, rawRanges };
}

/** The ranges with adjacent ones joined: fewer, longer index scans when buckets do not matter. */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const merged: TimeRange[] = [];
  for (const range of [...ranges].sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1];
    if (last && last.end >= range.start) merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, range.end) };
    else merged.push({ start: range.start, end: range.end });
  }
  return merged;
}

/**
 * An instant given on the command line: an ISO 8601 date-time with offset, or
 * a calendar date `YYYY-MM-DD` (or month `YYYY-MM`) meaning its first instant in `timeZone`.
 */
export function parseReportInstant(text: string, timeZone: string): Date {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}(-\d{2})?$/.test(trimmed)) {
    const local = DateTime.fromISO(trimmed, { zone: timeZone });
    if (local.isValid) return local.toJSDate();
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed)) {
    const instant = new Date(trimmed);
    if (!Number.isNaN(instant.getTime())) return instant;
  }
  throw badInput(`${JSON.stringify(text)} is not a date-time with offset (2024-01-31T08:00:00+08:00) or a date (2024-01-31, 2024-01)`);
}

/** The local label of a bucket's start: `2024-01-31 08:00`, `2024-01-31` or `2024-01`. */
export function bucketLabel(at: number, granularity: Granularity, timeZone: string): string {
  const local = DateTime.fromMillis(at, { zone: timeZone });
  return local.toFormat(granularity === 'HOUR' ? 'yyyy-MM-dd HH:mm' : granularity === 'DAY' ? 'yyyy-MM-dd' : 'yyyy-MM');
}

/** Whole UTC hours of the bucket go to the roll-ups; what is left at either edge, to raw records. */
function splitIntoHours(bucket: TimeRange, index: number, rollups: BucketRange[], raw: BucketRange[]): void {
  const firstWhole = Math.ceil(bucket.start / HOUR_MS) * HOUR_MS;
  const endWhole = Math.floor(bucket.end / HOUR_MS) * HOUR_MS;
  if (firstWhole >= endWhole) {
    raw.push({ start: bucket.start, end: bucket.end, bucket: index });
    return;
  }
  if (bucket.start < firstWhole) raw.push({ start: bucket.start, end: firstWhole, bucket: index });
  rollups.push({ start: firstWhole, end: endWhole, bucket: index });
  if (endWhole < bucket.end) raw.push({ start: endWhole, end: bucket.end, bucket: index });
}

function bucketStart(instant: number, granularity: Granularity, timeZone: string): number {
  if (granularity === 'HOUR') return localHourStart(instant, timeZone);
  return DateTime.fromMillis(instant, { zone: timeZone })
    .startOf(granularity === 'DAY' ? 'day' : 'month')
    .toMillis();
}

function nextBucketStart(at: number, granularity: Granularity, timeZone: string): number {
  // An hour is stepped on the time line: across a DST fall-back the repeated local hour is a bucket of its own.
  if (granularity === 'HOUR') return localHourStart(at + HOUR_MS, timeZone);
  const local = DateTime.fromMillis(at, { zone: timeZone });
  return granularity === 'DAY' ? local.plus({ days: 1 }).startOf('day').toMillis() : local.plus({ months: 1 }).startOf('month').toMillis();
}

/**
 * The last instant at or before `instant` where the local clock shows a whole
 * hour. Subtracting the local minutes keeps the offset of `instant`, so it is
 * exact in zones whose offsets are not whole hours (Asia/Kolkata) and never
 * lands in a DST gap.
 */
function localHourStart(instant: number, timeZone: string): number {
  const local = DateTime.fromMillis(instant, { zone: timeZone });
  return instant - ((local.minute * 60 + local.second) * 1000 + local.millisecond);
}
