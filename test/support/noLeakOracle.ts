/**
 * The oracle of the no-leak property, written from DESIGN.md and not from the
 * gateway's code: what one exchange must answer (a denial and its code, or
 * exactly which source rows in which order), and whether a shown value is a
 * correct masking of its raw value, by one independent predicate per mask kind.
 */
import type { MaskRule } from '../../catalog/model.js';
import {
  GENERALIZED_STRINGS,
  itemMask,
  itemShareType,
  type Filter,
  type FilterOp,
  type ScenarioItem,
  type ScenarioItemType,
  type ScenarioOrderTerm,
  type ScenarioQuery,
  type ScenarioResource,
  type SourceRow,
  type SourceValue,
  type Where,
} from './noLeakScenario.js';

/** The grant the provider's approval created, as the oracle needs it. */
export interface OracleGrant {
  readonly id: string;
  readonly items: readonly string[];
  readonly rowScope: Where | null;
  readonly clearItems: readonly string[];
}

/** What one exchange must answer. */
export type ExpectedExchange =
  | {
      readonly effect: 'deny';
      readonly code: 'ITEMS_NOT_GRANTED' | 'APPLICATION_REQUIRED';
      /** Every item the query used (selected, filtered, ordered). */
      readonly wanted: readonly string[];
    }
  | {
      readonly effect: 'allow';
      /** Every matching row, in the complete order; pages are slices of it. */
      readonly rows: readonly SourceRow[];
      /** Masks of the used items the grant does not release in clear. */
      readonly masks: Readonly<Record<string, MaskRule>>;
      /** The grant the exchange reads under; null when no item needs one. */
      readonly grantId: string | null;
      readonly wanted: readonly string[];
    };

/** The one operator a masked item may be filtered with: eq tests one candidate per call. */
const EQUALITY_OPERATORS: readonly FilterOp[] = ['eq'];

/** Decides and answers one exchange from the scenario's own data. */
export function expectExchange(
  resource: ScenarioResource,
  grant: OracleGrant | null,
  rows: readonly SourceRow[],
  query: ScenarioQuery,
): ExpectedExchange {
  const items = new Map(resource.items.map((item) => [item.name, item]));
  const itemOf = (name: string): ScenarioItem => items.get(name)!;
  const filtered = Object.entries(query.where ?? {})
    .filter(([, filter]) => Object.values(filter).some((operand) => operand !== null && operand !== undefined))
    .map(([name]) => name);
  const ordered = query.orderBy.map((term) => term.field);
  const wanted = [...new Set([...query.select, ...filtered, ...ordered])];
  const shareOf = (name: string) => itemShareType(resource, itemOf(name));

  if (wanted.some((name) => shareOf(name) === 'NOT_SHARED')) return { effect: 'deny', code: 'ITEMS_NOT_GRANTED', wanted };
  if (resource.shareType === 'CONDITIONAL' && grant === null) return { effect: 'deny', code: 'APPLICATION_REQUIRED', wanted };
  const needed = resource.shareType === 'CONDITIONAL' ? wanted : wanted.filter((name) => shareOf(name) === 'CONDITIONAL');
  const underGrant = needed.length > 0 ? grant : null;
  if (needed.length > 0 && (grant === null || needed.some((name) => !grant.items.includes(name)))) {
    return { effect: 'deny', code: 'ITEMS_NOT_GRANTED', wanted };
  }

  const clear = underGrant?.clearItems ?? [];
  const masks: Record<string, MaskRule> = {};
  for (const name of wanted) {
    const mask = itemMask(itemOf(name));
    if (mask.kind !== 'NONE' && !clear.includes(name)) masks[name] = mask;
  }
  const revealing = wanted.filter(
    (name) =>
      Object.hasOwn(masks, name) &&
      (ordered.includes(name) || Object.keys(query.where?.[name] ?? {}).some((op) => !EQUALITY_OPERATORS.includes(op as FilterOp))),
  );
  if (revealing.length > 0) return { effect: 'deny', code: 'ITEMS_NOT_GRANTED', wanted };

  const conditions = [...flatten(underGrant?.rowScope ?? null), ...flatten(query.where)];
  const matching = rows.filter((row) => conditions.every(({ item, op, operand }) => matches(row[item] ?? null, op, operand, itemOf(item).type)));
  const order = completeOrder(resource, query.orderBy);
  const sorted = [...matching].sort((a, b) => {
    for (const term of order) {
      const type = itemOf(term.field).type;
      const diff = compareNullable(a[term.field] ?? null, b[term.field] ?? null, type, term.direction);
      if (diff !== 0) return diff;
    }
    return 0;
  });
  return { effect: 'allow', rows: sorted, masks, grantId: underGrant?.id ?? null, wanted };
}

/** The consumer's terms, then the key item ascending unless ordered already (DESIGN.md: the default order is the key). */
function completeOrder(resource: ScenarioResource, terms: readonly ScenarioOrderTerm[]): ScenarioOrderTerm[] {
  const order = [...terms];
  for (const item of resource.items.filter((candidate) => candidate.key)) {
    if (!order.some((term) => term.field === item.name)) order.push({ field: item.name, direction: 'ASC' });
  }
  return order;
}

function flatten(where: Where | null): { item: string; op: FilterOp; operand: unknown }[] {
  const conditions: { item: string; op: FilterOp; operand: unknown }[] = [];
  for (const [item, filter] of Object.entries(where ?? {})) {
    for (const [op, operand] of Object.entries(filter as Filter)) {
      if (operand !== null && operand !== undefined) conditions.push({ item, op: op as FilterOp, operand });
    }
  }
  return conditions;
}

