/**
 * The GATEWAY connector (federation): a resource served by another Meridian,
 * a city gateway asking its province or the nation. Each read is one GraphQL
 * query of the upstream's data plane, made with this gateway's GATEWAY key on
 * behalf of the local consumer department, so the upstream decides by its own
 * grants, masks by its own rules and logs the exchange itself. Values arrive
 * masked as the upstream masks them; the local gateway may mask further.
 */
import { keyItems, type ItemType, type ResourceDefinition } from '../../catalog/model.js';
import { toWireValue } from '../../catalog/conditions.js';
import { badInput, isMeridianError, meridianError, validationFailed, type MeridianError, type Problem } from '../../common/errors.js';
import { assertValid, findProblems, joinPath } from '../../common/validation.js';
import type {
  Connector,
  ConnectorContext,
  ConnectorFactory,
  ConnectorState,
  ConnectorStatus,
  FetchOptions,
  FetchRequest,
  FetchResult,
  OrderTerm,
} from '../Connector.js';
import type { HttpOutcome } from '../fetchWithRetry.js';
import { linkSignals } from '../linkSignals.js';
import { returnedItems } from '../returnedItems.js';
import {
  DEFAULT_UPSTREAM_PAGE_SIZE,
  gatewayBindingProblems,
  gatewayBindingSchema,
  gatewayConfigProblems,
  gatewayConfigSchema,
  upstreamName,
  type GatewayBinding,
  type GatewayConfig,
} from './gatewaySchemas.js';
import { postUpstream, type UpstreamCall } from './postUpstream.js';
import { dataQuery, STATUS_QUERY } from './upstreamQuery.js';
import { badResponse, firstGraphQLError, keyRefused, translateUpstreamError, type ReadFacts } from './upstreamErrors.js';
import { upstreamWhere, type UpstreamWhere } from './upstreamWhere.js';

/** The GATEWAY connector factory. */
export const upstreamConnector: ConnectorFactory = Object.freeze({
  kind: 'GATEWAY',
  configSchema: gatewayConfigSchema,
  bindingSchema: gatewayBindingSchema,
  bindingProblems: gatewayBindingProblems,
  configProblems: gatewayConfigProblems,
  create: createUpstreamConnector,
});

/** A resource's binding, resolved: the upstream field, and each item's type and upstream name. */
interface BoundResource {
  readonly binding: GatewayBinding;
  readonly types: ReadonlyMap<string, ItemType>;
  /** Upstream item name to local item name. */
  readonly localNames: ReadonlyMap<string, string>;
}

/** One returned item: its local name and type, and the upstream item it is read from. */
interface ReadItem {
  readonly name: string;
  readonly type: ItemType;
  readonly upstream: string;
}

/** A request ready to send. */
interface PlannedRead {
  readonly request: FetchRequest;
  readonly facts: ReadFacts;
  readonly items: readonly ReadItem[];
  /** The upstream `where`; null when the conditions can match no row; {} when there are none. */
  readonly where: UpstreamWhere | null;
  readonly orderBy: readonly { readonly field: string; readonly direction: 'ASC' | 'DESC' }[];
  readonly query: string;
  /** The upstream's endCursor the read starts after. */
  readonly after: string | null;
}

/** The reads of one fetch call: their shared signal, the caller's options, and the error of an abort. */
interface Batch {
  readonly signal: AbortSignal;
  readonly options: FetchOptions;
  abortError(resource: string): MeridianError;
}

