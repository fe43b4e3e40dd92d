import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isMeridianError } from '../../common/errors.js';
import {
  MAX_REPORT_YEARS,
  bucketLabel,
  mergeRanges,
  parseReportInstant,
  planIndicatorPeriod,
  type Granularity,
  type IndicatorPeriod,
  type TimeRange,
} from '../../ledger/indicatorPeriod.js';

const HOUR = 3_600_000;
const at = (iso: string): number => new Date(iso).getTime();
const iso = (ms: number): string => new Date(ms).toISOString();

function plan(from: string, to: string, granularity: Granularity, timeZone = 'Asia/Shanghai'): IndicatorPeriod {
  return planIndicatorPeriod(new Date(from), new Date(to), granularity, timeZone);
}

function hasCode(code: string): (error: unknown) => boolean {
  return (error) => isMeridianError(error) && error.code === code;
}

/** Fails unless the ranges, in time order, cover [from, to) exactly once. */
function assertTiles(ranges: readonly TimeRange[], from: number, to: number): void {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  let cursor = from;
  for (const range of sorted) {
    assert.equal(range.start, cursor, `a range starts at ${iso(range.start)}, expected ${iso(cursor)}`);
    assert.ok(range.end > range.start, 'no empty range');
    cursor = range.end;
  }
  assert.equal(cursor, to, 'the ranges end at the end of the period');
}

