/**
 * Scenarios of the no-leak property: a generated resource (a key item and
 * string, integer, date and decimal items with sensitivities, masks, share
 * types), its source rows, a consumer's application with the provider's
 * decision, and the consumer's queries, as fast-check arbitraries.
 */
import fc from 'fast-check';
import type { MaskRule, Sensitivity, ShareType } from '../../catalog/model.js';

export type ScenarioItemType = 'STRING' | 'INTEGER' | 'DATE' | 'DECIMAL';
export type FilterOp = 'eq' | 'in' | 'prefix' | 'gt' | 'gte' | 'lt' | 'lte';
/** One item's filter, as the data plane's `where` and a grant's row scope write it. */
export type Filter = Partial<Record<FilterOp, unknown>>;
export type Where = Record<string, Filter>;
/** A source value in wire form: STRING text, INTEGER number, DATE `YYYY-MM-DD`, DECIMAL `-?d+.dd`; null for NULL. */
export type SourceValue = string | number | null;
/** One source row, by item name. */
export type SourceRow = Record<string, SourceValue>;

export interface ScenarioItem {
  readonly name: string;
  readonly column: string;
  readonly type: ScenarioItemType;
  readonly key: boolean;
  readonly filterable: boolean;
  readonly sensitivity: Sensitivity;
  /** Explicit mask; null leaves the default of the sensitivity. */
  readonly mask: MaskRule | null;
  /** Explicit item share type; null inherits the resource's. */
  readonly shareType: ShareType | null;
}

export interface ScenarioResource {
  readonly shareType: 'CONDITIONAL' | 'UNCONDITIONAL';
  readonly items: readonly ScenarioItem[];
}

export interface ScenarioApplication {
  readonly applied: readonly string[];
  readonly decision: 'APPROVE' | 'REJECT';
  /** Items approved when narrowed; null approves what was applied for. */
  readonly items: readonly string[] | null;
  readonly rowScope: Where | null;
  readonly clearItems: readonly string[];
  readonly maxRowsPerDay: number | null;
  readonly maxCallsPerMinute: number | null;
}

export interface ScenarioOrderTerm {
  readonly field: string;
  readonly direction: 'ASC' | 'DESC';
}

export interface ScenarioQuery {
  readonly select: readonly string[];
  /** How the selection is written: plain fields, aliased fields, or through a named fragment. */
  readonly style: 'plain' | 'alias' | 'fragment';
  /** Items written once more, under their own alias, with @skip(if: true): never used, never returned. */
  readonly skipped: readonly string[];
  readonly where: Where | null;
  readonly orderBy: readonly ScenarioOrderTerm[];
  readonly first: number;
  /** Pages to read at most (fewer when the rows run out). */
  readonly maxPages: number;
}

export interface Scenario {
  readonly resource: ScenarioResource;
  readonly rows: readonly SourceRow[];
  /** The consumer's application; null when it never applied. */
  readonly application: ScenarioApplication | null;
  readonly queries: readonly ScenarioQuery[];
  /** The provider revokes the grant after this many queries; null when it never does. */
  readonly revokeAfter: number | null;
}

/** An item's share type: its own, else the resource's (DESIGN.md, "Item share type defaults to the resource's"). */
export function itemShareType(resource: ScenarioResource, item: ScenarioItem): ShareType {
  return item.shareType ?? resource.shareType;
}

/** An item's mask: its own, else REDACT for PERSONAL and SENSITIVE_PERSONAL items and NONE for others (DESIGN.md). */
export function itemMask(item: ScenarioItem): MaskRule {
  if (item.mask) return item.mask;
  return item.sensitivity === 'PERSONAL' || item.sensitivity === 'SENSITIVE_PERSONAL' ? { kind: 'REDACT' } : { kind: 'NONE' };
}

/**
 * Strings a GENERALIZE mask is applied to, each with what it must become: an
 * address cut after its county-level unit (区, 县, 旗, a 市 below a 市), else
 * after its first 市, and null for text that is no address.
 */
