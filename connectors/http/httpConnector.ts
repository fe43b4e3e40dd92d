/**
 * The HTTP connector: reads a resource's rows from its provider department's
 * HTTP/JSON API. Every URL is the configured base URL plus a path of the
 * binding; consumer values only ever travel as encoded query parameter
 * values. Filters the API offers are pushed down, the rest (and, as a check,
 * the pushed ones too) are applied by the gateway, within a cap on rows read.
 */
import type { ItemType, ResourceDefinition } from '../../catalog/model.js';
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
} from '../Connector.js';
import { keysetValues } from '../keysetValues.js';
import { linkSignals } from '../linkSignals.js';
import { returnedItems } from '../returnedItems.js';
import { applyInMemory } from './applyInMemory.js';
import { fetchJson, type CallFailure } from './fetchJson.js';
import {
  httpBindingProblems,
  httpBindingSchema,
  httpConfigProblems,
  httpConfigSchema,
  type HttpBinding,
  type HttpConfig,
} from './httpSchemas.js';
import { pointerSegments } from './jsonPointer.js';
import { planSourceRead } from './planSourceRead.js';
import { readRows, type ResponseShape, type WireItem, type WireRow } from './readRows.js';

/** A request id travels to the API only when it is a plain header value. */
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** The HTTP connector factory. */
export const httpConnector: ConnectorFactory = Object.freeze({
  kind: 'HTTP',
  configSchema: httpConfigSchema,
  bindingSchema: httpBindingSchema,
  bindingProblems: httpBindingProblems,
  configProblems: httpConfigProblems,
  create: createHttpConnector,
});

/** One endpoint of a binding, resolved: its URL, its static query, where values sit in its answers. */
interface BoundEndpoint {
  readonly url: URL;
  readonly query: Readonly<Record<string, string>>;
  readonly shape: ResponseShape;
}

/** A resource's binding, resolved. */
interface BoundApi {
  readonly binding: HttpBinding;
  readonly list: BoundEndpoint;
  readonly byKeys: (BoundEndpoint & { readonly param: string }) | null;
  readonly types: ReadonlyMap<string, ItemType>;
}

/** One endpoint call as the log and errors name it. */
interface Endpoint {
  readonly name: 'list' | 'byKeys';
  readonly url: URL;
}

/**
 * Creates an HTTP connector. Throws VALIDATION_FAILED when `config` does not
 * match httpConfigSchema, names a host outside the allow-list or a secret this
 * gateway does not hold, so that a config edited in the database cannot bypass
 * the checks of registration.
 */
