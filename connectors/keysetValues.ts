/**
 * The keyset a request pages after, checked where it enters a connector: a
 * cursor travels through consumers' hands, so its values are checked against
 * the order's items before any reaches a query.
 */
import { toWireValue } from '../catalog/conditions.js';
import type { ItemType } from '../catalog/model.js';
import { badInput } from '../common/errors.js';
import type { FetchRequest } from './Connector.js';

/** BINARY in wire form: base64 text. */
const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The values of `request.after` in wire form, one per order term (BINARY as
 * base64 text); null for the first page. `typeOf` gives each order item's type.
 * Throws BAD_USER_INPUT for a position that is no keyset of this order, such
 * as a cursor of another order or of an upstream gateway.
 */
export function keysetValues(request: FetchRequest, typeOf: (item: string) => ItemType): unknown[] | null {
  const position = request.after;
  if (position === null) return null;
  const cursorError = () => badInput(`The cursor does not fit this order of ${request.resource.code}; ask again without after`);
  if (position.kind !== 'keyset' || position.values.length !== request.order.length) throw cursorError();
  return request.order.map((term, index) => {
    const value = position.values[index];
    if (value === null) return null;
    const type = typeOf(term.item);
    const wire = type === 'BINARY' ? (typeof value === 'string' && BASE64_TEXT.test(value) ? value : undefined) : toWireValue(value, type);
    if (wire === undefined) throw cursorError();
    return wire;
  });
}