export const GENERALIZED_STRINGS: ReadonlyMap<string, string | null> = new Map([
  ['浙江省杭州市西湖区文三路90号', '浙江省杭州市西湖区'],
  ['杭州市上城区', '杭州市上城区'],
  ['北京市', '北京市'],
  ['北京市朝阳区建国路1号', '北京市朝阳区'],
  ['新疆维吾尔自治区乌鲁木齐市天山区解放北路', '新疆维吾尔自治区乌鲁木齐市天山区'],
  ['内蒙古自治区阿拉善盟阿拉善左旗巴彦浩特镇', '内蒙古自治区阿拉善盟阿拉善左旗'],
  ['济南市市中区经十路', '济南市市中区'],
  ['浙江省嘉兴市海宁市硖石街道', '浙江省嘉兴市海宁市'],
  ['浙江省淳安县千岛湖镇', '浙江省淳安县'],
  ['香港特别行政区中西区', '香港特别行政区中西区'],
  ['大兴安岭地区漠河市北极村', '大兴安岭地区漠河市'],
  ['张三', null],
  ["' OR 1=1 --", null],
  ['', null],
  ['某某路88号', null],
  ['50%_off', null],
]);

/** Text that tends to break things: Chinese names, SQL and LIKE metacharacters, astral characters, blanks. */
const STRING_SAMPLES: readonly string[] = [
  '张三',
  '欧阳修远',
  '李',
  '',
  "' OR 1=1 --",
  "'; DROP TABLE grants; --",
  "Robert'); DROP TABLE students;--",
  '50%_off',
  'a\\b',
  '%',
  '_',
  '𠀀𠀁字',
  'ABC',
  'abc',
  '330106',
  '3301',
  ' 前后空格 ',
  'tab\there',
  'line\nbreak',
  '"quoted"',
  '$1',
  '?',
  '??',
  ':name',
  ...GENERALIZED_STRINGS.keys(),
];
const FREE_CHARACTERS = Array.from("abAB01%_\\'\";-? 张王李市区县路号𠀀");
const INTEGER_SAMPLES = [0, 1, -1, 7, 42, -42, 2147483648, 9007199254740991, -9007199254740991];
const DATE_SAMPLES = ['1970-01-01', '1999-12-31', '2000-02-29', '2024-06-15', '1949-10-01', '2038-01-19', '0999-05-05', '9999-12-31'];
const CENT_SAMPLES = [0, 1, -1, 50, -50, 1050, 123456789, -99999999999];