export function createHttpConnector(id: string, config: Readonly<Record<string, unknown>>, context: ConnectorContext): Connector {
  const what = `Connector ${id}`;
  assertValid(httpConfigSchema, config, what, 'config');
  const settings = config as unknown as HttpConfig;
  const problems = httpConfigProblems(settings, context.settings).map((p) => ({ ...p, path: joinPath('config', p.path) }));
  const secret = settings.auth ? context.secret(settings.auth.secret) : undefined;
  if (settings.auth && secret === undefined && !problems.some((p) => p.path === 'config.auth.secret')) {
    problems.push({ path: 'config.auth.secret', message: 'names no secret configured on this gateway' });
  }
  const headers = problems.length === 0 ? buildHeaders(settings, secret, problems) : null;
  if (!headers || problems.length > 0) throw validationFailed(what, problems);

  const baseUrl = new URL(settings.baseUrl);
  const timeoutMs = settings.requestTimeoutMs ?? context.settings.timeoutMs;
  const retries = settings.retries ?? context.settings.httpRetries;
  const maxScanRows = settings.maxScanRows ?? context.settings.maxScanRows;
  const logger = context.logger.child({ connector: id, kind: 'HTTP' });
  const boundApis = new WeakMap<ResourceDefinition, BoundApi>();
  let lifetime: AbortController | null = null;
  let current: ConnectorStatus = Object.freeze({ state: 'NOT_READY', message: null });

  const setStatus = (state: ConnectorState, message: string | null): void => {
    current = Object.freeze({ state, message });
  };

  const bind = (resource: ResourceDefinition): BoundApi => {
    let bound = boundApis.get(resource);
    if (!bound) {
      bound = bindResource(resource, baseUrl, (problems) => {
        logger.error({ resource: resource.code, problems }, 'resource binding does not fit this connector');
        return meridianError('CONNECTOR_BAD_RESPONSE', { resource: resource.code, path: problems[0]!.path });
      });
      boundApis.set(resource, bound);
    }
    return bound;
  };

  /** GETs one endpoint; a failure becomes its catalog error, and an unavailable API the connector's state. */
  const getJson = async (endpoint: Endpoint, resource: string, options: FetchOptions, signal: AbortSignal): Promise<unknown> => {
    const started = Date.now();
    const callHeaders = new Headers(headers);
    if (REQUEST_ID.test(options.requestId)) callHeaders.set('x-request-id', options.requestId);
    const outcome = await fetchJson({
      url: endpoint.url,
      headers: callHeaders,
      timeoutMs,
      retries,
      signal,
      onRetry: (failure, attempt, delayMs) =>
        logger.info({ resource, endpoint: endpoint.name, path: endpoint.url.pathname, attempt, delayMs, ...failureFacts(failure) }, 'department API call failed; retrying'),
    });
    if (outcome.ok) {
      if (lifetime && current.state !== 'OK') setStatus('OK', null);
      return outcome.body;
    }
    const { failure, attempts } = outcome;
    // An abandoned call says nothing about the API: whoever aborted it knows why.
    if (failure.kind !== 'aborted') {
      logger.warn(
        { resource, endpoint: endpoint.name, path: endpoint.url.pathname, attempts, durationMs: Date.now() - started, ...failureFacts(failure) },
        'department API call failed',
      );
      const unavailable = unavailableMessage(failure);
      if (unavailable !== null && lifetime) setStatus('ERROR', unavailable);
    }
    throw failureError(failure, resource, timeoutMs, endpoint.name);
  };

  /** The rows of one request as the API holds them, read through the planned endpoint within maxScanRows. */
  const readSource = async (
    request: FetchRequest,
    bound: BoundApi,
    items: readonly WireItem[],
    options: FetchOptions,
    signal: AbortSignal,
  ): Promise<WireRow[]> => {
    const resource = request.resource.code;
    const plan = planSourceRead(request.conditions, bound.binding);
    const rows: WireRow[] = [];
    const take = (page: readonly WireRow[]): void => {
      rows.push(...page);
      if (rows.length > maxScanRows) {
        logger.info({ resource, endpoint: plan.endpoint, maxScanRows }, 'read stopped at the scan cap');
        throw scanCapError(bound.binding, maxScanRows);
      }
    };
    if (plan.endpoint === 'byKeys') {
      const byKeys = bound.byKeys!;
      for (const keys of plan.keyParams) {
        const url = withParams(byKeys, [[byKeys.param, keys]]);
        take(readRows(await getJson({ name: 'byKeys', url }, resource, options, signal), byKeys.shape, items, resource));
      }
      return rows;
    }
    const paging = bound.binding.paging ?? { kind: 'none' };
    for (let page = 0; ; page++) {
      const params: (readonly [string, string])[] = [...plan.params];
      if (paging.kind === 'offset') params.push([paging.limitParam, String(paging.pageSize)], [paging.offsetParam, String(rows.length)]);
      if (paging.kind === 'page') params.push([paging.pageParam, String((paging.firstPage ?? 1) + page)], [paging.sizeParam, String(paging.pageSize)]);
      const url = withParams(bound.list, params);
      const found = readRows(await getJson({ name: 'list', url }, resource, options, signal), bound.list.shape, items, resource);
      take(found);
      // A short page is the last one; an API that ignores paging ends at the scan cap.
      if (paging.kind === 'none' || found.length < paging.pageSize) return rows;
    }
  };

  const fetchOne = async (request: FetchRequest, options: FetchOptions, signal: AbortSignal): Promise<FetchResult> => {
    const bound = bind(request.resource);
    const typeOf = (item: string): ItemType => typeOrBadInput(bound, item, request.resource.code);
    const returned = returnedItems(request);
    const needed = [...new Set([...returned, ...request.conditions.map((condition) => condition.item)])];
    const items = needed.map((name) => ({ name, type: typeOf(name) }));
    const after = keysetValues(request, typeOf);
    // An empty `in` matches nothing: no call needed.
    if (request.conditions.some((c) => c.op === 'in' && (c.value as readonly unknown[]).length === 0)) {
      return { rows: [], hasMore: false, end: null };
    }
    const rows = await readSource(request, bound, items, options, signal);
    return applyInMemory(rows, { conditions: request.conditions, order: request.order, after, first: request.first, returned }, bound.types);
  };

  return {
    id,
    kind: 'HTTP',
    async start() {
      lifetime ??= new AbortController();
      const outcome = await fetchJson({ url: baseUrl, headers: new Headers(headers), timeoutMs, retries: 0, signal: lifetime.signal });
      // Stopped while the check ran.
      if (!lifetime) return;
      if (outcome.ok) return setStatus('OK', null);
      // Any answer but a refusal or a server error shows the API reachable: the base URL need not be an endpoint.
      const problem = unavailableMessage(outcome.failure) ?? timeoutMessage(outcome.failure, timeoutMs);
      if (problem !== null) logger.warn({ path: baseUrl.pathname, ...failureFacts(outcome.failure) }, 'department API did not pass the start check');
      setStatus(problem === null ? 'OK' : 'ERROR', problem);
    },
    async stop() {
      const ending = lifetime;
      lifetime = null;
      setStatus('NOT_READY', null);
      // Calls in flight end as CONNECTOR_UNAVAILABLE.
      ending?.abort();
    },
    status: () => current,
    async fetch(requests, options) {
      if (requests.length === 0) return [];
      if (!lifetime) throw meridianError('CONNECTOR_UNAVAILABLE', { resource: requests[0]!.resource.code });
      // One failed request fails the batch: the others' calls are cancelled rather than left running.
      const batch = linkSignals([options.signal, lifetime.signal]);
      try {
        return await Promise.all(
          requests.map((request) =>
            fetchOne(request, options, batch.controller.signal).catch((error: unknown) => {
              batch.controller.abort(error);
              throw error;
            }),
          ),
        );
      } finally {
        batch.release();
      }
    },
  };
}

