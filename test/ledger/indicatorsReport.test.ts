import assert from 'node:assert/strict';
import { planIndicatorPeriod } from '../../ledger/indicatorPeriod.js';
import type { CatalogEntry, VolumeRow } from '../../ledger/indicatorQueries.js';
import { assembleIndicatorReport, catalogFigures, spreadOf, type IndicatorInputs } from '../../ledger/indicatorReport.js';

const POLICE = 'P';
const HEALTH = 'H';
const OPERATOR = 'O';
const UPSTREAM_CONSUMER = 'U';

const entries: CatalogEntry[] = [
  { code: '101001/000001', provider: POLICE, classification: '101001', shareType: 'CONDITIONAL', format: 'DATABASE', shareMethod: 'INTERFACE' },
  { code: '101002/000001', provider: POLICE, classification: '101002', shareType: 'UNCONDITIONAL', format: 'DATABASE', shareMethod: 'INTERFACE' },
  { code: '202002/000001', provider: HEALTH, classification: '202002', shareType: 'NOT_SHARED', format: 'SPREADSHEET', shareMethod: 'FILE' },
  { code: '202002/000002', provider: HEALTH, classification: '2020021', shareType: 'CONDITIONAL', format: 'DATABASE', shareMethod: 'INTERFACE' },
];

function volume(provider: string, consumer: string, resource: string, outcome: VolumeRow['outcome'], calls: number, rows = 0, bytes = 0): VolumeRow {
  return { provider, consumer, resource, outcome, calls, rows, bytes };
}

function inputs(overrides: Partial<IndicatorInputs> = {}): IndicatorInputs {
  return {
    period: planIndicatorPeriod(new Date('2024-03-01T00:00:00+08:00'), new Date('2024-03-04T00:00:00+08:00'), 'DAY', 'Asia/Shanghai'),
    asOf: new Date('2024-03-04T00:00:00+08:00'),
    departments: [POLICE, HEALTH, OPERATOR],
    catalog: entries,
    volume: [
      volume(POLICE, HEALTH, '101001/000001', 'OK', 10, 120, 5000),
      volume(POLICE, HEALTH, '101001/000001', 'DENIED', 3),
      volume(POLICE, UPSTREAM_CONSUMER, '101002/000001', 'OK', 2, 4, 300),
      volume(HEALTH, POLICE, '202002/000002', 'ERROR', 1),
      // A split of the same group (roll-up part and raw part) adds up.
      volume(POLICE, HEALTH, '101001/000001', 'OK', 5, 30, 1000),
    ],
    series: [
      { bucket: 0, calls: 4, records: 50, denied: 1 },
      { bucket: 2, calls: 10, records: 80, denied: 2 },
      { bucket: 0, calls: 3, records: 24, denied: 0 },
    ],
    applications: { applied: 3, approved: 1, rejected: 1, withdrawn: 0, pending: 2, overdue: 1 },
    ...overrides,
  };
}

describe('Indicators: coefficient of variation (差异系数)', () => {
  it('is the population standard deviation over the mean', () => {
    const spread = spreadOf([2, 4, 4, 4, 5, 5, 7, 9]);
    assert.deepEqual(spread, { departments: 8, mean: 5, stdDev: 2, coefficient: 0.4 });
  });

  it('is 0 when every department has 0, and for a single department', () => {
    assert.deepEqual(spreadOf([0, 0, 0]), { departments: 3, mean: 0, stdDev: 0, coefficient: 0 });
    assert.deepEqual(spreadOf([7]), { departments: 1, mean: 7, stdDev: 0, coefficient: 0 });
    assert.deepEqual(spreadOf([]), { departments: 0, mean: 0, stdDev: 0, coefficient: 0 });
  });

  it('stays exact for large, nearly equal figures', () => {
    const spread = spreadOf([1e12 + 1, 1e12 + 2, 1e12 + 3]);
    assert.ok(Math.abs(spread.stdDev - Math.sqrt(2 / 3)) < 1e-6, `stdDev ${spread.stdDev}`);
  });

  it('grows when one department does all the exchanging', () => {
    assert.ok(spreadOf([100, 0, 0, 0]).coefficient > spreadOf([25, 25, 25, 25]).coefficient);
    assert.equal(spreadOf([100, 0, 0, 0]).coefficient, Math.sqrt(3));
  });
});

