import type { FetchRequest } from './Connector.js';

/** Items a request returns: the selected ones, then order items not already selected. */
export function returnedItems(request: FetchRequest): string[] {
  return [...new Set([...request.select, ...request.order.map((term) => term.item)])];
}
