/**
 * The one dataset every connector kind serves in the conformance suite: 80
 * rows of every filterable type (text with SQL and LIKE metacharacters, code
 * points beyond U+FFFF, int8 at ±(2^53 - 1), decimals beyond a double's
 * precision, dates, millisecond instants, booleans, NULLs), its resource
 * definition (only the binding differs between kinds), the PostgreSQL table
 * and the department API register that hold it, and an oracle that filters and
 * orders it as the contract says, written without the connectors' code.
 */
import type { Knex } from 'knex';
import type { ItemInput } from '../../../catalog/CatalogFile.js';
import type { ItemType, ResourceDefinition, ResourceSource } from '../../../catalog/model.js';
import type { Condition, OrderTerm } from '../../../connectors/Connector.js';
import { itemOf, resourceOf } from '../../policies/fixtures.js';
import type { ApiRegister } from '../../support/departmentApi.js';

/** The dataset's resource code and data field, the same for every kind. */
export const DATASET_CODE = '101001/000901';
export const DATASET_API_NAME = 'samples';

/** The schema and table (and the slow view) of the dataset in a PostgreSQL source. */
export const DATASET_SCHEMA = 'conf_src';
export const DATASET_TABLE = 'dataset';
export const SLOW_VIEW = 'slow_dataset';

/** Rows in the dataset. */
export const DATASET_SIZE = 80;

/** Items and their types; `code` is the key. */
const DATASET_TYPES: Readonly<Record<string, ItemType>> = Object.freeze({
  code: 'STRING',
  name: 'STRING',
  region: 'STRING',
  count: 'INTEGER',
  amount: 'DECIMAL',
  day: 'DATE',
  at: 'DATETIME',
  active: 'BOOLEAN',
});

/** Every item name, in declaration order. */
export const DATASET_ITEMS: readonly string[] = Object.keys(DATASET_TYPES);

/** The column of each item in the PostgreSQL table (unlike the item names, so the binding matters). */
export const DATASET_COLUMNS: Readonly<Record<string, string>> = Object.freeze({
  code: 'sample_code',
  name: 'full_name',
  region: 'region_name',
  count: 'item_count',
  amount: 'amount',
  day: 'on_day',
  at: 'seen_at',
  active: 'is_active',
});

/** Where each item sits in a row the department API serves. */
const DATASET_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  code: '/code',
  name: '/attributes/name',
  region: '/attributes/region',
  count: '/count',
  amount: '/amount',
  day: '/day',
  at: '/at',
  active: '/active',
});

/** Names that must reach every source as plain values, matched literally or not at all. */
export const TRICKY_NAMES: readonly string[] = [
  "' OR 1=1 --",
  `"; DROP TABLE ${DATASET_SCHEMA}.${DATASET_TABLE}; --`,
  "x') OR ('1'='1",
  '100%_sure\\',
  '100%',
  '100 percent',
  'abc_def',
  'abcXdef',
  'a%b',
  'aXb',
  '_under',
  'Xunder',
  '\\back',
  'Alpha',
  'alpha',
  'alpha',
  'Zeta',
  '张三',
  '张三丰',
  // Beyond U+FFFF: after U+FF01 by code point, before it by UTF-16 unit.
  '𠀀生僻',
  '！全角',
  '$1',
  '?',
  '${name}',
];

const REGIONS = ['东城区', '西城区', null, '朝阳区', 'B-1', 'a-1', null, '海淀区'];
const COUNTS = [0, 1, -1, null, 42, 9007199254740991, -9007199254740991, 7, 42, 100, null];
/** Exact decimals with two places (the column's scale), two beyond a double's precision. */
const AMOUNTS = ['1234.50', '0.10', '-3.00', null, '999999999999.99', '90071992547409931.01', '90071992547409931.02', '7.00', '0.00', '-0.50', '12.30', null, '1234.50'];
const DAYS = ['1990-01-01', '2000-02-29', '1969-12-31', null, '2024-12-31', '1985-06-15', '1900-03-01'];
const INSTANTS = [
  '2024-03-01T00:00:00.123Z',
  '2024-03-01T00:00:00.124Z',
  null,
  '1999-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00.000Z',
  '2024-02-29T16:00:00.000Z',
  '2024-03-01T00:00:00.123Z',
  '2038-01-19T03:14:07.999Z',
  '1969-07-20T20:17:40.000Z',
];
const ACTIVE = [true, false, null];

/** One row in wire form, keyed by item name. */
export type DatasetRow = Readonly<Record<string, unknown>>;

function cycle<T>(values: readonly T[], index: number): T {
  return values[index % values.length]!;
}