describe('Indicators: assembling the report', () => {
  it('counts the catalog by share type, provider, class (类+项) and format, with the shareable ratio', () => {
    const figures = catalogFigures(entries);
    assert.equal(figures.resources, 4);
    assert.deepEqual(figures.byShareType, [
      { value: 'CONDITIONAL', count: 2 },
      { value: 'NOT_SHARED', count: 1 },
      { value: 'UNCONDITIONAL', count: 1 },
    ]);
    assert.deepEqual(figures.byClassification, [
      { value: '101', count: 2 },
      { value: '202', count: 2 },
    ]);
    assert.deepEqual(figures.byFormat, [
      { value: 'DATABASE', count: 3 },
      { value: 'SPREADSHEET', count: 1 },
    ]);
    assert.equal(figures.shareableRatio, 0.75);
    assert.equal(catalogFigures([]).shareableRatio, 0, 'an empty catalog has ratio 0, not NaN');
  });

  it('adds up calls of every outcome, and records only of OK exchanges', () => {
    const report = assembleIndicatorReport(inputs());
    assert.deepEqual(report.volume, { calls: 21, okCalls: 17, deniedCalls: 3, errorCalls: 1, records: 154, bytes: 6300 });
    assert.deepEqual(report.interfaces, { published: 3, used: 2 });
  });

  it('lists every registered department on both sides, zeros included, and consumers met only in the ledger', () => {
    const report = assembleIndicatorReport(inputs());
    assert.deepEqual(
      report.providers.map((d) => [d.department, d.resources, d.publishedInterfaces, d.usedInterfaces, d.calls, d.records, d.denied]),
      [
        [HEALTH, 2, 1, 0, 1, 0, 0],
        [OPERATOR, 0, 0, 0, 0, 0, 0],
        [POLICE, 2, 2, 2, 20, 154, 3],
      ],
    );
    assert.deepEqual(
      report.consumers.map((d) => [d.department, d.usedInterfaces, d.calls, d.records, d.denied]),
      [
        [HEALTH, 1, 18, 150, 3],
        [OPERATOR, 0, 0, 0, 0],
        [POLICE, 0, 1, 0, 0],
        [UPSTREAM_CONSUMER, 1, 2, 4, 0],
      ],
    );
  });

  it('reports the variation of each figure on each side across those departments', () => {
    const report = assembleIndicatorReport(inputs());
    assert.equal(report.variation.length, 12);
    const calls = report.variation.find((v) => v.figure === 'calls' && v.side === 'provider')!;
    assert.deepEqual(calls, { figure: 'calls', side: 'provider', ...spreadOf([1, 0, 20]) });
    const consumerCalls = report.variation.find((v) => v.figure === 'calls' && v.side === 'consumer')!;
    assert.equal(consumerCalls.departments, 4);
    assert.equal(consumerCalls.mean, 21 / 4);
  });

  it('gives one series point per bucket, empty buckets as zeros, parts of a bucket added', () => {
    const report = assembleIndicatorReport(inputs());
    assert.deepEqual(report.series, [
      { at: '2024-02-29T16:00:00.000Z', calls: 7, records: 74, denied: 1 },
      { at: '2024-03-01T16:00:00.000Z', calls: 0, records: 0, denied: 0 },
      { at: '2024-03-02T16:00:00.000Z', calls: 10, records: 80, denied: 2 },
    ]);
    assert.equal(report.from, '2024-02-29T16:00:00.000Z');
    assert.equal(report.to, '2024-03-03T16:00:00.000Z');
    assert.equal(report.granularity, 'DAY');
  });
});
