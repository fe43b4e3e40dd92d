/**
 * One exchange, whatever asked for it (a data field or a related-resource
 * look-up): decide (and admit under a grant), read with push-down, mask, and
 * write the ledger record before anything is returned. Every attempt ends in
 * exactly one record: OK, DENIED or ERROR.
 */
import { randomUUID } from 'node:crypto';
import { isMeridianError, meridianError, type MeridianError } from '../../common/errors.js';
import { parseRowScope, type Condition, type OrderTerm, type ResourceDefinition } from '../../catalog/index.js';
import type { FetchResult, Position } from '../../connectors/index.js';
import { maskValue, type Decision, type ItemUse } from '../../policies/index.js';
import type { ExchangeRecord, Outcome } from '../../ledger/index.js';
import type { RequestContext } from '../context.js';
import { startExchangeTelemetry } from '../telemetry/exchangeTelemetry.js';
import { grantKey } from '../grants/grantStore.js';
import { releaseRows } from '../grants/quotaStore.js';
import { decideExchange, type RowReservation } from './decideExchange.js';

/**
 * Raw values of referencing items, kept on a returned node for its nested
 * look-ups. A symbol key: GraphQL resolves only named fields and JSON leaves
 * symbols out, so these values never reach the client.
 */
export const RAW_REFERENCES = Symbol('meridian.rawReferences');

/** A row as returned to the client (masked), with its raw reference values aside. */
export type ExchangeNode = Record<string, unknown> & { [RAW_REFERENCES]?: Readonly<Record<string, unknown>> };

/** Codes by which an upstream gateway's policies refuse an exchange. */
const UPSTREAM_DENIALS: ReadonlySet<string> = new Set(['APPLICATION_REQUIRED', 'ITEMS_NOT_GRANTED', 'GRANT_EXPIRED', 'QUOTA_EXCEEDED', 'NOT_SHARED']);

/** The read an exchange makes once allowed. */
export interface ReadPlan {
  readonly conditions: readonly Condition[];
  readonly order: readonly OrderTerm[];
  readonly after: Position | null;
  /** Rows wanted (before any row quota cuts it). */
  readonly first: number;
}

export interface ExchangeSpec {
  readonly resource: ResourceDefinition;
  /** `query` for a data field, `lookup` for related rows. */
  readonly operation: 'query' | 'lookup';
  /** How the consumer uses items, for decide(). */
  readonly use: ItemUse;
  /** Items the client receives. */
  readonly selected: readonly string[];
  /** Items whose raw values the nodes carry aside (references to follow, look-up keys). */
  readonly carried: readonly string[];
  /** Builds the read; a BAD_USER_INPUT thrown here is logged as an ERROR exchange. */
  plan(): ReadPlan;
  /** Checks what was read before it counts as delivered; throwing logs the exchange as an ERROR. */
  accept?(result: FetchResult): void;
}

export interface ExchangeResult {
  readonly nodes: ExchangeNode[];
  readonly result: FetchResult;
}