/** A decimal in wire form from cents, as numeric(14, 2) prints it. */
function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Values of one item's type; GENERALIZE-masked strings only from GENERALIZED_STRINGS, so their result is known. */
function valueArbitrary(item: ScenarioItem): fc.Arbitrary<string | number> {
  switch (item.type) {
    case 'STRING':
      if (itemMask(item).kind === 'GENERALIZE') return fc.constantFrom(...GENERALIZED_STRINGS.keys());
      return fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...STRING_SAMPLES) },
        { weight: 1, arbitrary: fc.array(fc.constantFrom(...FREE_CHARACTERS), { maxLength: 6 }).map((chars) => chars.join('')) },
      );
    case 'INTEGER':
      return fc.oneof(fc.constantFrom(...INTEGER_SAMPLES), fc.integer({ min: -50, max: 50 }));
    case 'DATE':
      return fc.oneof(
        fc.constantFrom(...DATE_SAMPLES),
        fc
          .record({ y: fc.integer({ min: 1900, max: 2099 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) })
          .map(({ y, m, d }) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`),
      );
    case 'DECIMAL':
      return fc.oneof(fc.constantFrom(...CENT_SAMPLES), fc.integer({ min: -100000, max: 100000 })).map(formatCents);
  }
}

function maskArbitrary(type: ScenarioItemType): fc.Arbitrary<MaskRule | null> {
  const any: fc.Arbitrary<MaskRule | null>[] = [fc.constant(null), fc.constant({ kind: 'NONE' }), fc.constant({ kind: 'REDACT' })];
  switch (type) {
    case 'STRING':
      return fc.oneof(
        ...any,
        fc.record({ kind: fc.constant('PARTIAL' as const), keepStart: fc.integer({ min: 0, max: 4 }), keepEnd: fc.integer({ min: 0, max: 4 }) }),
        fc.constant({ kind: 'NAME' }),
        fc.constant({ kind: 'HASH' }),
        fc.constant({ kind: 'GENERALIZE' }),
      );
    case 'DATE':
      return fc.oneof(...any, fc.constant({ kind: 'GENERALIZE' }));
    default:
      return fc.oneof(...any);
  }
}

function itemArbitrary(type: ScenarioItemType, index: number, resourceShareType: ScenarioResource['shareType']): fc.Arbitrary<ScenarioItem> {
  const key = index === 0;
  // An item may be stricter than its resource, never looser; a key item is always shared.
  const shareTypes: (ShareType | null)[] =
    resourceShareType === 'CONDITIONAL' ? [null, 'CONDITIONAL'] : [null, 'UNCONDITIONAL', 'CONDITIONAL', 'CONDITIONAL'];
  const shareType = key
    ? fc.constantFrom(...shareTypes)
    : fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...shareTypes) }, { weight: 1, arbitrary: fc.constant<ShareType>('NOT_SHARED') });
  return fc.record({
    name: fc.constant(key ? 'recordKey' : `item${index}`),
    column: fc.constant(key ? 'record_key' : `c_${index}`),
    type: fc.constant(type),
    key: fc.constant(key),
    filterable: fc.boolean(),
    sensitivity: fc.constantFrom<Sensitivity>('PUBLIC', 'INTERNAL', 'PERSONAL', 'SENSITIVE_PERSONAL'),
    mask: maskArbitrary(type),
    shareType,
  });
}

/** A CONDITIONAL resource, or an UNCONDITIONAL one with at least one CONDITIONAL item; 3-7 items, the first the key. */
const resourceArbitrary: fc.Arbitrary<ScenarioResource> = fc
  .record({
    shareType: fc.constantFrom<ScenarioResource['shareType']>('CONDITIONAL', 'UNCONDITIONAL'),
    keyType: fc.constantFrom<ScenarioItemType>('STRING', 'STRING', 'INTEGER'),
    others: fc.array(fc.constantFrom<ScenarioItemType>('STRING', 'INTEGER', 'DATE', 'DECIMAL'), { minLength: 2, maxLength: 6 }),
  })
  .chain(({ shareType, keyType, others }) =>
    fc.tuple(...[keyType, ...others].map((type, index) => itemArbitrary(type, index, shareType))).map((items): ScenarioResource => {
      const resource = { shareType, items };
      if (shareType === 'CONDITIONAL' || items.some((item) => itemShareType(resource, item) === 'CONDITIONAL')) return resource;
      const last = items.length - 1;
      return { shareType, items: items.map((item, index) => (index === last ? { ...item, shareType: 'CONDITIONAL' } : item)) };
    }),
  );

/** Up to 12 rows with distinct keys; other items NULL now and then. */
function rowsArbitrary(resource: ScenarioResource): fc.Arbitrary<SourceRow[]> {
  const [key, ...rest] = resource.items;
  return fc
    .integer({ min: 0, max: 12 })
    .chain((count) => fc.uniqueArray(valueArbitrary(key!), { minLength: count, maxLength: count }))
    .chain((keys) =>
      fc.tuple(
        ...keys.map((keyValue) =>
          fc
            .tuple(...rest.map((item) => fc.option(valueArbitrary(item), { nil: null, freq: 4 })))
            .map((values): SourceRow => Object.fromEntries([[key!.name, keyValue], ...rest.map((item, i) => [item.name, values[i]!])])),
        ),
      ),
    );
}

/** A decimal text without trailing zeros in its fraction: 12.50 becomes 12.5, 12.00 becomes 12. */
function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function operatorsOf(type: ScenarioItemType): FilterOp[] {
  return type === 'STRING' ? ['eq', 'in', 'prefix'] : ['eq', 'in', 'gt', 'gte', 'lt', 'lte'];
}

/** A filter on one item: values mostly taken from the rows, so that filters match something. */
function filterArbitrary(item: ScenarioItem, rows: readonly SourceRow[]): fc.Arbitrary<Filter> {
  const present = rows.map((row) => row[item.name]).filter((value): value is string | number => value !== null && value !== undefined);
  const sample = present.length > 0 ? fc.oneof(fc.constantFrom(...present), valueArbitrary(item)) : valueArbitrary(item);
  // A consumer may write 12.5 or 12 for the 12.50 a column holds.
  const value = item.type === 'DECIMAL' ? fc.tuple(sample, fc.boolean()).map(([decimal, trim]) => (trim ? trimDecimal(String(decimal)) : decimal)) : sample;
  const operand = (op: FilterOp): fc.Arbitrary<unknown> => {
    if (op === 'in') return fc.array(value, { maxLength: 3 });
    if (op === 'prefix') {
      return value.chain((whole) => {
        const points = Array.from(String(whole));
        return fc.integer({ min: 0, max: points.length }).map((n) => points.slice(0, n).join(''));
      });
    }
    return value;
  };
  return fc
    .uniqueArray(fc.constantFrom(...operatorsOf(item.type)), { minLength: 1, maxLength: 2 })
    .chain((ops) => fc.tuple(...ops.map(operand)).map((operands): Filter => Object.fromEntries(ops.map((op, i) => [op, operands[i]]))));
}

function whereArbitrary(items: readonly ScenarioItem[], rows: readonly SourceRow[], maxItems: number): fc.Arbitrary<Where> {
  return fc
    .subarray([...items], { minLength: 1, maxLength: Math.min(maxItems, items.length) })
    .chain((chosen) => fc.tuple(...chosen.map((item) => filterArbitrary(item, rows))).map((filters): Where => Object.fromEntries(chosen.map((item, i) => [item.name, filters[i]!]))));
}

function applicationArbitrary(resource: ScenarioResource, rows: readonly SourceRow[]): fc.Arbitrary<ScenarioApplication> {
  const shared = resource.items.filter((item) => itemShareType(resource, item) !== 'NOT_SHARED').map((item) => item.name);
  const conditional = resource.items.filter((item) => itemShareType(resource, item) === 'CONDITIONAL').map((item) => item.name);
  const filterable = resource.items.filter((item) => item.filterable);
  // An application must ask for at least one item that needs a grant.
  const applied =
    resource.shareType === 'CONDITIONAL'
      ? fc.subarray(shared, { minLength: 1 })
      : fc.tuple(fc.constantFrom(...conditional), fc.subarray(shared)).map(([needed, more]) => shared.filter((name) => name === needed || more.includes(name)));
  return applied.chain((appliedItems) =>
    fc
      .record({
        decision: fc.oneof({ weight: 6, arbitrary: fc.constant<'APPROVE'>('APPROVE') }, { weight: 1, arbitrary: fc.constant<'REJECT'>('REJECT') }),
        items: fc.option(fc.subarray(appliedItems, { minLength: 1 }), { nil: null }),
        rowScope: filterable.length > 0 ? fc.option(whereArbitrary(filterable, rows, 1), { nil: null, freq: 2 }) : fc.constant(null),
        maxRowsPerDay: fc.option(fc.constant(100_000), { nil: null }),
        maxCallsPerMinute: fc.option(fc.constant(10_000), { nil: null }),
      })
      .chain((decided) =>
        fc.subarray([...(decided.items ?? appliedItems)]).map(
          (clearItems): ScenarioApplication =>
            decided.decision === 'REJECT'
              ? { applied: appliedItems, decision: 'REJECT', items: null, rowScope: null, clearItems: [], maxRowsPerDay: null, maxCallsPerMinute: null }
              : { applied: appliedItems, ...decided, clearItems },
        ),
      ),
  );
}

/**
 * Items a consumer can expect to read, and to read in clear: the generator
 * leans on them so that most exchanges are served; the oracle decides.
 */
function readableItems(resource: ScenarioResource, application: ScenarioApplication | null): { readable: string[]; clear: string[] } {
  const granted = application?.decision === 'APPROVE' ? (application.items ?? application.applied) : [];
  const readable = resource.items
    .filter((item) => granted.includes(item.name) || (resource.shareType === 'UNCONDITIONAL' && itemShareType(resource, item) === 'UNCONDITIONAL'))
    .map((item) => item.name);
  const clearItems = application?.decision === 'APPROVE' ? application.clearItems : [];
  const clear = resource.items
    .filter((item) => readable.includes(item.name) && (itemMask(item).kind === 'NONE' || clearItems.includes(item.name)))
    .map((item) => item.name);
  return { readable, clear };
}

/** fc.oneof over the choices whose weight is positive (a choice may not apply, e.g. nothing is readable). */
function weighted<T>(choices: readonly [number, () => fc.Arbitrary<T>][]): fc.Arbitrary<T> {
  return fc.oneof(...choices.filter(([weight]) => weight > 0).map(([weight, make]) => ({ weight, arbitrary: make() })));
}

function queryArbitrary(resource: ScenarioResource, rows: readonly SourceRow[], application: ScenarioApplication | null): fc.Arbitrary<ScenarioQuery> {
  const all = resource.items.map((item) => item.name);
  const { readable, clear } = readableItems(resource, application);
  const filterable = resource.items.filter((item) => item.filterable);
  const readableFilterable = filterable.filter((item) => readable.includes(item.name));
  const termsFrom = (names: readonly string[]) =>
    fc
      .uniqueArray(fc.constantFrom(...names), { maxLength: 2 })
      .chain((fields) => fc.tuple(...fields.map(() => fc.constantFrom<'ASC' | 'DESC'>('ASC', 'DESC'))).map((directions) => fields.map((field, i) => ({ field, direction: directions[i]! }))));
  return fc.record({
    select: weighted([
      [readable.length > 0 ? 6 : 0, () => fc.shuffledSubarray(readable, { minLength: 1 })],
      [1, () => fc.shuffledSubarray(all, { minLength: 1 })],
    ]),
    style: fc.constantFrom<ScenarioQuery['style']>('plain', 'plain', 'alias', 'fragment'),
    skipped: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.subarray(all, { maxLength: 2 }) }),
    where: weighted<Where | null>([
      [2, () => fc.constant(null)],
      [readableFilterable.length > 0 ? 4 : 0, () => whereArbitrary(readableFilterable, rows, 2)],
      [filterable.length > 0 ? 1 : 0, () => whereArbitrary(filterable, rows, 2)],
    ]),
    orderBy: weighted<ScenarioOrderTerm[]>([
      [2, () => fc.constant([])],
      [clear.length > 0 ? 4 : 0, () => termsFrom(clear)],
      [1, () => termsFrom(all)],
    ]),
    first: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constant(0) }),
    maxPages: fc.integer({ min: 1, max: 4 }),
  });
}

/** Whole scenarios: resource, rows, application (usually), 2-6 queries, and now and then a revocation between them. */
export const scenarioArbitrary: fc.Arbitrary<Scenario> = resourceArbitrary.chain((resource) =>
  rowsArbitrary(resource).chain((rows) =>
    fc.option(applicationArbitrary(resource, rows), { nil: null, freq: 8 }).chain((application) =>
      fc.array(queryArbitrary(resource, rows, application), { minLength: 2, maxLength: 6 }).chain((queries) =>
        weighted<number | null>([
          [3, () => fc.constant(null)],
          [application?.decision === 'APPROVE' ? 1 : 0, () => fc.integer({ min: 1, max: queries.length - 1 })],
        ]).map((revokeAfter): Scenario => ({ resource, rows, application, queries, revokeAfter })),
      ),
    ),
  ),
);
