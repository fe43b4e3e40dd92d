/**
 * The GraphQL documents the connector sends to an upstream Meridian. Only
 * names enter the text (the upstream's apiName and item names, checked
 * against the data-plane name pattern); every value travels as a variable.
 */
import { typeNameOf } from '../../catalog/model.js';
import { DATA_NAME_PATTERN } from './gatewaySchemas.js';

/** Asks who this gateway's key is at the upstream: the start check. */
export const STATUS_QUERY = 'query MeridianUpstreamStatus { me { keyId roles } }';

const DATA_NAME = new RegExp(DATA_NAME_PATTERN);

/** What one page query selects and which arguments it declares. */
export interface DataQueryShape {
  /** The upstream's field under `data`. */
  readonly apiName: string;
  /** Upstream items selected in `nodes`. */
  readonly items: readonly string[];
  /** Declare `$where` (only when there are conditions: a resource without filterable items has no `where`). */
  readonly where: boolean;
  /** Declare `$orderBy`. */
  readonly orderBy: boolean;
}

/**
 * The page query of one upstream data field, in the data plane's shape
 * (gateway/schema/dataPlaneSdl.ts): `data { <apiName>(where, orderBy, first,
 * after) { nodes { ... } pageInfo { hasNextPage endCursor } } }`.
 * Throws a TypeError for a name outside the pattern (bindings are validated before this).
 */
export function dataQuery(shape: DataQueryShape): string {
  for (const name of [shape.apiName, ...shape.items]) {
    if (!DATA_NAME.test(name)) throw new TypeError(`${JSON.stringify(name)} is not a data-plane name`);
  }
  const type = typeNameOf(shape.apiName);
  const declarations = [
    shape.where ? `$where: ${type}Where` : null,
    shape.orderBy ? `$orderBy: [${type}OrderBy!]` : null,
    '$first: Int!',
    '$after: String',
  ].filter((part): part is string => part !== null);
  const args = [
    shape.where ? 'where: $where' : null,
    shape.orderBy ? 'orderBy: $orderBy' : null,
    'first: $first',
    'after: $after',
  ].filter((part): part is string => part !== null);
  // An empty selection is invalid GraphQL; __typename asks for nothing of the resource.
  const nodes = shape.items.length > 0 ? shape.items.join(' ') : '__typename';
  return (
    `query MeridianUpstreamRead(${declarations.join(', ')}) { data { ${shape.apiName}(${args.join(', ')}) ` +
    `{ nodes { ${nodes} } pageInfo { hasNextPage endCursor } } } }`
  );
}
