/**
 * One exchange: a data field resolved for one consumer. Decide, fetch with
 * push-down, mask, and write the ledger record before anything is returned.
 * Every attempt ends in exactly one record: OK, DENIED or ERROR.
 */
import { randomUUID } from 'node:crypto';
import { badInput, isMeridianError, meridianError, type MeridianError } from '../../common/errors.js';
import { keyItems, parseConditions, parseRowScope, type Condition, type OrderTerm, type ResourceDefinition } from '../../catalog/index.js';
import { maskValue, type Decision, type ItemUse } from '../../policies/index.js';
import type { ExchangeRecord, Outcome } from '../../ledger/index.js';
import type { RequestContext } from '../context.js';
import type { Position } from '../../connectors/index.js';
import { grantKey } from '../grants/grantStore.js';
import { releaseRows } from '../grants/quotaStore.js';
import { decideExchange, type RowReservation } from './decideExchange.js';

/** Arguments of a data field, as GraphQL parsed them. */
export interface DataFieldArgs {
  readonly where?: Readonly<Record<string, Readonly<Record<string, unknown>> | null>> | null;
  readonly orderBy?: readonly { readonly field: string; readonly direction?: 'ASC' | 'DESC' | null }[] | null;
  readonly first?: number | null;
  readonly after?: string | null;
}