/** The dataset in wire form, in key order: what a consumer receives. */
export const DATASET: readonly DatasetRow[] = Object.freeze(
  Array.from({ length: DATASET_SIZE }, (_, i) =>
    Object.freeze({
      code: `K${String(i + 1).padStart(3, '0')}`,
      name: TRICKY_NAMES[i] ?? `样本${i + 1}`,
      region: cycle(REGIONS, i),
      count: cycle(COUNTS, i),
      amount: cycle(AMOUNTS, i),
      day: cycle(DAYS, i),
      at: cycle(INSTANTS, i),
      active: cycle(ACTIVE, i),
    }),
  ),
);

/** The rows in the order sources hold and serve them: unrelated to any order asked for. */
const HELD_ORDER: readonly DatasetRow[] = [...DATASET].sort((a, b) => scramble(a) - scramble(b));

function scramble(row: DatasetRow): number {
  return (Number(String(row.code).slice(1)) * 37) % 83;
}

/** The same items as a catalog file declares them (for a gateway that publishes the dataset). */
export function datasetItemInputs(): ItemInput[] {
  return DATASET_ITEMS.map((name) => ({
    name,
    label: `样本项 ${name}`,
    type: DATASET_TYPES[name]!,
    sensitivity: 'PUBLIC',
    filterable: true,
    key: name === 'code',
  }));
}

/**
 * The dataset resource read from `source`; every kind gets the same
 * definition but this: all items filterable and public, `code` the key, no masks.
 */
export function datasetResource(source: ResourceSource): ResourceDefinition {
  return resourceOf({
    code: DATASET_CODE,
    apiName: DATASET_API_NAME,
    name: '一致性测试样本',
    summary: '连接器一致性测试用样本数据',
    grade: 'GENERAL',
    items: DATASET_ITEMS.map((name) => itemOf(name, { type: DATASET_TYPES[name]!, sensitivity: 'PUBLIC', key: name === 'code' })),
    source,
  });
}

/** A PostgreSQL binding of the dataset table (or the slow view) in `schema`. */
export function postgresBinding(table: string = DATASET_TABLE, schema: string = DATASET_SCHEMA): Record<string, unknown> {
  return { schema, table, columns: { ...DATASET_COLUMNS } };
}

/**
 * Creates the dataset's schema in `knex`: the table (text columns COLLATE "C",
 * so strings order by code point as in every other source), its rows in the
 * held order, and a view that answers after a second of pg_sleep.
 */
export async function createDatasetTable(knex: Knex): Promise<void> {
  await knex.raw('create schema ??', [DATASET_SCHEMA]);
  await knex.raw(`
    create table ${DATASET_SCHEMA}.${DATASET_TABLE} (
      sample_code text collate "C" primary key,
      full_name text collate "C" not null,
      region_name text collate "C",
      item_count int8,
      amount numeric(20,2),
      on_day date,
      seen_at timestamptz,
      is_active boolean
    )`);
  await knex.withSchema(DATASET_SCHEMA).table(DATASET_TABLE).insert(
    HELD_ORDER.map((row) =>
      Object.fromEntries(DATASET_ITEMS.map((item) => [DATASET_COLUMNS[item]!, row[item]])),
    ),
  );
  await knex.raw(`create view ${DATASET_SCHEMA}.${SLOW_VIEW} as select d.* from ${DATASET_SCHEMA}.${DATASET_TABLE} d, pg_sleep(1)`);
}

/** One record as the department API serves it: nested attributes, instants at +08:00, decimals as JSON strings. */
export interface ServedSample {
  readonly code: string;
  readonly attributes: { readonly name: string; readonly region: string | null };
  readonly count: number | null;
  readonly amount: string | null;
  readonly day: string | null;
  readonly at: string | null;
  readonly active: boolean | null;
}

function servedSample(row: DatasetRow): ServedSample {
  return {
    code: row.code as string,
    attributes: { name: row.name as string, region: row.region as string | null },
    count: row.count as number | null,
    amount: row.amount as string | null,
    day: row.day as string | null,
    at: row.at === null ? null : atOffset(row.at as string, 8),
    active: row.active as boolean | null,
  };
}

/** An ISO instant written at a +hh:00 offset, as a department in China might send it. */
function atOffset(iso: string, hours: number): string {
  const local = new Date(Date.parse(iso) + hours * 3_600_000).toISOString().slice(0, -1);
  return `${local}+${String(hours).padStart(2, '0')}:00`;
}

/**
 * The dataset as a department API serves it: list at /samples (filters
 * region, regions, name_prefix, count_gt, count_lte, day_before; offset
 * paging), by codes at /samples/by-codes?codes=.
 */
