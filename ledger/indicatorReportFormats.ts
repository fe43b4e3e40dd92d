/**
 * The indicator report as text for `meridian report`: JSON (the GraphQL
 * shape, departments with their names), CSV (one section per table) or
 * Markdown (tables with Chinese headings).
 */
import { DateTime } from 'luxon';
import { CLASSIFICATION_CLASSES } from '../catalog/classification.js';
import type { Department, ResourceFormat, ShareType } from '../catalog/model.js';
import type { FacetCount } from '../catalog/searchCatalog.js';
import { bucketLabel } from './indicatorPeriod.js';
import type { DepartmentFigure, DepartmentFigures, IndicatorReport, Side } from './indicatorReport.js';

export type ReportFormat = 'json' | 'csv' | 'md';

/** The formats `meridian report --format` accepts. */
export const REPORT_FORMATS: readonly ReportFormat[] = Object.freeze(['json', 'csv', 'md']);

/** A table: a name, column headings and rows of plain values. */
interface Table {
  readonly name: string;
  readonly title: string;
  readonly columns: readonly string[];
  readonly headings: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

const SHARE_TYPE_NAMES: Readonly<Record<ShareType, string>> = { UNCONDITIONAL: '无条件共享', CONDITIONAL: '有条件共享', NOT_SHARED: '不予共享' };
const FORMAT_NAMES: Readonly<Record<ResourceFormat, string>> = {
  ELECTRONIC_FILE: '电子文件',
  SPREADSHEET: '电子表格',
  DATABASE: '数据库',
  IMAGE: '图形图像',
  STREAMING_MEDIA: '流媒体',
  SELF_DESCRIBING: '自描述格式',
  SERVICE_INTERFACE: '服务接口',
};
const FIGURE_NAMES: Readonly<Record<DepartmentFigure, string>> = {
  calls: '调用次数',
  records: '交换量（条次）',
  publishedInterfaces: '发布接口数',
  usedInterfaces: '使用接口数',
  resources: '资源数',
  denied: '拒绝次数',
};
const SIDE_NAMES: Readonly<Record<Side, string>> = { provider: '提供方', consumer: '使用方' };
const DEPARTMENT_COLUMNS = ['department', 'name', 'resources', 'publishedInterfaces', 'usedInterfaces', 'calls', 'records', 'denied'] as const;
const DEPARTMENT_HEADINGS = ['部门代码', '部门', '资源数', '发布接口数', '使用接口数', '调用次数', '交换量（条次）', '拒绝次数'];

/** The report as text in `format`; department names come from `departments` (a code stands in for an unknown one). */
export function formatIndicatorReport(report: IndicatorReport, format: ReportFormat, departments: ReadonlyMap<string, Department>): string {
  const nameOf = (code: string): string => departments.get(code)?.name ?? code;
  if (format === 'json') {
    const withNames = (list: readonly DepartmentFigures[]) => list.map((d) => ({ ...d, department: { code: d.department, name: nameOf(d.department) } }));
    return `${JSON.stringify({ ...report, providers: withNames(report.providers), consumers: withNames(report.consumers) }, null, 2)}\n`;
  }
  const tables = reportTables(report, nameOf);
  return format === 'csv' ? tables.map(csvSection).join('\n') : markdown(report, tables);
}

function reportTables(report: IndicatorReport, nameOf: (code: string) => string): Table[] {
  const facetTable = (name: string, title: string, heading: string, facets: readonly FacetCount[], label: (value: string) => string): Table => ({
    name,
    title,
    columns: ['value', 'label', 'resources'],
    headings: [heading, '名称', '资源数'],
    rows: facets.map((f) => [f.value, label(f.value), f.count]),
  });
  const departmentTable = (side: Side, list: readonly DepartmentFigures[]): Table => ({
    name: `${side}s`,
    title: `${SIDE_NAMES[side]}部门`,
    columns: DEPARTMENT_COLUMNS,
    headings: DEPARTMENT_HEADINGS,
    rows: list.map((d) => [d.department, nameOf(d.department), d.resources, d.publishedInterfaces, d.usedInterfaces, d.calls, d.records, d.denied]),
  });
  const { catalog, interfaces, volume, applications } = report;
  return [
    {
      name: 'summary',
      title: '总体指标',
      columns: ['figure', 'label', 'value'],
      headings: ['指标', '名称', '数值'],
      rows: [
        ['catalog.resources', '目录资源数', catalog.resources],
        ['catalog.shareableRatio', '可共享资源比例', catalog.shareableRatio],
        ['interfaces.published', '发布接口数', interfaces.published],
        ['interfaces.used', '使用接口数', interfaces.used],
        ['volume.calls', '调用次数', volume.calls],
        ['volume.okCalls', '成功次数', volume.okCalls],
        ['volume.deniedCalls', '拒绝次数', volume.deniedCalls],
        ['volume.errorCalls', '出错次数', volume.errorCalls],
        ['volume.records', '交换量（条次）', volume.records],
        ['volume.bytes', '交换字节数', volume.bytes],
        ['applications.applied', '共享申请数', applications.applied],
        ['applications.approved', '批准数', applications.approved],
        ['applications.rejected', '驳回数', applications.rejected],
        ['applications.withdrawn', '撤回数', applications.withdrawn],
        ['applications.pending', '待答复数', applications.pending],
        ['applications.overdue', '逾期未答复数', applications.overdue],
      ],
    },
    facetTable('catalog.byShareType', '按共享类型', '共享类型', catalog.byShareType, (v) => SHARE_TYPE_NAMES[v as ShareType] ?? v),
    facetTable('catalog.byProvider', '按提供方', '部门代码', catalog.byProvider, nameOf),
    facetTable('catalog.byClassification', '按分类（类+项）', '分类码', catalog.byClassification, classLabel),
    facetTable('catalog.byFormat', '按资源格式', '格式', catalog.byFormat, (v) => FORMAT_NAMES[v as ResourceFormat] ?? v),
    departmentTable('provider', report.providers),
    departmentTable('consumer', report.consumers),
    {
      name: 'series',
      title: `趋势（${report.granularity === 'HOUR' ? '按小时' : report.granularity === 'DAY' ? '按日' : '按月'}，${report.timeZone}）`,
      columns: ['at', 'label', 'calls', 'records', 'denied'],
      headings: ['起始时刻', '时段', '调用次数', '交换量（条次）', '拒绝次数'],
      rows: report.series.map((p) => [p.at, bucketLabel(Date.parse(p.at), report.granularity, report.timeZone), p.calls, p.records, p.denied]),
    },
    {
      name: 'variation',
      title: '差异系数',
      columns: ['figure', 'side', 'label', 'departments', 'mean', 'stdDev', 'coefficient'],
      headings: ['指标', '方', '名称', '部门数', '均值', '标准差', '差异系数'],
      rows: report.variation.map((v) => [
        v.figure,
        v.side,
        `${SIDE_NAMES[v.side]}${FIGURE_NAMES[v.figure]}`,
        v.departments,
        v.mean,
        v.stdDev,
        v.coefficient,
      ]),
    },
  ];
}

/** 类 and 项 names of a three-digit class code: `101` -> 基础信息资源/人口. */
function classLabel(code: string): string {
  const cls = CLASSIFICATION_CLASSES[code[0] as '1' | '2' | '3'];
  if (!cls) return code;
  const item = code.slice(1, 3);
  return `${cls.name}/${cls.items?.[item] ?? item}`;
}

function csvSection(table: Table): string {
  const lines = [`# ${table.name}`, table.columns.join(','), ...table.rows.map((row) => row.map(csvValue).join(','))];
  return `${lines.join('\n')}\n`;
}

function csvValue(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function markdown(report: IndicatorReport, tables: readonly Table[]): string {
  const local = (iso: string): string => DateTime.fromISO(iso, { zone: report.timeZone }).toFormat('yyyy-MM-dd HH:mm:ss.SSS');
  const head = [
    '# 信息资源指标报告',
    '',
    `- 统计期间：${local(report.from)} 至 ${local(report.to)}（${report.timeZone}，含起始时刻，不含结束时刻）`,
    `- 目录与待答复申请截至：${local(report.asOf)}`,
    '',
  ];
  const sections = tables.map((table) =>
    [
      `## ${table.title}`,
      '',
      table.rows.length === 0
        ? '（无）'
        : [
            `| ${table.headings.join(' | ')} |`,
            `|${table.headings.map(() => '---').join('|')}|`,
            ...table.rows.map((row) => `| ${row.map(markdownValue).join(' | ')} |`),
          ].join('\n'),
      '',
    ].join('\n'),
  );
  return [...head, ...sections].join('\n');
}

function markdownValue(value: string | number): string {
  // Four significant digits keep a small coefficient readable instead of rounding it to 0.0000.
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(4);
  return value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
