/**
 * What the gateway does itself with rows an API returned: the conditions, the
 * order, the keyset position and the page size, with the semantics of the
 * POSTGRES connector so that a resource answers alike whatever serves it.
 * NULLs never match a condition and sort last ascending, first descending;
 * values compare as compareValues orders them.
 */
import type { ItemType } from '../../catalog/model.js';
import { compareValues } from '../compareValues.js';
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