export const DATASET_REGISTER: ApiRegister<ServedSample> = Object.freeze({
  listPath: '/samples',
  byKeysPath: '/samples/by-codes',
  byKeysParam: 'codes',
  served: HELD_ORDER.map(servedSample),
  keyOf: (record: ServedSample) => record.code,
  filters: {
    region: (r: ServedSample, v: string) => r.attributes.region === v,
    regions: (r: ServedSample, v: string) => r.attributes.region !== null && v.split(',').includes(r.attributes.region),
    name_prefix: (r: ServedSample, v: string) => r.attributes.name.startsWith(v),
    count_gt: (r: ServedSample, v: string) => r.count !== null && r.count > Number(v),
    count_lte: (r: ServedSample, v: string) => r.count !== null && r.count <= Number(v),
    day_before: (r: ServedSample, v: string) => r.day !== null && r.day < v,
  },
  wrongTypeField: 'code',
});

/** The HTTP binding of the dataset to DATASET_REGISTER: some filters pushed down, the rest applied by the gateway. */
export const HTTP_BINDING: Readonly<Record<string, unknown>> = Object.freeze({
  list: { path: '/samples' },
  byKeys: { path: '/samples/by-codes', param: 'codes', item: 'code' },
  filters: {
    region: { eq: 'region', in: { param: 'regions' } },
    name: { prefix: 'name_prefix' },
    count: { gt: 'count_gt', lte: 'count_lte' },
    day: { lt: 'day_before' },
  },
  paging: { kind: 'offset', limitParam: 'limit', offsetParam: 'offset', pageSize: 16 },
  rows: '/data/items',
  fields: { ...DATASET_FIELDS },
});

// The oracle: what the contract says a request returns, computed from DATASET.

/** Orders two non-null values of `type` as the contract does: code points, exact decimals, instants. */
function compare(a: unknown, b: unknown, type: ItemType): number {
  switch (type) {
    case 'STRING':
    case 'TEXT': {
      const x = Array.from(String(a), (c) => c.codePointAt(0)!);
      const y = Array.from(String(b), (c) => c.codePointAt(0)!);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return x.length - y.length;
    }
    case 'DECIMAL':
    case 'MONEY': {
      const d = hundredths(String(a)) - hundredths(String(b));
      return d === 0n ? 0 : d < 0n ? -1 : 1;
    }
    case 'DATETIME':
      return Date.parse(String(a)) - Date.parse(String(b));
    case 'DATE':
      return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
    default:
      // INTEGER and FLOAT as numbers; BOOLEAN false before true.
      return Number(a) - Number(b);
  }
}

/** A decimal text of at most two places in hundredths, exactly. */
function hundredths(text: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) throw new TypeError(`the oracle compares decimals of at most two places, not ${text}`);
  const value = BigInt(`${match[2]}${(match[3] ?? '').padEnd(2, '0')}`);
  return match[1] ? -value : value;
}

/** True when `row` meets every condition; a NULL meets none. */
function meetsAll(row: DatasetRow, conditions: readonly Condition[]): boolean {
  return conditions.every((condition) => {
    const value = row[condition.item] ?? null;
    if (value === null) return false;
    const type = DATASET_TYPES[condition.item]!;
    const order = (other: unknown): number => compare(value, other, type);
    switch (condition.op) {
      case 'eq':
        return order(condition.value) === 0;
      case 'in':
        return (condition.value as readonly unknown[]).some((other) => order(other) === 0);
      case 'prefix':
        return String(value).startsWith(String(condition.value));
      case 'gt':
        return order(condition.value) > 0;
      case 'gte':
        return order(condition.value) >= 0;
      case 'lt':
        return order(condition.value) < 0;
      case 'lte':
        return order(condition.value) <= 0;
    }
  });
}

/** `rows` in `order`, items typed by `types`: NULLs last ascending, first descending. */
export function sortedBy(
  rows: readonly DatasetRow[],
  order: readonly OrderTerm[],
  types: Readonly<Record<string, ItemType>> = DATASET_TYPES,
): DatasetRow[] {
  return [...rows].sort((a, b) => {
    for (const term of order) {
      const x = a[term.item] ?? null;
      const y = b[term.item] ?? null;
      if (x === null && y === null) continue;
      const ascending = x === null ? 1 : y === null ? -1 : compare(x, y, types[term.item]!);
      if (ascending !== 0) return term.direction === 'ASC' ? ascending : -ascending;
    }
    return 0;
  });
}

/** The rows a request with `conditions` returns in `order`, with `items` only. */
export function expectedRows(conditions: readonly Condition[], order: readonly OrderTerm[], items: readonly string[]): DatasetRow[] {
  return sortedBy(DATASET.filter((row) => meetsAll(row, conditions)), order).map((row) =>
    Object.fromEntries(items.map((item) => [item, row[item] ?? null])),
  );
}
