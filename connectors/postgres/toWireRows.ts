/**
 * Source rows to wire form (see Condition in catalog/conditions.ts): each value
 * is checked against its item's type, and one that does not fit fails the read
 * as CONNECTOR_BAD_RESPONSE rather than reaching a consumer half-converted.
 */
import { toWireValue } from '../../catalog/conditions.js';
import type { ItemType } from '../../catalog/model.js';
import { meridianError } from '../../common/errors.js';
import { joinPath } from '../../common/validation.js';

/** An item as the conversion needs it. */
export interface WireItem {
  readonly name: string;
  readonly type: ItemType;
}

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;
const INTEGER_TEXT = /^-?\d+$/;

/**
 * Converts rows keyed by item name to wire form, in `items` order.
 * Throws CONNECTOR_BAD_RESPONSE (with the path of the first misfit) for a value its type cannot carry.
 */
export function toWireRows(
  rows: readonly Readonly<Record<string, unknown>>[],
  items: readonly WireItem[],
  resource: string,
  timeoutMs: number,
): Record<string, unknown>[] {
  return rows.map((row, index) => {
    const wire: Record<string, unknown> = {};
    for (const item of items) {
      const value = Object.hasOwn(row, item.name) ? toWire(row[item.name], item.type) : undefined;
      if (value === undefined) {
        throw meridianError('CONNECTOR_BAD_RESPONSE', { resource, timeoutMs, path: joinPath(joinPath('rows', index), item.name) });
      }
      wire[item.name] = value;
    }
    return wire;
  });
}

/** One source value in wire form for `type`; null stays null; undefined when the value does not fit the type. */
export function toWire(value: unknown, type: ItemType): unknown {
  if (value === null) return null;
  if (value instanceof Date) return type === 'DATETIME' && !Number.isNaN(value.getTime()) ? value.toISOString() : undefined;
  if (value instanceof Uint8Array) {
    return type === 'BINARY' ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') : undefined;
  }
  switch (type) {
    case 'INTEGER':
      // int8 arrives as text (and bigint is accepted from other drivers) so that a value beyond 2^53 is caught, not rounded.
      if (typeof value === 'string' || typeof value === 'bigint') return exactInteger(String(value));
      return toWireValue(value, type);
    case 'FLOAT':
      if (typeof value === 'string') return DECIMAL_TEXT.test(value) ? finite(Number(value)) : undefined;
      return toWireValue(value, type);
    case 'DECIMAL':
    case 'MONEY': {
      // A number may only stand for a decimal when its text has no exponent (1e21 is not "1000...").
      const wire = typeof value === 'bigint' ? String(value) : toWireValue(value, type);
      return typeof wire === 'string' && DECIMAL_TEXT.test(wire) ? wire : undefined;
    }
    default:
      return toWireValue(value, type);
  }
}

function exactInteger(text: string): number | undefined {
  if (!INTEGER_TEXT.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}