/** One upstream page, checked and in wire form. */
interface UpstreamPage {
  readonly rows: Record<string, unknown>[];
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

/**
 * Creates a GATEWAY connector. Throws VALIDATION_FAILED when `config` does not
 * match gatewayConfigSchema, its host is not on the allow-list, or its secret
 * is not configured.
 */
export function createUpstreamConnector(id: string, config: Readonly<Record<string, unknown>>, context: ConnectorContext): Connector {
  const what = `Connector ${id}`;
  assertValid(gatewayConfigSchema, config, what, 'config');
  const settings = config as unknown as GatewayConfig;
  const problems = gatewayConfigProblems(settings, context.settings).map((p) => ({ ...p, path: joinPath('config', p.path) }));
  const key = context.secret(settings.auth.secret);
  if (key === undefined && !problems.some((p) => p.path === 'config.auth.secret')) {
    problems.push({ path: 'config.auth.secret', message: 'names no secret configured on this gateway' });
  }
  if (problems.length > 0 || key === undefined) throw validationFailed(what, problems);

  const timeoutMs = settings.requestTimeoutMs ?? context.settings.timeoutMs;
  const pageSize = settings.maxPageSize ?? DEFAULT_UPSTREAM_PAGE_SIZE;
  const logger = context.logger.child({ connector: id, kind: 'GATEWAY' });
  const boundResources = new WeakMap<ResourceDefinition, BoundResource>();
  let lifetime: AbortController | null = null;
  let current: ConnectorStatus = Object.freeze({ state: 'NOT_READY', message: null });

  const setStatus = (state: ConnectorState, message: string | null): void => {
    if (lifetime) current = Object.freeze({ state, message });
  };

  const bind = (resource: ResourceDefinition): BoundResource => {
    let bound = boundResources.get(resource);
    if (!bound) {
      bound = bindResource(resource, (found) => {
        logger.error({ resource: resource.code, problems: found }, 'resource binding does not fit this connector');
        return meridianError('CONNECTOR_BAD_RESPONSE', { resource: resource.code, timeoutMs, path: found[0]!.path });
      });
      boundResources.set(resource, bound);
    }
    return bound;
  };

  const call = (query: string, variables: Record<string, unknown>, signal: AbortSignal, options: FetchOptions | null, retries: number) =>
    postUpstream({
      url: settings.url,
      key,
      onBehalfOf: options?.onBehalfOf ?? null,
      requestId: options?.requestId ?? null,
      query,
      variables,
      timeoutMs,
      retries,
      signal,
    } satisfies UpstreamCall);

  /** Turns a call without an answer into its catalog error (and the connector state it implies). */
  const failure = (outcome: Exclude<HttpOutcome, { kind: 'answer' }>, read: PlannedRead, batch: Batch): MeridianError => {
    const resource = read.facts.resource;
    switch (outcome.kind) {
      case 'aborted':
        return batch.abortError(resource);
      case 'timeout':
        logger.warn({ resource, timeoutMs }, 'upstream gateway did not answer in time');
        return meridianError('CONNECTOR_TIMEOUT', { resource, timeoutMs });
      case 'connection':
        logger.warn({ resource, error: outcome.errno }, 'upstream gateway unreachable');
        setStatus('ERROR', `The upstream gateway did not answer (${outcome.errno})`);
        return meridianError('CONNECTOR_UNAVAILABLE', { resource, timeoutMs });
    }
  };

  /** Reads one page of `read` from the upstream. */
  const readPage = async (read: PlannedRead, first: number, after: string | null, batch: Batch): Promise<UpstreamPage> => {
    const variables: Record<string, unknown> = { first, after };
    if (read.where && Object.keys(read.where).length > 0) variables.where = read.where;
    if (read.orderBy.length > 0) variables.orderBy = read.orderBy;
    const outcome = await call(read.query, variables, batch.signal, batch.options, context.settings.httpRetries);
    if (outcome.kind !== 'answer') throw failure(outcome, read, batch);
    const { status, text } = outcome;
    const resource = read.facts.resource;
    if (status === 401) {
      logger.warn({ resource, status }, 'upstream gateway refused the key');
      setStatus('ERROR', "The upstream gateway refused this gateway's key (HTTP 401)");
      throw keyRefused(read.facts, 'HTTP 401');
    }
    if (status >= 500) {
      logger.warn({ resource, status }, 'upstream gateway failed');
      setStatus('ERROR', `The upstream gateway answered HTTP ${status}`);
      throw meridianError('CONNECTOR_UNAVAILABLE', { resource, timeoutMs });
    }
    const body = parseJson(text);
    if (body === undefined) throw badResponse(read.facts, '(body)');
    if (isRecord(body) && Array.isArray(body.errors) && body.errors.length > 0) {
      const upstream = firstGraphQLError(body.errors);
      const error = translateUpstreamError(upstream, read.facts);
      // The upstream's own decisions are routine; an answer translated into a connector error needs an operator.
      const facts = { resource, status, upstreamCode: upstream.code, code: error.code };
      if (error.code === upstream.code) logger.debug(facts, 'upstream gateway answered an error');
      else logger.warn({ ...facts, upstreamMessage: upstream.message }, 'upstream gateway answer translated into a connector error');
      if (error.extensions.keyRefused === true) setStatus('ERROR', `The upstream gateway refused this gateway's key (${upstream.code})`);
      else setStatus('OK', null);
      throw error;
    }
    if (status !== 200) throw badResponse(read.facts, '(status)');
    const page = readConnection(body, read, first);
    setStatus('OK', null);
    return page;
  };

  /** Reads `read` completely: page after page of at most the upstream's page size, until `first` rows or the end. */
  const readAll = async (read: PlannedRead, batch: Batch): Promise<FetchResult> => {
    if (read.where === null) return { rows: [], hasMore: false, end: null };
    const rows: Record<string, unknown>[] = [];
    let after = read.after;
    let end: string | null = null;
    for (;;) {
      const wanted = read.request.first - rows.length;
      const page = await readPage(read, Math.min(wanted, pageSize), after, batch);
      rows.push(...page.rows);
      if (page.rows.length > 0) end = page.endCursor;
      after = page.endCursor;
      const more = page.hasNextPage;
      // An empty page ends the read even when the upstream says more follow (a quota cut it short).
      if (!more || page.rows.length === 0 || rows.length >= read.request.first) {
        return { rows, hasMore: more, end: end === null ? null : { kind: 'token', token: end } };
      }
    }
  };

  return {
    id,
    kind: 'GATEWAY',
    async start() {
      lifetime ??= new AbortController();
      const outcome = await call(STATUS_QUERY, {}, lifetime.signal, null, 0);
      setStatus(...startState(outcome, settings.auth.secret, timeoutMs));
      if (current.state === 'ERROR') logger.warn({ message: current.message }, 'upstream gateway failed the start check');
    },
    async stop() {
      // Calls in flight are cut: a stopped connector serves nothing.
      lifetime?.abort();
      lifetime = null;
      current = Object.freeze({ state: 'NOT_READY', message: null });
    },
    status: () => current,
    async fetch(requests, options) {
      if (requests.length === 0) return [];
      const reads = requests.map((request) => planRead(request, bind(request.resource), timeoutMs));
      const running = lifetime;
      if (!running) throw meridianError('CONNECTOR_UNAVAILABLE', { resource: requests[0]!.resource.code, timeoutMs });
      // One failed read fails the batch: the others are cut rather than left running.
      const linked = linkSignals([options.signal, running.signal]);
      const batch: Batch = {
        signal: linked.controller.signal,
        options,
        abortError(resource) {
          // The gateway's reason (a guard's timeout error) says why it stopped waiting; a stopped connector is unavailable.
          const reason: unknown = options.signal.aborted ? options.signal.reason : null;
          if (isMeridianError(reason)) return reason;
          if (running.signal.aborted) return meridianError('CONNECTOR_UNAVAILABLE', { resource, timeoutMs });
          return meridianError('CONNECTOR_TIMEOUT', { resource, timeoutMs });
        },
      };
      try {
        return await Promise.all(reads.map((read) => readAll(read, batch)));
      } catch (error) {
        linked.controller.abort();
        throw error;
      } finally {
        linked.release();
      }
    },
  };
}

/** The state and message of the start check's outcome; never the key. */
function startState(outcome: HttpOutcome, secretName: string, timeoutMs: number): [ConnectorState, string | null] {
  switch (outcome.kind) {
    case 'aborted':
      return ['NOT_READY', null];
    case 'timeout':
      return ['ERROR', `The upstream gateway did not answer within ${timeoutMs} ms`];
    case 'connection':
      return ['ERROR', `The upstream gateway did not answer (${outcome.errno})`];
    case 'answer': {
      if (outcome.status === 401) return ['ERROR', "The upstream gateway refused this gateway's key (HTTP 401)"];
      const body = parseJson(outcome.text);
      const me = isRecord(body) && isRecord(body.data) && isRecord(body.data.me) ? body.data.me : null;
      if (outcome.status !== 200 || !me || !Array.isArray(me.roles)) {
        return ['ERROR', `The upstream gateway answered the start check unexpectedly (HTTP ${outcome.status})`];
      }
      if (!me.roles.includes('GATEWAY')) {
        return ['ERROR', `The key in secret ${secretName} does not hold the GATEWAY role at the upstream gateway`];
      }
      return ['OK', null];
    }
  }
}

/** Resolves a resource's binding for this connector; `invalid` makes the error for a binding that does not fit. */
function bindResource(resource: ResourceDefinition, invalid: (problems: Problem[]) => Error): BoundResource {
  const binding: unknown = resource.source.binding;
  const problems = [
    ...findProblems(gatewayBindingSchema, binding, 'binding'),
    ...gatewayBindingProblems(binding, resource.items).map((p) => ({ ...p, path: joinPath('binding', p.path) })),
  ];
  if (problems.length > 0) throw invalid(problems);
  const bound = binding as GatewayBinding;
  return Object.freeze({
    binding: bound,
    types: new Map(resource.items.map((item) => [item.name, item.type])),
    localNames: new Map(resource.items.map((item) => [upstreamName(bound, item.name), item.name])),
  });
}

/**
 * Checks a request against its resource (items known, the position an
 * upstream cursor) and prepares its upstream query, variables and `where`.
 */
function planRead(request: FetchRequest, bound: BoundResource, timeoutMs: number): PlannedRead {
  const code = request.resource.code;
  const { binding } = bound;
  const typeOf = (item: string): ItemType => {
    const type = bound.types.get(item);
    if (!type) throw badInput(`${item} is not an item of ${code}`);
    return type;
  };
  const items = returnedItems(request).map((name) => ({ name, type: typeOf(name), upstream: upstreamName(binding, name) }));
  const where = upstreamWhere(request.conditions, typeOf, (item) => upstreamName(binding, item));
  const orderBy = upstreamOrder(request.order, request.resource).map((term) => {
    typeOf(term.item);
    return { field: upstreamName(binding, term.item), direction: term.direction };
  });
  let after: string | null = null;
  if (request.after !== null) {
    // A keyset position comes from another kind of source: this one pages with the upstream's own cursors.
    if (request.after.kind !== 'token') throw badInput(`The cursor does not fit this order of ${code}; ask again without after`);
    after = request.after.token;
  }
  const query = dataQuery({
    apiName: binding.apiName,
    items: items.map((item) => item.upstream),
    where: where !== null && Object.keys(where).length > 0,
    orderBy: orderBy.length > 0,
  });
  const facts: ReadFacts = {
    resource: code,
    apiName: binding.apiName,
    timeoutMs,
    localItem: (upstream) => bound.localNames.get(upstream) ?? upstream,
  };
  return { request, facts, items, where, orderBy, query, after };
}

/**
 * The order terms the upstream is sent: the request's order without its
 * trailing key items ascending. The upstream appends its own key items
 * ascending as tie-breakers, the same items when the local resource mirrors
 * the upstream's; asking for them explicitly would count as ordering by them,
 * which the upstream refuses for an item it masks (an ID number).
 */
function upstreamOrder(order: readonly OrderTerm[], resource: ResourceDefinition): readonly OrderTerm[] {
  const keys = new Set(keyItems(resource).map((item) => item.name));
  let kept = order.length;
  while (kept > 0 && order[kept - 1]!.direction === 'ASC' && keys.has(order[kept - 1]!.item)) kept--;
  return order.slice(0, kept);
}

/**
 * Checks the `data.data.<apiName>` connection of an answer and converts its
 * nodes to rows keyed by local item names, each value checked against its
 * item's type. Throws CONNECTOR_BAD_RESPONSE with the path of the first misfit.
 */
function readConnection(body: unknown, read: PlannedRead, first: number): UpstreamPage {
  const root = `data.data.${read.facts.apiName}`;
  const data = isRecord(body) && isRecord(body.data) && isRecord(body.data.data) ? body.data.data : null;
  const connection = data && isRecord(data[read.facts.apiName]) ? (data[read.facts.apiName] as Record<string, unknown>) : null;
  if (!connection) throw badResponse(read.facts, root);
  const { nodes, pageInfo } = connection;
  if (!Array.isArray(nodes) || nodes.length > first) throw badResponse(read.facts, `${root}.nodes`);
  if (!isRecord(pageInfo) || typeof pageInfo.hasNextPage !== 'boolean') throw badResponse(read.facts, `${root}.pageInfo`);
  const endCursor = pageInfo.endCursor;
  // Rows need the cursor after them: the next page, and the local consumer's cursor, start there.
  if (!(typeof endCursor === 'string' || (endCursor === null && nodes.length === 0))) {
    throw badResponse(read.facts, `${root}.pageInfo.endCursor`);
  }
  const rows = nodes.map((node: unknown, index) => {
    const at = joinPath(`${root}.nodes`, index);
    if (!isRecord(node)) throw badResponse(read.facts, at);
    const row: Record<string, unknown> = {};
    for (const item of read.items) {
      const value = Object.hasOwn(node, item.upstream) ? fromUpstream(node[item.upstream], item.type) : undefined;
      if (value === undefined) throw badResponse(read.facts, joinPath(at, item.upstream));
      row[item.name] = value;
    }
    return row;
  });
  return { rows, hasNextPage: pageInfo.hasNextPage, endCursor: endCursor as string | null };
}

/** A value of the upstream's scalars in wire form; undefined when it does not fit `type`. */
function fromUpstream(value: unknown, type: ItemType): unknown {
  if (value === null) return null;
  switch (type) {
    case 'BINARY':
      return typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value) ? value : undefined;
    case 'DECIMAL':
    case 'MONEY':
      // The Decimal scalar is a string; a JSON number could already have lost digits.
      return typeof value === 'string' ? toWireValue(value, type) : undefined;
    default:
      return toWireValue(value, type);
  }
}

/** The JSON of an answer's body; undefined when there is none (see postUpstream) or it is not JSON. */
function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
