/**
 * A data field (`Query.data.<apiName>`): the consumer's arguments checked and
 * turned into one exchange's read (where, complete keyset order, cursor, page
 * size), and the page returned as a connection.
 */
import { badInput } from '../../common/errors.js';
import { keyItems, parseConditions, type Condition, type OrderTerm, type ResourceDefinition } from '../../catalog/index.js';
import type { ItemUse } from '../../policies/index.js';
import type { Position } from '../../connectors/index.js';
import type { RequestContext } from '../context.js';
import { runExchange, type ExchangeNode } from './runExchange.js';

/** Arguments of a data field, as GraphQL parsed them. */
export interface DataFieldArgs {
  readonly where?: Readonly<Record<string, Readonly<Record<string, unknown>> | null>> | null;
  readonly orderBy?: readonly { readonly field: string; readonly direction?: 'ASC' | 'DESC' | null }[] | null;
  readonly first?: number | null;
  readonly after?: string | null;
}

export interface DataConnection {
  readonly nodes: ExchangeNode[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

/** How the consumer uses items: selected, filtered (with which operators) and ordered. */
function itemUse(args: DataFieldArgs, selected: readonly string[]): ItemUse {
  const filtered: Record<string, string[]> = {};
  for (const [item, filter] of Object.entries(args.where ?? {})) {
    const ops = Object.entries(filter ?? {})
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([op]) => op);
    if (ops.length > 0) filtered[item] = ops;
  }
  return { selected, filtered, ordered: (args.orderBy ?? []).map((term) => term.field) };
}

/** The complete keyset order: the consumer's terms, then the key items ascending as tie-breakers. */
function completeOrder(resource: ResourceDefinition, args: DataFieldArgs): OrderTerm[] {
  const order: OrderTerm[] = [];
  for (const term of args.orderBy ?? []) {
    if (order.some((t) => t.item === term.field)) throw badInput(`orderBy names ${term.field} twice`);
    order.push({ item: term.field, direction: term.direction ?? 'ASC' });
  }
  for (const key of keyItems(resource)) {
    if (!order.some((t) => t.item === key.name)) order.push({ item: key.name, direction: 'ASC' });
  }
  return order;
}

function conditionsOf(where: unknown, resource: ResourceDefinition, root: string): Condition[] {
  const { conditions, problems } = parseConditions(where, resource, root);
  if (problems.length > 0) throw badInput(`${root} is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, { problems });
  return conditions;
}

/** The page a consumer asked for, checked: size, complete order, keyset position and conditions. */
interface PagePlan {
  readonly first: number;
  readonly order: readonly OrderTerm[];
  readonly orderSignature: string;
  readonly after: Position | null;
  readonly conditions: readonly Condition[];
}

function planPage(resource: ResourceDefinition, args: DataFieldArgs, ctx: RequestContext): PagePlan {
  const { services } = ctx;
  const first = args.first ?? 20;
  const maxPageSize = services.config.limits.maxPageSize;
  if (!Number.isInteger(first) || first < 0 || first > maxPageSize) {
    throw badInput(`first must be between 0 and ${maxPageSize}; ask for more pages with after`);
  }
  const order = completeOrder(resource, args);
  const orderSignature = order.map((term) => `${term.item}:${term.direction}`).join(',');
  const after = args.after ? services.cursors.decode(args.after, resource.code, orderSignature) : null;
  return { first, order, orderSignature, after, conditions: conditionsOf(args.where, resource, 'where') };
}

/** What a data field's selection asks of its resource. */
export interface DataSelection {
  /** Items selected under `nodes`. */
  readonly items: readonly string[];
  /** Referencing items whose nested related field is selected: used (so decided) and carried raw, not returned. */
  readonly references: readonly string[];
}

/** Resolves one data field: one exchange, its page as a connection with a sealed cursor. */
export async function runDataExchange(
  resource: ResourceDefinition,
  args: DataFieldArgs,
  selection: DataSelection,
  ctx: RequestContext,
): Promise<DataConnection> {
  let orderSignature = '';
  const { nodes, result } = await runExchange(
    {
      resource,
      operation: 'query',
      use: itemUse(args, [...new Set([...selection.items, ...selection.references])]),
      selected: selection.items,
      carried: selection.references,
      plan() {
        const plan = planPage(resource, args, ctx);
        orderSignature = plan.orderSignature;
        return plan;
      },
    },
    ctx,
  );
  const endCursor = result.end ? ctx.services.cursors.encode({ resource: resource.code, order: orderSignature, position: result.end }) : null;
  // A page cut short by the row quota says so through hasNextPage: the connector looked one row further.
  return { nodes, pageInfo: { hasNextPage: result.hasMore, endCursor } };
}