/** Resolves a resource's binding for this connector; `invalid` makes the error for a binding that does not fit. */
function bindResource(resource: ResourceDefinition, baseUrl: URL, invalid: (problems: Problem[]) => Error): BoundApi {
  const binding: unknown = resource.source.binding;
  const problems = [
    ...findProblems(httpBindingSchema, binding, 'binding'),
    ...httpBindingProblems(binding, resource.items).map((p) => ({ ...p, path: joinPath('binding', p.path) })),
  ];
  if (problems.length > 0) throw invalid(problems);
  const bound = binding as HttpBinding;
  const fields = new Map(Object.entries(bound.fields).map(([item, pointer]) => [item, pointerSegments(pointer)]));
  const endpoint = (path: string, query: Readonly<Record<string, string>> | undefined, rows: string, at: string): BoundEndpoint => {
    const url = endpointUrl(baseUrl, path);
    if (!url) throw invalid([{ path: at, message: 'does not stay under the base URL' }]);
    return { url, query: query ?? {}, shape: { rows: pointerSegments(rows), fields } };
  };
  const byKeys = bound.byKeys;
  return Object.freeze({
    binding: bound,
    list: endpoint(bound.list.path, bound.list.query, bound.rows, 'binding.list.path'),
    byKeys: byKeys ? { ...endpoint(byKeys.path, byKeys.query, byKeys.rows ?? bound.rows, 'binding.byKeys.path'), param: byKeys.param } : null,
    types: new Map(resource.items.map((item) => [item.name, item.type])),
  });
}

/**
 * The URL of an endpoint: the base URL's path joined with the binding's path.
 * Null unless the result keeps the base URL's origin and lies under its path
 * (the path pattern already excludes `..` and `//`; this is the last word).
 */
function endpointUrl(baseUrl: URL, path: string): URL | null {
  const basePath = baseUrl.pathname.replace(/\/+$/, '');
  const url = new URL(baseUrl.origin);
  url.pathname = `${basePath}${path}`;
  return url.origin === baseUrl.origin && url.pathname === `${basePath}${path}` && url.pathname.startsWith(`${basePath}/`) ? url : null;
}

