/**
 * What the gateway does itself with rows an API returned: the conditions, the
 * order, the keyset position and the page size, with the semantics of the
 * POSTGRES connector so that a resource answers alike whatever serves it.
 * NULLs never match a condition and sort last ascending, first descending;
 * strings compare by code point, DECIMAL exactly, DATETIME as instants.
 */
import type { ItemType } from '../../catalog/model.js';
import type { Condition, FetchResult, OrderTerm } from '../Connector.js';
import type { WireRow } from './readRows.js';

/** What remains to do with the rows read for one request. */
export interface InMemoryRead {
  readonly conditions: readonly Condition[];
  /** The complete order (key items last), which identifies a row. */
  readonly order: readonly OrderTerm[];
  /** The keyset of the last row of the previous page, checked against the order's types. */
  readonly after: readonly unknown[] | null;
  readonly first: number;
  /** Items each returned row carries, in this order. */
  readonly returned: readonly string[];
}

/** Filters, sorts and pages wire rows; `types` gives each item's type. */
export function applyInMemory(rows: readonly WireRow[], read: InMemoryRead, types: ReadonlyMap<string, ItemType>): FetchResult {
  const typeOf = (item: string): ItemType => {
    const type = types.get(item);
    // The connector checks every item of a request before reading.
    if (!type) throw new TypeError(`${item} has no type`);
    return type;
  };
  const compareKeys = (a: readonly unknown[], b: readonly unknown[]): number => {
    for (const [index, term] of read.order.entries()) {
      const x = a[index] ?? null;
      const y = b[index] ?? null;
      if (x === null && y === null) continue;
      const ascending = x === null ? 1 : y === null ? -1 : compareValues(x, y, typeOf(term.item));
      if (ascending !== 0) return term.direction === 'ASC' ? ascending : -ascending;
    }
    return 0;
  };
  const sorted = rows
    .filter((row) => read.conditions.every((condition) => matches(row[condition.item] ?? null, condition, typeOf(condition.item))))
    .map((row) => ({ row, key: read.order.map((term) => row[term.item] ?? null) }))
    .sort((a, b) => compareKeys(a.key, b.key));
  const after = read.after;
  const following = after ? sorted.filter((entry) => compareKeys(entry.key, after) > 0) : sorted;
  const page = following.slice(0, read.first);
  const last = page[page.length - 1];
  return {
    rows: page.map(({ row }) => Object.fromEntries(read.returned.map((item) => [item, row[item] ?? null]))),
    hasMore: following.length > read.first,
    end: last ? { kind: 'keyset', values: last.key } : null,
  };
}

/** True when a non-null value meets the condition; a NULL meets none, as in SQL. */
function matches(value: unknown, condition: Condition, type: ItemType): boolean {
  if (value === null) return false;
  const compare = (other: unknown): number => compareValues(value, other, type);
  switch (condition.op) {
    case 'eq':
      return compare(condition.value) === 0;
    case 'in':
      return (condition.value as readonly unknown[]).some((other) => compare(other) === 0);
    case 'prefix':
      return String(value).startsWith(String(condition.value));
    case 'gt':
      return compare(condition.value) > 0;
    case 'gte':
      return compare(condition.value) >= 0;
    case 'lt':
      return compare(condition.value) < 0;
    case 'lte':
      return compare(condition.value) <= 0;
  }
}

/** Orders two non-null wire values of one type: negative, zero or positive. */
export function compareValues(a: unknown, b: unknown, type: ItemType): number {
  switch (type) {
    case 'INTEGER':
    case 'FLOAT':
      return Math.sign((a as number) - (b as number));
    case 'DECIMAL':
    case 'MONEY':
      return compareDecimals(String(a), String(b));
    case 'DATETIME':
      return Math.sign(Date.parse(String(a)) - Date.parse(String(b)));
    case 'BOOLEAN':
      return Number(a) - Number(b);
    case 'BINARY':
      return Buffer.compare(Buffer.from(String(a), 'base64'), Buffer.from(String(b), 'base64'));
    case 'STRING':
    case 'TEXT':
    case 'DATE':
      return compareCodePoints(String(a), String(b));
  }
}

/**
 * Compares strings by code point, as PostgreSQL's C collation does. UTF-16
 * code units differ from code points only where a surrogate (a code point
 * above U+FFFF) meets a unit at U+E000 or above: the surrogate is greater.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return Math.sign(a.length - b.length);
}

/** Compares decimal texts (`-12.50`) exactly, without passing through a float. */
export function compareDecimals(a: string, b: string): number {
  const x = splitDecimal(a);
  const y = splitDecimal(b);
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const magnitude = compareMagnitudes(x, y);
  return x.negative ? -magnitude : magnitude;
}

interface DecimalParts {
  readonly negative: boolean;
  /** Integer digits without leading zeros. */
  readonly whole: string;
  /** Fraction digits without trailing zeros. */
  readonly fraction: string;
}

function splitDecimal(text: string): DecimalParts {
  const negative = text.startsWith('-');
  const [integer = '', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const whole = integer.replace(/^0+/, '');
  const trimmed = fraction.replace(/0+$/, '');
  // Negative zero is zero.
  return { negative: negative && (whole !== '' || trimmed !== ''), whole, fraction: trimmed };
}

function compareMagnitudes(x: DecimalParts, y: DecimalParts): number {
  if (x.whole.length !== y.whole.length) return x.whole.length < y.whole.length ? -1 : 1;
  if (x.whole !== y.whole) return x.whole < y.whole ? -1 : 1;
  const width = Math.max(x.fraction.length, y.fraction.length);
  const xf = x.fraction.padEnd(width, '0');
  const yf = y.fraction.padEnd(width, '0');
  return xf === yf ? 0 : xf < yf ? -1 : 1;
}
