/**
 * A department API's JSON answer to rows in wire form (see Condition in
 * catalog/conditions.ts): the rows pointer must lead to an array, each item's
 * value is found by its field pointer (absent means null) and must carry its
 * type exactly; anything else fails the read as CONNECTOR_BAD_RESPONSE with
 * the path in the answer that did not fit, never half-converted.
 */
import { toWireValue } from '../../catalog/conditions.js';
import type { ItemType } from '../../catalog/model.js';
import { meridianError } from '../../common/errors.js';
import { joinPath } from '../../common/validation.js';
import { pointerPath, resolvePointer } from './jsonPointer.js';

/** Where rows and item values sit in an answer, as pointer segments. */
export interface ResponseShape {
  readonly rows: readonly string[];
  readonly fields: ReadonlyMap<string, readonly string[]>;
}

/** An item as the conversion needs it. */
export interface WireItem {
  readonly name: string;
  readonly type: ItemType;
}

/** One row in wire form, keyed by item name. */
export type WireRow = Readonly<Record<string, unknown>>;

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The rows of `body` with the values of `items`. Throws CONNECTOR_BAD_RESPONSE
 * naming the first path that does not fit (`data.items[3].id_no`).
 */
export function readRows(body: unknown, shape: ResponseShape, items: readonly WireItem[], resource: string): WireRow[] {
  const misfit = (path: string) => meridianError('CONNECTOR_BAD_RESPONSE', { resource, path: path || '(root)' });
  const found = resolvePointer(body, shape.rows);
  if (found.kind !== 'value' || !Array.isArray(found.value)) throw misfit(pointerPath(shape.rows));
  const rowsPath = pointerPath(shape.rows);
  return found.value.map((row: unknown, index) => {
    const rowPath = joinPath(rowsPath, index);
    const wire: Record<string, unknown> = {};
    for (const item of items) {
      const segments = shape.fields.get(item.name) ?? [];
      const value = resolvePointer(row, segments);
      if (value.kind === 'mismatch') throw misfit(pointerPath(segments.slice(0, value.depth), rowPath));
      const converted = value.kind === 'missing' ? null : toWire(value.value, item.type);
      if (converted === undefined) throw misfit(pointerPath(segments, rowPath));
      wire[item.name] = converted;
    }
    return wire;
  });
}

/** One JSON value in wire form for `type`; null stays null; undefined when the value does not carry the type. */
function toWire(value: unknown, type: ItemType): unknown {
  if (value === null) return null;
  switch (type) {
    case 'DECIMAL':
    case 'MONEY': {
      // A JSON number stands for a decimal only when its text has no exponent (1e21 is not "1000...").
      const wire = toWireValue(value, type);
      return typeof wire === 'string' && DECIMAL_TEXT.test(wire) ? wire : undefined;
    }
    case 'BINARY':
      // JSON has no bytes: BINARY arrives as base64 text, the wire form itself.
      return typeof value === 'string' && BASE64.test(value) ? value : undefined;
    default:
      return toWireValue(value, type);
  }
}
