/**
 * The one SELECT of one fetch request, built with knex: identifiers only from
 * the resource's binding, every value a binding. Keyset paging follows
 * PostgreSQL's default NULL placement (last ascending, first descending).
 */
import type { Knex } from 'knex';
import type { Condition, FetchRequest, OrderTerm } from '../Connector.js';
import type { ItemType } from '../../catalog/model.js';
import { returnedItems } from '../returnedItems.js';

/** A resource's binding, resolved: where its rows are and which column holds each item. */
export interface BoundTable {
  readonly schema: string;
  readonly table: string;
  /** Item name to column name, both already checked against the binding's schema. */
  readonly columns: ReadonlyMap<string, string>;
  readonly types: ReadonlyMap<string, ItemType>;
}

/** Alias of the source table, so that every column reference is qualified (see orderBy below). */
const SOURCE = 'source';

/**
 * Builds the SELECT of `request`: returned items aliased to their names, the
 * conditions and the keyset position as bound predicates, the complete order,
 * and LIMIT first + 1 so that the caller can tell whether more rows follow.
 */
export function buildSelect(
  knex: Knex,
  bound: BoundTable,
  request: FetchRequest,
  after: readonly unknown[] | null,
): Knex.QueryBuilder {
  const column = (item: string): string => `${SOURCE}.${bound.columns.get(item)}`;
  // DATETIME is served at millisecond precision (toISOString); ordering and paging
  // on the same precision keeps a microsecond timestamp from repeating a row on the next page.
  const sortKey = (item: string): Knex.Raw =>
    bound.types.get(item) === 'DATETIME' ? knex.raw("date_trunc('milliseconds', ??)", [column(item)]) : knex.raw('??', [column(item)]);

  const query = knex
    .withSchema(bound.schema)
    .from(`${bound.table} as ${SOURCE}`)
    .select(Object.fromEntries(returnedItems(request).map((item) => [item, column(item)])));
  for (const condition of request.conditions) {
    if (bound.types.get(condition.item) === 'DATETIME') addDatetimeCondition(query, column(condition.item), condition);
    else addCondition(query, column(condition.item), condition);
  }
  if (after) {
    query.where((position) => addKeyset(position, request.order, after, column, sortKey));
  }
  // Qualified references: a bare name in ORDER BY would mean an output alias first, and an
  // item may be named like another item's column.
  for (const term of request.order) query.orderBy(sortKey(term.item), term.direction === 'ASC' ? 'asc' : 'desc');
  return query.limit(request.first + 1);
}

function addCondition(query: Knex.QueryBuilder, column: string, condition: Condition): void {
  const value = condition.value as Knex.Value;
  switch (condition.op) {
    case 'eq':
      query.where(column, value);
      return;
    case 'in':
      // knex compiles an empty list to a false predicate: an empty `in` matches nothing.
      query.whereIn(column, condition.value as readonly Knex.Value[]);
      return;
    case 'prefix':
      query.whereRaw('?? like ? escape ?', [column, `${escapeLike(String(condition.value))}%`, '\\']);
      return;
    case 'gt':
      query.where(column, '>', value);
      return;
    case 'gte':
      query.where(column, '>=', value);
      return;
    case 'lt':
      query.where(column, '<', value);
      return;
    case 'lte':
      query.where(column, '<=', value);
      return;
  }
}

/**
 * A condition on a DATETIME item, compared as consumers see the value: at
 * millisecond precision. Each operator becomes a range on the raw column
 * (`gt X` is `>= X + 1 ms`), so a microsecond timestamp shown as X never
 * passes `gt X`, and an index on the column still serves the filter.
 */
function addDatetimeCondition(query: Knex.QueryBuilder, column: string, condition: Condition): void {
  const nextMs = (iso: unknown): string => new Date(new Date(String(iso)).getTime() + 1).toISOString();
  const within = (q: Knex.QueryBuilder, iso: unknown): void => {
    q.where(column, '>=', String(iso)).andWhere(column, '<', nextMs(iso));
  };
  switch (condition.op) {
    case 'eq':
      query.where((q) => within(q, condition.value));
      return;
    case 'in': {
      const values = condition.value as readonly unknown[];
      if (values.length === 0) query.whereRaw('false');
      else query.where((any) => values.forEach((iso) => any.orWhere((q) => within(q, iso))));
      return;
    }
    case 'gt':
      query.where(column, '>=', nextMs(condition.value));
      return;
    case 'gte':
      query.where(column, '>=', String(condition.value));
      return;
    case 'lt':
      query.where(column, '<', String(condition.value));
      return;
    case 'lte':
      query.where(column, '<', nextMs(condition.value));
      return;
    case 'prefix':
      throw new TypeError('prefix is not an operator of DATETIME items');
  }
}

/** `value` as a LIKE pattern that matches only itself. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * Rows strictly after the position `after` in `order`: for some term k, every
 * earlier term equals its value and term k is past its value. With NULLs last
 * ascending and first descending, "past" is `> v or null` ascending, `< v`
 * descending, nothing after a null ascending and any non-null after a null descending.
 */
function addKeyset(
  position: Knex.QueryBuilder,
  order: readonly OrderTerm[],
  after: readonly unknown[],
  column: (item: string) => string,
  sortKey: (item: string) => Knex.Raw,
): void {
  let branches = 0;
  order.forEach((term, k) => {
    const value = after[k] as Knex.Value;
    if (value === null && term.direction === 'ASC') return;
    branches++;
    position.orWhere((branch) => {
      order.slice(0, k).forEach((earlier, i) => {
        const equal = after[i] as Knex.Value;
        if (equal === null) branch.whereNull(column(earlier.item));
        else branch.where(sortKey(earlier.item), '=', equal);
      });
      const key = term.item;
      if (value === null) branch.whereNotNull(column(key));
      else if (term.direction === 'DESC') branch.where(sortKey(key), '<', value);
      else branch.where((past) => past.where(sortKey(key), '>', value).orWhereNull(column(key)));
    });
  });
  // Nothing follows a position whose every branch is empty (all remaining terms null ascending).
  if (branches === 0) position.whereRaw('false');
}
