/**
 * Conditions on items: the data plane's `where` and a grant's row scope share
 * one shape, `{ <item>: { eq | in | prefix | gt | gte | lt | lte } }`, parsed
 * here into a flat list of conditions with values in wire form.
 */
import type { Problem } from '../common/errors.js';
import { isCalendarDate } from '../common/identifiers.js';
import { joinPath } from '../common/validation.js';
import type { ItemType, ResourceDefinition, ResourceItem } from './model.js';

/** Comparison operators a condition may use. */
export type ConditionOp = 'eq' | 'in' | 'prefix' | 'gt' | 'gte' | 'lt' | 'lte';

/**
 * One condition on one item, its value in wire form: STRING/TEXT/DECIMAL/MONEY
 * as strings, DATE as `YYYY-MM-DD`, DATETIME as ISO 8601 UTC (`toISOString`),
 * INTEGER/FLOAT as numbers, BOOLEAN as boolean. `in` carries an array (an
 * empty one matches nothing).
 */
export interface Condition {
  readonly item: string;
  readonly op: ConditionOp;
  readonly value: unknown;
}

export interface OrderTerm {
  readonly item: string;
  readonly direction: 'ASC' | 'DESC';
}

/** Most values one `in` may list. */
export const MAX_IN_VALUES = 1000;

/** The operators an item of each type offers (the filter input types of the schema). */
export function operatorsFor(type: ItemType): readonly ConditionOp[] {
  switch (type) {
    case 'STRING':
    case 'TEXT':
      return ['eq', 'in', 'prefix'];
    case 'BOOLEAN':
      return ['eq'];
    case 'BINARY':
      return [];
    default:
      return ['eq', 'in', 'gt', 'gte', 'lt', 'lte'];
  }
}

/**
 * Parses a `where`-shaped object against a resource's filterable items.
 * Returns the conditions, or the problems (with paths under `root`).
 */
export function parseConditions(
  where: unknown,
  resource: ResourceDefinition,
  root = 'where',
): { conditions: Condition[]; problems: Problem[] } {
  return parseItemFilters(where, resource, root, false);
}

/**
 * Parses a grant's row scope. Stricter than a consumer's `where`: a scope is
 * a limit, so every item it names must carry at least one non-null operator
 * (`{district: {}}` or `{district: {eq: null}}` would silently mean all rows).
 * null or `{}` means no row scope.
 */
export function parseRowScope(
  rowScope: unknown,
  resource: ResourceDefinition,
  root = 'rowScope',
): { conditions: Condition[]; problems: Problem[] } {
  return parseItemFilters(rowScope, resource, root, true);
}

/** `limits`: an item named without any condition is a problem (a row scope) rather than no filter (a where). */
function parseItemFilters(
  where: unknown,
  resource: ResourceDefinition,
  root: string,
  limits: boolean,
): { conditions: Condition[]; problems: Problem[] } {
  const conditions: Condition[] = [];
  const problems: Problem[] = [];
  if (where === null || where === undefined) return { conditions, problems };
  if (!isPlainObject(where)) {
    return { conditions, problems: [{ path: root, message: 'must be an object of item filters' }] };
  }
  const items = new Map(resource.items.map((item) => [item.name, item]));
  for (const [name, filter] of Object.entries(where)) {
    const path = joinPath(root, name);
    const found = { conditions: conditions.length, problems: problems.length };
    parseItemFilter(items.get(name), filter, path, resource, conditions, problems);
    if (limits && conditions.length === found.conditions && problems.length === found.problems) {
      problems.push({ path, message: 'must give at least one operator with a value: a row scope limits rows, it cannot be empty' });
    }
  }
  return { conditions, problems };
}

/** Adds the conditions of one item's filter, or its problems (at `path`). */
function parseItemFilter(
  item: ResourceItem | undefined,
  filter: unknown,
  path: string,
  resource: ResourceDefinition,
  conditions: Condition[],
  problems: Problem[],
): void {
  if (!item) {
    problems.push({ path, message: `is not an item of ${resource.code}` });
    return;
  }
  if (!item.filterable) {
    problems.push({ path, message: 'is not a filterable item' });
    return;
  }
  if (filter === null || filter === undefined) return;
  if (!isPlainObject(filter)) {
    problems.push({ path, message: 'must be an object of operators' });
    return;
  }
  const allowed = operatorsFor(item.type);
  for (const [op, raw] of Object.entries(filter)) {
    const opPath = joinPath(path, op);
    if (!(allowed as readonly string[]).includes(op)) {
      problems.push({ path: opPath, message: `is not an operator of ${item.type} items (use ${allowed.join(', ')})` });
      continue;
    }
    if (raw === null || raw === undefined) continue;
    const parsed = op === 'in' ? parseList(raw, item, opPath, problems) : parseValue(raw, item, opPath, problems);
    if (parsed !== undefined) conditions.push({ item: item.name, op: op as ConditionOp, value: parsed });
  }
}

function parseList(raw: unknown, item: ResourceItem, path: string, problems: Problem[]): unknown[] | undefined {
  if (!Array.isArray(raw)) {
    problems.push({ path, message: 'must be a list' });
    return undefined;
  }
  if (raw.length > MAX_IN_VALUES) {
    problems.push({ path, message: `must list at most ${MAX_IN_VALUES} values` });
    return undefined;
  }
  const values: unknown[] = [];
  let ok = true;
  raw.forEach((value, index) => {
    const parsed = parseValue(value, item, joinPath(path, index), problems);
    if (parsed === undefined) ok = false;
    else values.push(parsed);
  });
  return ok ? values : undefined;
}

/** Parses one value to the wire form of the item's type; records a problem and returns undefined when it does not fit. */
export function parseValue(raw: unknown, item: ResourceItem, path: string, problems: Problem[]): unknown {
  const wire = toWireValue(raw, item.type);
  if (wire === undefined) problems.push({ path, message: `must be ${describeType(item.type)}` });
  return wire;
}

/** The wire form of `raw` for `type`, or undefined when it does not fit. */
export function toWireValue(raw: unknown, type: ItemType): unknown {
  switch (type) {
    case 'STRING':
    case 'TEXT':
      return typeof raw === 'string' ? raw : undefined;
    case 'INTEGER':
      return typeof raw === 'number' && Number.isSafeInteger(raw) ? raw : undefined;
    case 'FLOAT':
      return typeof raw === 'number' && Number.isFinite(raw) ? raw : undefined;
    case 'DECIMAL':
    case 'MONEY':
      if (typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw)) return raw;
      if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
      return undefined;
    case 'DATE':
      return typeof raw === 'string' && isCalendarDate(raw) ? raw : undefined;
    case 'DATETIME': {
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) {
        return undefined;
      }
      const at = new Date(raw);
      return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
    }
    case 'BOOLEAN':
      return typeof raw === 'boolean' ? raw : undefined;
    case 'BINARY':
      return undefined;
  }
}

function describeType(type: ItemType): string {
  switch (type) {
    case 'STRING':
    case 'TEXT':
      return 'a string';
    case 'INTEGER':
      return 'an integer';
    case 'FLOAT':
      return 'a number';
    case 'DECIMAL':
    case 'MONEY':
      return 'a decimal number as a string, such as "1234.50"';
    case 'DATE':
      return 'a date YYYY-MM-DD';
    case 'DATETIME':
      return 'an ISO 8601 date-time with offset, such as 2024-01-31T08:00:00+08:00';
    case 'BOOLEAN':
      return 'true or false';
    case 'BINARY':
      return 'not used in filters';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