/** SQL semantics: NULL matches no comparison; an empty `in` matches nothing; prefix is a plain starts-with. */
function matches(value: SourceValue, op: FilterOp, operand: unknown, type: ScenarioItemType): boolean {
  if (op === 'in') return (operand as unknown[]).some((one) => matches(value, 'eq', one, type));
  if (value === null) return false;
  if (op === 'prefix') return String(value).startsWith(String(operand));
  const diff = compareValues(value, operand as string | number, type);
  switch (op) {
    case 'eq':
      return diff === 0;
    case 'gt':
      return diff > 0;
    case 'gte':
      return diff >= 0;
    case 'lt':
      return diff < 0;
    case 'lte':
      return diff <= 0;
  }
}

/**
 * Compares two non-null values of `type`: text byte by byte in UTF-8 (the
 * source columns use the "C" collation), numbers and decimals by value, dates
 * as their ISO text.
 */
function compareValues(a: string | number, b: string | number, type: ScenarioItemType): number {
  switch (type) {
    case 'STRING':
      return Buffer.compare(Buffer.from(String(a), 'utf8'), Buffer.from(String(b), 'utf8'));
    case 'INTEGER':
      return Math.sign(Number(a) - Number(b));
    case 'DATE':
      return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
    case 'DECIMAL': {
      const diff = cents(String(a)) - cents(String(b));
      return diff < 0n ? -1 : diff > 0n ? 1 : 0;
    }
  }
}

/** PostgreSQL's default placement: NULLs last ascending, first descending. */
function compareNullable(a: SourceValue, b: SourceValue, type: ScenarioItemType, direction: 'ASC' | 'DESC'): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    const nullLast = a === null ? 1 : -1;
    return direction === 'ASC' ? nullLast : -nullLast;
  }
  const diff = compareValues(a, b, type);
  return direction === 'ASC' ? diff : -diff;
}

/** A decimal text with at most two decimals, in hundredths. */
function cents(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const value = BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
  return negative ? -value : value;
}

/** HASH pseudonyms seen so far: raw to pseudonym and back, to check that equal values (and only they) share one. */
export interface PseudonymBook {
  readonly byRaw: Map<string, string>;
  readonly byPseudonym: Map<string, string>;
}

/** A new, empty book of pseudonyms. */
export function newPseudonymBook(): PseudonymBook {
  return { byRaw: new Map(), byPseudonym: new Map() };
}

/**
 * Checks that `shown` is `raw` masked by `rule`; returns what is wrong, or
 * null. Each kind is checked by its documented effect, never by calling the
 * gateway's masking code.
 */
export function maskProblem(raw: SourceValue, shown: unknown, rule: MaskRule, type: ScenarioItemType, book: PseudonymBook): string | null {
  const expect = (ok: boolean, what: string) => (ok ? null : `${what}: raw ${JSON.stringify(raw)}, shown ${JSON.stringify(shown)}`);
  if (raw === null) return expect(shown === null, `${rule.kind} of NULL must stay NULL`);
  switch (rule.kind) {
    case 'NONE':
      return expect(shown === raw, 'an unmasked item must equal its source value');
    case 'REDACT':
      return expect(shown === null, 'REDACT must give null');
    case 'PARTIAL': {
      if (typeof shown !== 'string') return expect(false, 'PARTIAL must give text');
      const points = Array.from(String(raw));
      const got = Array.from(shown);
      const keepStart = rule.keepStart ?? 0;
      const keepEnd = rule.keepEnd ?? 0;
      if (got.length !== points.length) return expect(false, 'PARTIAL must keep the length in characters');
      if (points.length <= keepStart + keepEnd) return expect(got.every((char) => char === '*'), 'PARTIAL must star a value too short to keep both ends');
      const kept = (i: number) => i < keepStart || i >= points.length - keepEnd;
      return expect(
        got.every((char, i) => (kept(i) ? char === points[i] : char === '*')),
        `PARTIAL(${keepStart}, ${keepEnd}) must keep exactly the first ${keepStart} and last ${keepEnd} characters and star the rest`,
      );
    }
    case 'NAME': {
      const points = Array.from(String(raw));
      const wanted = points.length === 0 ? '' : points[0] + '*'.repeat(points.length - 1);
      return expect(shown === wanted, 'NAME must keep the first character and star the rest');
    }
    case 'HASH': {
      if (typeof shown !== 'string' || !/^[0-9a-f]{64}$/.test(shown)) return expect(false, 'HASH must give 64 hex characters');
      if (shown === raw) return expect(false, 'HASH must differ from the raw value');
      const text = String(raw);
      const earlier = book.byRaw.get(text);
      if (earlier !== undefined && earlier !== shown) return expect(false, `HASH must be stable: the same value was shown as ${earlier}`);
      const owner = book.byPseudonym.get(shown);
      if (owner !== undefined && owner !== text) return expect(false, `HASH must not give ${JSON.stringify(owner)} the same pseudonym`);
      book.byRaw.set(text, shown);
      book.byPseudonym.set(shown, text);
      return null;
    }
    case 'GENERALIZE':
      if (type === 'DATE') return expect(shown === `${String(raw).slice(0, 4)}-01-01`, 'GENERALIZE of a date must keep only its year (YYYY-01-01)');
      if (!GENERALIZED_STRINGS.has(String(raw))) return expect(false, 'the scenario gave a GENERALIZE item a value of unknown generalisation');
      return expect(shown === GENERALIZED_STRINGS.get(String(raw)), 'GENERALIZE of an address must keep it up to its district');
  }
}
