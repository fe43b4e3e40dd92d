/**
 * Conditions as an upstream Meridian's `where`: `{ <item>: { eq | in | prefix
 * | gt | gte | lt | lte } }`, one value per operator. Several conditions on
 * one item (a consumer's filter and a grant's row scope) are intersected
 * first, so the upstream gets one filter that means their AND; when the
 * intersection is empty, no row can match and the upstream is not asked.
 */
import type { Condition } from '../../catalog/conditions.js';
import type { ItemType } from '../../catalog/model.js';
import { badInput } from '../../common/errors.js';
import { compareValues } from '../compareValues.js';

/** The upstream's `where` variable: upstream item name to its operators. */
export type UpstreamWhere = Record<string, Record<string, unknown>>;

/** A lower or upper bound: its value, and whether the value itself is excluded (gt, lt). */
interface Bound {
  readonly value: unknown;
  readonly strict: boolean;
}

/** What the conditions on one item come to. */
interface ItemFilter {
  eq?: unknown;
  in?: unknown[];
  prefix?: string;
  lower?: Bound;
  upper?: Bound;
}

/** Types whose values are ordered the same way here as in the upstream's database. */
const ORDERED: ReadonlySet<ItemType> = new Set(['INTEGER', 'FLOAT', 'DECIMAL', 'MONEY', 'DATE', 'DATETIME']);

/**
 * The upstream `where` of `conditions` (null when they can match no row), with
 * items renamed by `upstreamItem`. `typeOf` gives each item's type; conditions
 * carry wire-form values (catalog/conditions.ts).
 */
export function upstreamWhere(
  conditions: readonly Condition[],
  typeOf: (item: string) => ItemType,
  upstreamItem: (item: string) => string,
): UpstreamWhere | null {
  const byItem = new Map<string, Condition[]>();
  for (const condition of conditions) {
    const list = byItem.get(condition.item);
    if (list) list.push(condition);
    else byItem.set(condition.item, [condition]);
  }
  const where: UpstreamWhere = {};
  for (const [item, itemConditions] of byItem) {
    const filter = intersect(itemConditions, typeOf(item));
    if (filter === null) return null;
    where[upstreamItem(item)] = toOperators(filter);
  }
  return where;
}

/** The intersection of one item's conditions, reduced to at most one value per operator; null when empty. */
function intersect(conditions: readonly Condition[], type: ItemType): ItemFilter | null {
  const same = (a: unknown, b: unknown): boolean => (ORDERED.has(type) ? compareValues(a, b, type) === 0 : a === b);
  const filter: ItemFilter = {};
  let hasEq = false;
  for (const { op, value } of conditions) {
    switch (op) {
      case 'eq':
        if (!hasEq) filter.eq = value;
        else if (!same(filter.eq, value)) return null;
        hasEq = true;
        break;
      case 'in': {
        const values = value as readonly unknown[];
        filter.in = filter.in ? filter.in.filter((x) => values.some((y) => same(x, y))) : unique(values, same);
        break;
      }
      case 'prefix': {
        const prefix = String(value);
        if (filter.prefix === undefined || prefix.startsWith(filter.prefix)) filter.prefix = prefix;
        else if (!filter.prefix.startsWith(prefix)) return null;
        break;
      }
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte': {
        if (!ORDERED.has(type)) throw badInput(`${op} is not an operator of ${type} items`);
        const bound: Bound = { value, strict: op === 'gt' || op === 'lt' };
        if (op === 'gt' || op === 'gte') filter.lower = tighter(filter.lower, bound, type, 1);
        else filter.upper = tighter(filter.upper, bound, type, -1);
        break;
      }
    }
  }

  // A value list settles the item: keep the values every other condition admits, and nothing else.
  const admits = (x: unknown): boolean =>
    (filter.prefix === undefined || (typeof x === 'string' && x.startsWith(filter.prefix))) &&
    (filter.lower === undefined || beyond(x, filter.lower, type, 1)) &&
    (filter.upper === undefined || beyond(x, filter.upper, type, -1));
  if (hasEq) {
    if (!admits(filter.eq) || (filter.in && !filter.in.some((x) => same(x, filter.eq)))) return null;
    return { eq: filter.eq };
  }
  if (filter.in) {
    const values = filter.in.filter(admits);
    return values.length > 0 ? { in: values } : null;
  }
  if (filter.lower && filter.upper) {
    const order = compareValues(filter.lower.value, filter.upper.value, type);
    if (order > 0 || (order === 0 && (filter.lower.strict || filter.upper.strict))) return null;
  }
  return filter;
}

function toOperators(filter: ItemFilter): Record<string, unknown> {
  const ops: Record<string, unknown> = {};
  if (Object.hasOwn(filter, 'eq')) ops.eq = filter.eq;
  if (filter.in) ops.in = filter.in;
  if (filter.prefix !== undefined) ops.prefix = filter.prefix;
  if (filter.lower) ops[filter.lower.strict ? 'gt' : 'gte'] = filter.lower.value;
  if (filter.upper) ops[filter.upper.strict ? 'lt' : 'lte'] = filter.upper.value;
  return ops;
}

/** The tighter of two bounds on one side (`side` 1: lower, the larger wins; -1: upper, the smaller wins); at a tie the strict one. */
function tighter(current: Bound | undefined, next: Bound, type: ItemType, side: 1 | -1): Bound {
  if (!current) return next;
  const order = compareValues(next.value, current.value, type) * side;
  if (order !== 0) return order > 0 ? next : current;
  return next.strict ? next : current;
}

/** True when `value` lies on the admitted side of `bound` (`side` 1: above a lower bound; -1: below an upper one). */
function beyond(value: unknown, bound: Bound, type: ItemType, side: 1 | -1): boolean {
  const order = compareValues(value, bound.value, type) * side;
  return bound.strict ? order > 0 : order >= 0;
}

function unique(values: readonly unknown[], same: (a: unknown, b: unknown) => boolean): unknown[] {
  const kept: unknown[] = [];
  for (const value of values) if (!kept.some((k) => same(k, value))) kept.push(value);
  return kept;
}
