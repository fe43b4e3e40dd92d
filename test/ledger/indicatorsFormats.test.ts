import assert from 'node:assert/strict';
import type { Department } from '../../catalog/model.js';
import { planIndicatorPeriod } from '../../ledger/indicatorPeriod.js';
import { assembleIndicatorReport, type IndicatorReport } from '../../ledger/indicatorReport.js';
import { formatIndicatorReport } from '../../ledger/indicatorReportFormats.js';

const POLICE = '11330100002481178X';
const COMMA = '11330100002482744W';

const departments = new Map<string, Department>([
  [POLICE, { code: POLICE, name: '杭州市公安局', regionCode: '330100', level: 'MUNICIPAL', parent: null }],
  [COMMA, { code: COMMA, name: '数据局, "试点" | 专班', regionCode: '330100', level: 'MUNICIPAL', parent: null }],
]);

const report: IndicatorReport = assembleIndicatorReport({
  period: planIndicatorPeriod(new Date('2024-01-01T00:00:00+08:00'), new Date('2024-03-01T00:00:00+08:00'), 'MONTH', 'Asia/Shanghai'),
  asOf: new Date('2024-03-01T00:00:00+08:00'),
  departments: [POLICE, COMMA],
  catalog: [
    { code: '101001/000001', provider: POLICE, classification: '101001', shareType: 'CONDITIONAL', format: 'DATABASE', shareMethod: 'INTERFACE' },
    { code: '301001/000001', provider: COMMA, classification: '301001', shareType: 'NOT_SHARED', format: 'SPREADSHEET', shareMethod: 'FILE' },
  ],
  volume: [
    { provider: POLICE, consumer: COMMA, resource: '101001/000001', outcome: 'OK', calls: 12, rows: 340, bytes: 9000 },
    { provider: POLICE, consumer: COMMA, resource: '101001/000001', outcome: 'DENIED', calls: 2, rows: 0, bytes: 0 },
  ],
  series: [
    { bucket: 0, calls: 5, records: 100, denied: 1 },
    { bucket: 1, calls: 9, records: 240, denied: 1 },
  ],
  applications: { applied: 4, approved: 2, rejected: 1, withdrawn: 0, pending: 1, overdue: 1 },
});

/** CSV sections by name: `# name`, a header line, rows; sections apart by a blank line. */
function csvSections(text: string): Map<string, string[][]> {
  const sections = new Map<string, string[][]>();
  for (const block of text.trim().split('\n\n')) {
    const [title, ...lines] = block.split('\n');
    assert.match(title!, /^# /);
    sections.set(title!.slice(2), lines.map(parseCsvLine));
  }
  return sections;
}

function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"';
      i += 1;
    } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

describe('Indicators: the report as JSON, CSV and Markdown', () => {
  it('JSON has the figures of the report and each department with its name', () => {
    const parsed = JSON.parse(formatIndicatorReport(report, 'json', departments)) as {
      volume: unknown;
      providers: { department: { code: string; name: string }; calls: number }[];
      series: unknown;
    };
    assert.deepEqual(parsed.volume, report.volume);
    assert.deepEqual(parsed.series, report.series);
    assert.deepEqual(parsed.providers.map((p) => [p.department.code, p.department.name, p.calls]), [
      [POLICE, '杭州市公安局', 14],
      [COMMA, '数据局, "试点" | 专班', 0],
    ]);
  });

  it('CSV has one section per table, each row as wide as its header, names quoted where needed', () => {
    const sections = csvSections(formatIndicatorReport(report, 'csv', departments));
    assert.deepEqual(
      [...sections.keys()],
      ['summary', 'catalog.byShareType', 'catalog.byProvider', 'catalog.byClassification', 'catalog.byFormat', 'providers', 'consumers', 'series', 'variation'],
    );
    for (const [name, [header, ...rows]] of sections) {
      for (const row of rows) assert.equal(row.length, header!.length, `a row of ${name}`);
    }
    const summary = new Map(sections.get('summary')!.slice(1).map(([figure, , value]) => [figure, value]));
    assert.equal(summary.get('volume.records'), '340');
    assert.equal(summary.get('volume.calls'), '14');
    assert.equal(summary.get('applications.overdue'), '1');
    const consumers = sections.get('consumers')!;
    assert.deepEqual(consumers.find((row) => row[0] === COMMA)!.slice(1, 3), ['数据局, "试点" | 专班', '1']);
    assert.deepEqual(sections.get('series')!.slice(1).map((row) => row[1]), ['2024-01', '2024-02']);
    assert.equal(sections.get('variation')!.length, 1 + 12);
  });

  it('Markdown has Chinese headings, one table row per department, and pipes in names escaped', () => {
    const text = formatIndicatorReport(report, 'md', departments);
    assert.match(text, /^# 信息资源指标报告/);
    assert.match(text, /统计期间：2024-01-01 00:00:00\.000 至 2024-03-01 00:00:00\.000（Asia\/Shanghai/);
    for (const heading of ['## 总体指标', '## 按共享类型', '## 提供方部门', '## 使用方部门', '## 趋势（按月，Asia/Shanghai）', '## 差异系数']) {
      assert.ok(text.includes(heading), heading);
    }
    assert.match(text, /\| 交换量（条次） \| 340 \|/);
    assert.match(text, /\| 101 \| 基础信息资源\/人口 \| 1 \|/);
    assert.match(text, /数据局, "试点" \\\| 专班/);
    const providerRows = text.split('## 提供方部门')[1]!.split('## ')[0]!.split('\n').filter((line) => line.startsWith(`| ${POLICE}`) || line.startsWith(`| ${COMMA}`));
    assert.equal(providerRows.length, 2);
  });
});