export interface DataConnection {
  readonly nodes: Readonly<Record<string, unknown>>[];
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

/** The page a consumer asked for, checked: size, complete order and keyset position. */
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

/** Runs one exchange of `resource` for the request's principal. */
export async function runDataExchange(
  resource: ResourceDefinition,
  args: DataFieldArgs,
  selected: readonly string[],
  ctx: RequestContext,
): Promise<DataConnection> {
  const { services, principal } = ctx;
  const at = services.clock.now();
  const started = performance.now();
  const exchangeId = randomUUID();
  const decisionId = randomUUID();
  const use = itemUse(args, selected);
  const consumerDepartment = principal.onBehalfOf ?? principal.department;
  let decision: Decision | null = null;

  const record = async (outcome: Outcome, fields: Partial<ExchangeRecord>): Promise<void> => {
    const allowed = decision?.effect === 'allow' ? decision.obligations : null;
    const full: ExchangeRecord = {
      exchangeId,
      requestId: ctx.requestId,
      traceId: null,
      at: at.toISOString(),
      finishedAt: services.clock.now().toISOString(),
      // The calling principal's department; for an upstream gateway, the department it asks for is onBehalfOf.
      consumerDepartment: principal.department,
      consumerApp: principal.keyId,
      onBehalfOf: principal.onBehalfOf ?? null,
      providerDepartment: resource.provider,
      resourceCode: resource.code,
      resourceVersion: resource.version,
      operation: 'query',
      items: allowed ? allowed.items : requestedItems(use),
      returnedItems: [],
      maskedItems: [],
      rows: 0,
      bytes: 0,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      outcome,
      errorCode: null,
      decisionId,
      // A denial tied to a grant (quota used up, grant ended, items outside it) names it too.
      grantId: allowed ? allowed.grantId : deniedGrantId(decision),
      ...fields,
    };
    // Throws LEDGER_UNAVAILABLE when the record cannot be written: then nothing is returned.
    await services.ledger.append(full);
    ctx.exchanges.push({ resource: resource.code, exchangeId, outcome, rows: full.rows });
  };

  let reservation: RowReservation | null = null;
  try {
    const plan = planPage(resource, args, ctx);
    const decided = await decideExchange(services.knex, {
      decisionId,
      principal,
      resource,
      use,
      grants: ctx.grants.get(grantKey(consumerDepartment, resource.code)) ?? [],
      now: at,
      wantRows: plan.first,
      timeZone: services.config.timeZone,
    });
    decision = decided.decision;
    reservation = decided.reservation;
    if (decision.effect === 'deny') {
      const denied = decision;
      await record('DENIED', { errorCode: denied.code });
      throw denialError(denied, exchangeId);
    }
    const result = await fetchAndMask(resource, plan, decided.rowLimit, selected, decision, ctx);
    if (reservation) await releaseRows(services.knex, reservation.grantId, reservation.windows, reservation.rows - result.nodes.length);
    reservation = null;
    const bytes = Buffer.byteLength(JSON.stringify(result.nodes), 'utf8');
    const masks = decision.obligations.masks;
    await record('OK', {
      returnedItems: selected,
      maskedItems: selected.filter((item) => masks[item] !== undefined),
      rows: result.nodes.length,
      bytes,
    });
    return result;
  } catch (error) {
    // Reserved rows that were not delivered go back to the day's quota.
    if (reservation) {
      const unused = reservation;
      await releaseRows(services.knex, unused.grantId, unused.windows, unused.rows).catch((releaseError: unknown) =>
        ctx.logger.warn({ grantId: unused.grantId, err: String(releaseError) }, 'reserved quota rows not released'),
      );
    }
    if (isMeridianError(error) && (error.code === 'LEDGER_UNAVAILABLE' || error.extensions.exchangeId === exchangeId)) throw error;
    const failure = toClientError(error, ctx, exchangeId);
    await record('ERROR', { errorCode: failure.code });
    throw failure;
  }
}

async function fetchAndMask(
  resource: ResourceDefinition,
  plan: PagePlan,
  rowLimit: number,
  selected: readonly string[],
  decision: Extract<Decision, { effect: 'allow' }>,
  ctx: RequestContext,
): Promise<DataConnection> {
  const { services } = ctx;
  const { conditions: scope, problems } = parseRowScope(decision.obligations.rowScope, resource);
  // A grant's row scope that no longer fits the resource must never widen into "all rows".
  if (problems.length > 0) throw new Error(`row scope of grant ${decision.obligations.grantId} no longer fits resource ${resource.code}`);
  const connector = services.connectors.get(resource.source.connector);
  if (!connector) throw meridianError('CONNECTOR_UNAVAILABLE', { resource: resource.code });
  const columns = [...new Set([...decision.obligations.items, ...plan.order.map((term) => term.item)])];
  const [result] = await connector.fetch(
    [{ resource, select: columns, conditions: [...plan.conditions, ...scope], order: plan.order, first: rowLimit, after: plan.after }],
    { signal: ctx.signal, onBehalfOf: ctx.principal.onBehalfOf ?? ctx.principal.department, requestId: ctx.requestId },
  );
  if (!result) throw meridianError('CONNECTOR_BAD_RESPONSE', { resource: resource.code, path: '(result)' });

  const types = new Map(resource.items.map((item) => [item.name, item.type]));
  const masks = decision.obligations.masks;
  const nodes = result.rows.map((row) => {
    const node: Record<string, unknown> = {};
    for (const item of selected) {
      const mask = masks[item];
      const value = row[item] ?? null;
      node[item] = mask ? maskValue(value, mask, types.get(item)!, services.maskSecret) : value;
    }
    return node;
  });
  const endCursor = result.end ? services.cursors.encode({ resource: resource.code, order: plan.orderSignature, position: result.end }) : null;
  // A page cut short by the row quota says so through hasNextPage: the connector looked one row further.
  return { nodes, pageInfo: { hasNextPage: result.hasMore, endCursor } };
}

function deniedGrantId(decision: Decision | null): string | null {
  const grantId = decision?.effect === 'deny' ? decision.params.grantId : null;
  return typeof grantId === 'string' ? grantId : null;
}

function requestedItems(use: ItemUse): string[] {
  return [...new Set([...use.selected, ...Object.keys(use.filtered), ...use.ordered])];
}

/** The client-visible error of a denial, carrying its decisionId and what to do. */
function denialError(decision: Extract<Decision, { effect: 'deny' }>, exchangeId: string): MeridianError {
  return meridianError(decision.code, decision.params, {
    decisionId: decision.decisionId,
    exchangeId,
    reason: decision.reason,
    ...(decision.action ? { action: decision.action } : {}),
    ...decision.extensions,
  });
}

/** Catalog errors pass through; anything else becomes INTERNAL with an id the log holds. */
function toClientError(error: unknown, ctx: RequestContext, exchangeId: string): MeridianError {
  if (isMeridianError(error)) return error;
  const errorId = randomUUID();
  ctx.logger.error({ errorId, exchangeId, err: error instanceof Error ? error.message : String(error) }, 'exchange failed');
  return meridianError('INTERNAL', { errorId }, { errorId, exchangeId });
}