describe('Indicators: series buckets in the configured time zone', () => {
  it('cuts days at local midnight in Asia/Shanghai and clips the first and last day to the period', () => {
    const period = plan('2024-01-31T10:30:00+08:00', '2024-02-02T07:15:00+08:00', 'DAY');
    assert.deepEqual(
      period.buckets.map((b) => [iso(b.at), iso(b.start), iso(b.end)]),
      [
        ['2024-01-30T16:00:00.000Z', '2024-01-31T02:30:00.000Z', '2024-01-31T16:00:00.000Z'],
        ['2024-01-31T16:00:00.000Z', '2024-01-31T16:00:00.000Z', '2024-02-01T16:00:00.000Z'],
        ['2024-02-01T16:00:00.000Z', '2024-02-01T16:00:00.000Z', '2024-02-01T23:15:00.000Z'],
      ],
    );
    assert.deepEqual(
      period.buckets.map((b) => bucketLabel(b.at, 'DAY', 'Asia/Shanghai')),
      ['2024-01-31', '2024-02-01', '2024-02-02'],
    );
  });

  it('reads whole UTC hours from the roll-ups and only the partial hours at the edges from raw records', () => {
    const period = plan('2024-01-31T10:30:00+08:00', '2024-02-02T07:15:00+08:00', 'DAY');
    assert.deepEqual(
      period.rawRanges.map((r) => [iso(r.start), iso(r.end), r.bucket]),
      [
        ['2024-01-31T02:30:00.000Z', '2024-01-31T03:00:00.000Z', 0],
        ['2024-02-01T23:00:00.000Z', '2024-02-01T23:15:00.000Z', 2],
      ],
    );
    assert.deepEqual(
      period.rollupRanges.map((r) => [iso(r.start), iso(r.end), r.bucket]),
      [
        ['2024-01-31T03:00:00.000Z', '2024-01-31T16:00:00.000Z', 0],
        ['2024-01-31T16:00:00.000Z', '2024-02-01T16:00:00.000Z', 1],
        ['2024-02-01T16:00:00.000Z', '2024-02-01T23:00:00.000Z', 2],
      ],
    );
  });

  it('cuts months at the local first of the month across a year end and a leap February', () => {
    const period = plan('2023-11-15T00:00:00+08:00', '2024-03-10T00:00:00+08:00', 'MONTH');
    assert.deepEqual(
      period.buckets.map((b) => bucketLabel(b.at, 'MONTH', 'Asia/Shanghai')),
      ['2023-11', '2023-12', '2024-01', '2024-02', '2024-03'],
    );
    assert.deepEqual(
      period.buckets.slice(1).map((b) => iso(b.at)),
      ['2023-11-30T16:00:00.000Z', '2023-12-31T16:00:00.000Z', '2024-01-31T16:00:00.000Z', '2024-02-29T16:00:00.000Z'],
    );
    const february = period.buckets[3]!;
    assert.equal((february.end - february.start) / (24 * HOUR), 29, 'February 2024 has 29 days');
    assert.equal(period.rawRanges.length, 0, 'edges on whole hours need no raw records');
  });

  it('makes an hour its own bucket, and a report inside one hour reads raw records only', () => {
    const hourly = plan('2024-03-01T08:00:00Z', '2024-03-01T11:00:00Z', 'HOUR');
    assert.deepEqual(
      hourly.buckets.map((b) => bucketLabel(b.at, 'HOUR', 'Asia/Shanghai')),
      ['2024-03-01 16:00', '2024-03-01 17:00', '2024-03-01 18:00'],
    );
    assert.equal(hourly.rawRanges.length, 0);
    const inside = plan('2024-03-01T08:10:00Z', '2024-03-01T08:50:00Z', 'DAY');
    assert.deepEqual(inside.rawRanges.map((r) => [iso(r.start), iso(r.end)]), [['2024-03-01T08:10:00.000Z', '2024-03-01T08:50:00.000Z']]);
    assert.equal(inside.rollupRanges.length, 0);
  });

  it('in a zone half an hour off UTC (Asia/Kolkata), days start at :30 and those half hours come from raw records', () => {
    const period = plan('2024-05-01T00:00:00+05:30', '2024-05-04T00:00:00+05:30', 'DAY', 'Asia/Kolkata');
    assert.deepEqual(
      period.buckets.map((b) => iso(b.at)),
      ['2024-04-30T18:30:00.000Z', '2024-05-01T18:30:00.000Z', '2024-05-02T18:30:00.000Z'],
    );
    assert.deepEqual(
      period.rawRanges.map((r) => [iso(r.start), iso(r.end)]),
      [
        ['2024-04-30T18:30:00.000Z', '2024-04-30T19:00:00.000Z'],
        ['2024-05-01T18:00:00.000Z', '2024-05-01T18:30:00.000Z'],
        ['2024-05-01T18:30:00.000Z', '2024-05-01T19:00:00.000Z'],
        ['2024-05-02T18:00:00.000Z', '2024-05-02T18:30:00.000Z'],
        ['2024-05-02T18:30:00.000Z', '2024-05-02T19:00:00.000Z'],
        ['2024-05-03T18:00:00.000Z', '2024-05-03T18:30:00.000Z'],
      ],
    );
    const hourly = plan('2024-05-01T00:00:00+05:30', '2024-05-01T03:00:00+05:30', 'HOUR', 'Asia/Kolkata');
    assert.equal(hourly.rollupRanges.length, 0, 'every local hour straddles two UTC hours');
    assert.equal(hourly.buckets.length, 3);
  });

  it('gives the repeated hour of a DST fall-back a bucket of its own, and that day 25 hours (Europe/Berlin)', () => {
    const hourly = plan('2024-10-27T00:00:00+02:00', '2024-10-27T04:00:00+01:00', 'HOUR', 'Europe/Berlin');
    assert.deepEqual(
      hourly.buckets.map((b) => iso(b.at)),
      [
        '2024-10-26T22:00:00.000Z',
        '2024-10-26T23:00:00.000Z',
        '2024-10-27T00:00:00.000Z',
        '2024-10-27T01:00:00.000Z',
        '2024-10-27T02:00:00.000Z',
      ],
    );
    const daily = plan('2024-10-26T00:00:00+02:00', '2024-10-29T00:00:00+01:00', 'DAY', 'Europe/Berlin');
    assert.deepEqual(
      daily.buckets.map((b) => (b.end - b.start) / HOUR),
      [24, 25, 24],
    );
  });

  it('tiles any period exactly with roll-up and raw ranges, roll-ups on whole hours, buckets in order', () => {
    const zones = ['Asia/Shanghai', 'UTC', 'Asia/Kolkata', 'Asia/Kathmandu', 'Europe/Berlin', 'America/Santiago'];
    fc.assert(
      fc.property(
        fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z') }),
        fc.integer({ min: 1, max: 400 * 24 * HOUR }),
        fc.constantFrom<Granularity>('HOUR', 'DAY', 'MONTH'),
        fc.constantFrom(...zones),
        (from, length, granularity, zone) => {
          // Hourly series over a long span would make the property slow, not stronger.
          const to = from + (granularity === 'HOUR' ? Math.min(length, 20 * 24 * HOUR) : length);
          const period = planIndicatorPeriod(new Date(from), new Date(to), granularity, zone);
          assertTiles([...period.rollupRanges, ...period.rawRanges], from, to);
          assertTiles(period.buckets, from, to);
          for (const range of period.rollupRanges) {
            assert.equal(range.start % HOUR, 0);
            assert.equal(range.end % HOUR, 0);
          }
          for (const range of [...period.rollupRanges, ...period.rawRanges]) {
            const bucket = period.buckets[range.bucket]!;
            assert.ok(range.start >= bucket.start && range.end <= bucket.end, 'a range stays inside its bucket');
          }
          period.buckets.forEach((bucket, i) => {
            assert.ok(bucket.at <= bucket.start);
            if (i > 0) assert.equal(bucket.at, bucket.start, 'only the first bucket begins before the period');
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Indicators: the period a report may cover', () => {
  it('refuses an empty or reversed period with BAD_USER_INPUT', () => {
    assert.throws(() => plan('2024-01-02T00:00:00Z', '2024-01-02T00:00:00Z', 'DAY'), hasCode('BAD_USER_INPUT'));
    assert.throws(() => plan('2024-01-03T00:00:00Z', '2024-01-02T00:00:00Z', 'DAY'), hasCode('BAD_USER_INPUT'));
  });

  it(`accepts ${MAX_REPORT_YEARS} years and refuses a millisecond more`, () => {
    assert.equal(plan('2015-01-01T00:00:00Z', '2025-01-01T00:00:00Z', 'MONTH').buckets.length, 121);
    assert.throws(() => plan('2015-01-01T00:00:00Z', '2025-01-01T00:00:00.001Z', 'MONTH'), hasCode('BAD_USER_INPUT'));
  });

  it('refuses a time zone that does not exist as a configuration error', () => {
    assert.throws(() => plan('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', 'DAY', 'Mars/Olympus'), hasCode('CONFIG_INVALID'));
  });
});

describe('Indicators: instants and ranges', () => {
  it('reads a date or a month on the command line as its first instant in the zone', () => {
    assert.equal(parseReportInstant('2024-02-01', 'Asia/Shanghai').toISOString(), '2024-01-31T16:00:00.000Z');
    assert.equal(parseReportInstant('2024-02', 'Asia/Shanghai').toISOString(), '2024-01-31T16:00:00.000Z');
    assert.equal(parseReportInstant('2024-02-01T08:30:00+08:00', 'UTC').toISOString(), '2024-02-01T00:30:00.000Z');
    assert.throws(() => parseReportInstant('2024-02-30', 'Asia/Shanghai'), hasCode('BAD_USER_INPUT'));
    assert.throws(() => parseReportInstant('yesterday', 'Asia/Shanghai'), hasCode('BAD_USER_INPUT'));
    assert.throws(() => parseReportInstant('2024-02-01T08:30:00', 'Asia/Shanghai'), hasCode('BAD_USER_INPUT'), 'an offset is required');
  });

  it('joins adjacent and overlapping ranges and keeps gaps', () => {
    assert.deepEqual(
      mergeRanges([
        { start: 30, end: 40 },
        { start: 0, end: 10 },
        { start: 10, end: 20 },
        { start: 35, end: 50 },
      ]),
      [
        { start: 0, end: 20 },
        { start: 30, end: 50 },
      ],
    );
  });
});