/** The endpoint's URL with its static query and `params`, all encoded by URLSearchParams. */
function withParams(endpoint: BoundEndpoint, params: readonly (readonly [string, string])[]): URL {
  const url = new URL(endpoint.url);
  const search = new URLSearchParams(Object.entries(endpoint.query));
  for (const [name, value] of params) search.set(name, value);
  url.search = search.toString();
  return url;
}

/** The headers of every call: JSON wanted, the static headers, the credential. Problems go to `problems`. */
function buildHeaders(config: HttpConfig, secret: string | undefined, problems: Problem[]): Headers | null {
  try {
    const headers = new Headers(config.headers ?? {});
    headers.set('accept', 'application/json');
    if (config.auth && secret !== undefined) {
      if (config.auth.kind === 'bearer') headers.set('authorization', `Bearer ${secret}`);
      else headers.set(config.auth.header, secret);
    }
    return headers;
  } catch {
    // The Headers error would quote the value: say only where it is.
    problems.push({ path: 'config.auth.secret', message: 'names a secret whose value cannot be sent in an HTTP header' });
    return null;
  }
}

function typeOrBadInput(bound: BoundApi, item: string, resource: string): ItemType {
  const type = bound.types.get(item);
  if (!type) throw badInput(`${item} is not an item of ${resource}`);
  return type;
}

/** QUERY_TOO_COMPLEX past the scan cap, naming the filters the API applies itself. */
function scanCapError(binding: HttpBinding, maxScanRows: number): MeridianError {
  const pushed = Object.entries(binding.filters ?? {}).map(([item, filter]) => `${item} (${Object.keys(filter).join(', ')})`);
  const hint =
    pushed.length > 0
      ? `Add a filter the source applies itself: ${pushed.join('; ')}`
      : 'The source applies no filter itself; ask the provider department to offer one';
  return meridianError('QUERY_TOO_COMPLEX', { limit: 'rows scanned at the source', actual: `>${maxScanRows}`, max: maxScanRows }, { hint });
}

/** The error of an abandoned call: the reason the caller gave when it is a catalog error. */
function abortError(reason: unknown, resource: string): MeridianError {
  return isMeridianError(reason) ? reason : meridianError('CONNECTOR_UNAVAILABLE', { resource });
}

function failureError(failure: CallFailure, resource: string, timeoutMs: number, endpoint: Endpoint['name']): MeridianError {
  switch (failure.kind) {
    case 'timeout':
      return meridianError('CONNECTOR_TIMEOUT', { resource, timeoutMs });
    case 'client':
      return meridianError('CONNECTOR_BAD_RESPONSE', { resource, path: `${endpoint} (HTTP ${failure.status})` });
    case 'body':
      return meridianError('CONNECTOR_BAD_RESPONSE', { resource, path: `${endpoint} (a body that is not JSON)` });
    case 'aborted':
      return abortError(failure.reason, resource);
    case 'connection':
    case 'server':
    case 'refused':
    case 'busy':
      return meridianError('CONNECTOR_UNAVAILABLE', { resource });
  }
}

/** The status message of a failure that makes the API unavailable; null for the others. */
function unavailableMessage(failure: CallFailure): string | null {
  switch (failure.kind) {
    case 'connection':
      return `The department API did not answer (${failure.errno})`;
    case 'server':
      return `The department API is unavailable (HTTP ${failure.status})`;
    case 'refused':
      return `The department API refused the gateway's credentials (HTTP ${failure.status})`;
    default:
      return null;
  }
}

function timeoutMessage(failure: CallFailure, timeoutMs: number): string | null {
  return failure.kind === 'timeout' ? `The department API did not answer within ${timeoutMs} ms` : null;
}

/** What the log keeps of a failure: its kind and status or errno, never a body or a header. */
function failureFacts(failure: CallFailure): Record<string, unknown> {
  switch (failure.kind) {
    case 'connection':
      return { failure: failure.kind, errno: failure.errno };
    case 'server':
    case 'refused':
    case 'busy':
    case 'client':
      return { failure: failure.kind, status: failure.status };
    default:
      return { failure: failure.kind };
  }
}