/** Runs one exchange of `spec.resource` for the request's principal. */
export async function runExchange(spec: ExchangeSpec, ctx: RequestContext): Promise<ExchangeResult> {
  const { services, principal } = ctx;
  const { resource, use, selected } = spec;
  const at = services.clock.now();
  const started = performance.now();
  const exchangeId = randomUUID();
  const decisionId = randomUUID();
  const consumerDepartment = principal.onBehalfOf ?? principal.department;
  const telemetry = startExchangeTelemetry(ctx, {
    exchangeId,
    decisionId,
    operation: spec.operation,
    resourceCode: resource.code,
    providerDepartment: resource.provider,
    consumerDepartment,
  });
  let decision: Decision | null = null;

  const record = async (outcome: Outcome, fields: Partial<ExchangeRecord>): Promise<void> => {
    const allowed = decision?.effect === 'allow' ? decision.obligations : null;
    const full: ExchangeRecord = {
      exchangeId,
      requestId: ctx.requestId,
      traceId: telemetry.traceId,
      at: at.toISOString(),
      finishedAt: services.clock.now().toISOString(),
      // The calling principal's department; for an upstream gateway, the department it asks for is onBehalfOf.
      consumerDepartment: principal.department,
      consumerApp: principal.keyId,
      onBehalfOf: principal.onBehalfOf ?? null,
      providerDepartment: resource.provider,
      resourceCode: resource.code,
      resourceVersion: resource.version,
      operation: spec.operation,
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
    try {
      await services.ledger.append(full);
    } catch (error) {
      telemetry.end(full, error);
      throw error;
    }
    telemetry.end(full);
    ctx.exchanges.push({ resource: resource.code, exchangeId, outcome, rows: full.rows });
  };

  let reservation: RowReservation | null = null;
  try {
    const plan = spec.plan();
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
    const allowed = decision;
    const read = await telemetry.within(() => fetchAndMask(spec, plan, decided.rowLimit, allowed, ctx));
    spec.accept?.(read.result);
    if (reservation) await releaseRows(services.knex, reservation.grantId, reservation.windows, reservation.rows - read.nodes.length);
    reservation = null;
    const masks = decision.obligations.masks;
    await record('OK', {
      returnedItems: selected,
      maskedItems: selected.filter((item) => masks[item] !== undefined),
      rows: read.nodes.length,
      bytes: Buffer.byteLength(JSON.stringify(read.nodes), 'utf8'),
    });
    return read;
  } catch (error) {
    // Reserved rows that were not delivered go back to the day's quota.
    if (reservation) {
      const unused = reservation;
      await releaseRows(services.knex, unused.grantId, unused.windows, unused.rows).catch((releaseError: unknown) =>
        ctx.logger.warn({ grantId: unused.grantId, err: String(releaseError) }, 'reserved quota rows not released'),
      );
    }
    // This gateway's ledger failing, or a denial already logged: nothing more to write. An upstream's
    // LEDGER_UNAVAILABLE is a source failure like any other and is logged here as an ERROR.
    const ownLedgerDown = isMeridianError(error) && error.code === 'LEDGER_UNAVAILABLE' && error.extensions.upstream !== true;
    if (ownLedgerDown || (isMeridianError(error) && error.extensions.exchangeId === exchangeId)) throw error;
    const failure = toClientError(error, ctx, exchangeId);
    // An upstream gateway's policy refusal is a denial here too, with the upstream's code.
    const deniedUpstream = failure.extensions.upstream === true && UPSTREAM_DENIALS.has(failure.code);
    await record(deniedUpstream ? 'DENIED' : 'ERROR', { errorCode: failure.code });
    throw failure;
  }
}

async function fetchAndMask(
  spec: ExchangeSpec,
  plan: ReadPlan,
  rowLimit: number,
  decision: Extract<Decision, { effect: 'allow' }>,
  ctx: RequestContext,
): Promise<ExchangeResult> {
  const { services } = ctx;
  const { resource, selected, carried } = spec;
  const { conditions: scope, problems } = parseRowScope(decision.obligations.rowScope, resource);
  // A grant's row scope that no longer fits the resource must never widen into "all rows".
  if (problems.length > 0) throw new Error(`row scope of grant ${decision.obligations.grantId} no longer fits resource ${resource.code}`);
  const connector = services.connectors.get(resource.source.connector);
  if (!connector) throw meridianError('CONNECTOR_UNAVAILABLE', { resource: resource.code });
  const columns = [...new Set([...decision.obligations.items, ...carried, ...plan.order.map((term) => term.item)])];
  const [result] = await connector.fetch(
    [{ resource, select: columns, conditions: [...plan.conditions, ...scope], order: plan.order, first: rowLimit, after: plan.after }],
    { signal: ctx.signal, onBehalfOf: ctx.principal.onBehalfOf ?? ctx.principal.department, requestId: ctx.requestId },
  );
  if (!result) throw meridianError('CONNECTOR_BAD_RESPONSE', { resource: resource.code, path: '(result)' });

  const types = new Map(resource.items.map((item) => [item.name, item.type]));
  const masks = decision.obligations.masks;
  const nodes = result.rows.map((row) => {
    const node: ExchangeNode = {};
    for (const item of selected) {
      const mask = masks[item];
      const value = row[item] ?? null;
      node[item] = mask ? maskValue(value, mask, types.get(item)!, services.maskSecret) : value;
    }
    if (carried.length > 0) node[RAW_REFERENCES] = Object.fromEntries(carried.map((item) => [item, row[item] ?? null]));
    return node;
  });
  return { nodes, result };
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
