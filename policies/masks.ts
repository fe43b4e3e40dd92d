/**
 * Masking (脱敏) of wire-form values: what the gateway applies to every row an
 * allowed exchange returns, for each item the grant does not release in clear.
 */
import { createHmac } from 'node:crypto';
import type { ItemType, MaskRule } from '../catalog/model.js';

/** Any UTF-16 surrogate: a string without one has as many code points as code units. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Masks one value by `rule`. null stays null. A mask whose result the item's
 * GraphQL type cannot carry (PARTIAL, NAME or HASH on a non-text item,
 * GENERALIZE on a number) gives null: failing closed beats leaking the value.
 */
export function maskValue(value: unknown, rule: MaskRule, type: ItemType, hashSecret: string): unknown {
  if (rule.kind === 'NONE' || value === null || value === undefined) return value;
  switch (rule.kind) {
    case 'REDACT':
      return null;
    case 'PARTIAL': {
      const text = textOf(value, type);
      return text === null ? null : partial(text, rule.keepStart ?? 0, rule.keepEnd ?? 0);
    }
    case 'NAME': {
      const text = textOf(value, type);
      return text === null ? null : maskName(text);
    }
    case 'HASH': {
      const text = textOf(value, type);
      return text === null ? null : createHmac('sha256', hashSecret).update(text, 'utf8').digest('hex');
    }
    case 'GENERALIZE':
      return generalize(value, type);
  }
}

/**
 * A copy of `row` with each item in `masks` masked; items absent from the row
 * stay absent, and an item without a known type is nulled. Allocates only the
 * result (and the masked strings), so it suits thousands of rows per request.
 */
export function maskRow(
  row: Readonly<Record<string, unknown>>,
  masks: Readonly<Record<string, MaskRule>>,
  types: Readonly<Record<string, ItemType>>,
  hashSecret: string,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...row };
  for (const name in masks) {
    if (!Object.hasOwn(result, name)) continue;
    result[name] = Object.hasOwn(types, name) ? maskValue(result[name], masks[name]!, types[name]!, hashSecret) : null;
  }
  return result;
}

/**
 * Cuts an address after its first county-level unit (区, 县, 旗, or a 市 that
 * follows another 市), else after its first 市; null when it has neither.
 */
function generalizeAddress(address: string): string | null {
  let firstCity = -1;
  for (let i = 0; i < address.length; i++) {
    const char = address[i];
    if (char === '市') {
      // Two characters apart at least: 济南市市中区 is a city and a district, not two cities.
      if (firstCity >= 0 && i - firstCity > 1) return address.slice(0, i + 1);
      if (firstCity < 0) firstCity = i;
    } else if (char === '县' || char === '旗') {
      return address.slice(0, i + 1);
    } else if (char === '区' && !isAboveCounty(address, i)) {
      return address.slice(0, i + 1);
    }
  }
  return firstCity >= 0 ? address.slice(0, firstCity + 1) : null;
}

/** True when the 区 at `index` ends a province- or prefecture-level name: 自治区, 特别行政区, 地区. */
function isAboveCounty(address: string, index: number): boolean {
  const before = address.slice(Math.max(0, index - 2), index);
  return before === '自治' || before === '行政' || before.endsWith('地');
}

/** Keeps `keepStart` and `keepEnd` code points and stars each other one; a value too short for both is starred whole. */
function partial(text: string, keepStart: number, keepEnd: number): string {
  if (SURROGATE.test(text)) {
    const points = Array.from(text);
    if (points.length <= keepStart + keepEnd) return '*'.repeat(points.length);
    const end = points.length - keepEnd;
    return points.slice(0, keepStart).join('') + '*'.repeat(end - keepStart) + points.slice(end).join('');
  }
  if (text.length <= keepStart + keepEnd) return '*'.repeat(text.length);
  const end = text.length - keepEnd;
  return text.slice(0, keepStart) + '*'.repeat(end - keepStart) + text.slice(end);
}

/** Keeps the first code point and stars each of the rest. */
function maskName(text: string): string {
  const first = text.codePointAt(0);
  if (first === undefined) return text;
  const head = String.fromCodePoint(first);
  const rest = SURROGATE.test(text) ? Array.from(text).length - 1 : text.length - 1;
  return head + '*'.repeat(rest);
}

function generalize(value: unknown, type: ItemType): string | null {
  if (typeof value !== 'string') return null;
  switch (type) {
    case 'DATE': {
      return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value.slice(0, 4)}-01-01` : null;
    }
    case 'DATETIME': {
      const year = utcYear(value);
      return year === null ? null : `${year}-01-01T00:00:00.000Z`;
    }
    case 'STRING':
    case 'TEXT':
      return generalizeAddress(value);
    default:
      return null;
  }
}

/** The UTC year of an ISO date-time, as four digits; the wire form (`toISOString`) needs no parsing. */
function utcYear(value: string): string | null {
  if (/^\d{4}-\d{2}-\d{2}T.*Z$/.test(value)) return value.slice(0, 4);
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return null;
  const year = at.getUTCFullYear();
  return year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : null;
}

/** The text a PARTIAL, NAME or HASH mask works on; null for items whose GraphQL type is not String. */
function textOf(value: unknown, type: ItemType): string | null {
  if (type !== 'STRING' && type !== 'TEXT' && type !== 'BINARY') return null;
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : null;
}
