/**
 * The POSTGRES connector: reads a resource's rows from its provider
 * department's PostgreSQL tables, or from the gateway's own database in the
 * embedded demo, with one read-only, time-limited SELECT per request.
 */
import knexModule, { type Knex } from 'knex';
import type { ResourceDefinition } from '../../catalog/model.js';
import { badInput, isMeridianError, meridianError, type Problem } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { assertValid, findProblems, joinPath } from '../../common/validation.js';
import type {
  Connector,
  ConnectorContext,
  ConnectorFactory,
  ConnectorState,
  ConnectorStatus,
  FetchRequest,
  FetchResult,
} from '../Connector.js';
import { keysetValues } from '../keysetValues.js';
import { returnedItems } from '../returnedItems.js';
import { buildSelect, type BoundTable } from './buildSelect.js';
import {
  postgresBindingProblems,
  postgresBindingSchema,
  postgresConfigSchema,
  type PostgresBinding,
  type PostgresConfig,
} from './postgresSchemas.js';
import { sourcePgTypes, sourceTypeParsers } from './sourceTypeParsers.js';
import { toWireRows, type WireItem } from './toWireRows.js';
import { classifyDriverError, driverErrorFacts, failureError, failureSummary } from './translateDriverError.js';

const knexFactory = knexModule.knex ?? (knexModule as unknown as typeof knexModule.knex);

/** Connection parameters the connector sets itself; a URL naming them would otherwise override its settings. */
const ENFORCED_URL_PARAMETERS = new Set(['options', 'statement_timeout']);

/** Shortest wait for a new source connection, however short the statement timeout. */
const MIN_CONNECT_TIMEOUT_MS = 2000;

/** The POSTGRES connector factory. */
export const postgresConnector: ConnectorFactory = Object.freeze({
  kind: 'POSTGRES',
  configSchema: postgresConfigSchema,
  bindingSchema: postgresBindingSchema,
  bindingProblems: postgresBindingProblems,
  // Nothing of a POSTGRES config depends on the gateway's settings.
  configProblems: () => [],
  create: createPostgresConnector,
});

/** Where reads run: a dedicated pool, or the gateway's embedded database. */
interface SourceSession {
  /** The knex that queries are built with. */
  readonly knex: Knex;
  /** Runs each query once, read-only and time-limited; on failure calls `fail` with the query's index. */
  readAll(queries: readonly Knex.QueryBuilder[], fail: (error: unknown, index: number) => never): Promise<unknown[][]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A request ready to run: its bound table, the items it returns in order, and its keyset as bindings. */
interface PlannedRead {
  readonly request: FetchRequest;
  readonly bound: BoundTable;
  readonly items: readonly WireItem[];
  readonly afterValues: readonly unknown[] | null;
}

/**
 * Creates a POSTGRES connector. Throws VALIDATION_FAILED when `config` does not
 * match postgresConfigSchema.
 */
export function createPostgresConnector(
  id: string,
  config: Readonly<Record<string, unknown>>,
  context: ConnectorContext,
): Connector {
  assertValid(postgresConfigSchema, config, `Connector ${id}`, 'config');
  const settings = config as PostgresConfig;
  const timeoutMs = settings.statementTimeoutMs ?? context.settings.statementTimeoutMs;
  const url = settings.url ?? context.gatewayDatabaseUrl;
  const logger = context.logger.child({ connector: id, kind: 'POSTGRES' });
  const boundTables = new WeakMap<ResourceDefinition, BoundTable>();
  let session: SourceSession | null = null;
  let current: ConnectorStatus = Object.freeze({ state: 'NOT_READY', message: null });

  const setStatus = (state: ConnectorState, message: string | null): void => {
    current = Object.freeze({ state, message });
  };

  const bind = (resource: ResourceDefinition): BoundTable => {
    let bound = boundTables.get(resource);
    if (!bound) {
      bound = bindResource(resource, settings.schema ?? 'public', (problems) => {
        logger.error({ resource: resource.code, problems }, 'resource binding does not fit this connector');
        return meridianError('CONNECTOR_BAD_RESPONSE', { resource: resource.code, timeoutMs, path: problems[0]!.path });
      });
      boundTables.set(resource, bound);
    }
    return bound;
  };

  return {
    id,
    kind: 'POSTGRES',
    async start() {
      session ??= url
        ? poolSession(url, timeoutMs, settings.maxConnections ?? context.settings.maxConnections, logger)
        : embeddedSession(context.gatewayDatabase);
      try {
        await session.ping();
        setStatus('OK', null);
      } catch (error) {
        logger.warn(driverErrorFacts(error), 'source database did not answer the start check');
        setStatus('ERROR', `The source database did not answer (${failureSummary(error)})`);
      }
    },
    async stop() {
      const closing = session;
      session = null;
      setStatus('NOT_READY', null);
      await closing?.close();
    },
    status: () => current,
    async fetch(requests) {
      if (requests.length === 0) return [];
      const reads = requests.map((request) => planRead(request, bind(request.resource)));
      const active = session;
      if (!active) {
        throw meridianError('CONNECTOR_UNAVAILABLE', { resource: requests[0]!.resource.code, timeoutMs });
      }
      const queries = reads.map((read) => buildSelect(active.knex, read.bound, read.request, read.afterValues));
      const results = await active.readAll(queries, (error, index) => {
        const read = reads[index] ?? reads[0]!;
        const failure = classifyDriverError(error);
        if (failure === null) throw error;
        const resource = read.request.resource.code;
        logger.warn(
          { resource, failure, sql: queries[index]?.toSQL().sql, ...driverErrorFacts(error) },
          'source read failed',
        );
        if (failure === 'CONNECTOR_UNAVAILABLE' && session === active) {
          setStatus('ERROR', `The source database is unavailable (${failureSummary(error)})`);
        }
        throw failureError(failure, { resource, timeoutMs, path: `${read.bound.schema}.${read.bound.table}` });
      });
      if (session === active) setStatus('OK', null);
      return results.map((rows, index): FetchResult => {
        const { request, items } = reads[index]!;
        const wire = toWireRows(rows.slice(0, request.first) as Record<string, unknown>[], items, request.resource.code, timeoutMs);
        const last = wire[wire.length - 1];
        return {
          rows: wire,
          hasMore: rows.length > request.first,
          end: last ? { kind: 'keyset', values: request.order.map((term) => last[term.item] ?? null) } : null,
        };
      });
    },
  };
}

/** Resolves a resource's binding for this connector; `invalid` makes the error for a binding that does not fit. */
function bindResource(
  resource: ResourceDefinition,
  defaultSchema: string,
  invalid: (problems: Problem[]) => Error,
): BoundTable {
  const binding: unknown = resource.source.binding;
  const problems = [
    ...findProblems(postgresBindingSchema, binding, 'binding'),
    ...postgresBindingProblems(binding, resource.items).map((p) => ({ ...p, path: joinPath('binding', p.path) })),
  ];
  if (problems.length > 0) throw invalid(problems);
  const { table, schema, columns } = binding as PostgresBinding;
  return Object.freeze({
    schema: schema ?? defaultSchema,
    table,
    columns: new Map(Object.entries(columns)),
    types: new Map(resource.items.map((item) => [item.name, item.type])),
  });
}

/**
 * Checks a request against its resource (items known, the cursor fits the
 * order) and turns `after` into bindings: BINARY from base64 to bytes.
 */
function planRead(request: FetchRequest, bound: BoundTable): PlannedRead {
  const code = request.resource.code;
  const typeOf = (item: string) => {
    const type = bound.types.get(item);
    if (!type) throw badInput(`${item} is not an item of ${code}`);
    return type;
  };
  const items = returnedItems(request).map((name) => ({ name, type: typeOf(name) }));
  for (const condition of request.conditions) typeOf(condition.item);
  const afterValues = keysetValues(request, typeOf)?.map((value, index) =>
    value !== null && typeOf(request.order[index]!.item) === 'BINARY' ? Buffer.from(value as string, 'base64') : value,
  ) ?? null;
  return { request, bound, items, afterValues };
}

/**
 * A dedicated pool whose sessions are read-only and carry the statement
 * timeout from the start, so each read is a single statement. Its own type
 * parsers leave the global pg.types alone.
 */
function poolSession(url: string, timeoutMs: number, maxConnections: number, logger: Logger): SourceSession {
  const connectMs = Math.max(MIN_CONNECT_TIMEOUT_MS, timeoutMs);
  const knex = knexFactory({
    client: 'pg',
    connection: {
      connectionString: withoutEnforcedParameters(url),
      application_name: 'meridian-connector',
      statement_timeout: timeoutMs,
      // DateStyle ISO keeps dates as YYYY-MM-DD whatever the server's default.
      options: '-c default_transaction_read_only=on -c DateStyle=ISO,YMD',
      types: sourcePgTypes,
      connectionTimeoutMillis: connectMs,
    },
    pool: { min: 0, max: maxConnections },
    acquireConnectionTimeout: connectMs,
    // A failed query's message would otherwise carry its bound values.
    compileSqlOnError: false,
    // knex logs pool trouble to the console; the connector logs each failure itself.
    log: {
      warn: (message: unknown) => logger.debug({ knex: String(message) }, 'knex warning'),
      error: (message: unknown) => logger.debug({ knex: String(message) }, 'knex error'),
      deprecate: () => undefined,
      debug: () => undefined,
    },
  });
  return {
    knex,
    readAll: (queries, fail) =>
      Promise.all(queries.map((query, index) => query.then((rows: unknown[]) => rows, (error: unknown) => fail(error, index)))),
    async ping() {
      await knex.raw('select 1');
    },
    close: () => knex.destroy(),
  };
}

/**
 * The gateway's embedded database (PGlite): all reads of a batch in one READ
 * ONLY transaction. PGlite does not enforce statement_timeout (it has no timer
 * to cancel a running statement), so reads here are read-only but not time-limited.
 */
function embeddedSession(gateway: Knex): SourceSession {
  return {
    knex: gateway,
    async readAll(queries, fail) {
      try {
        return await gateway.transaction(
          async (trx) => {
            const results: unknown[][] = [];
            for (const [index, query] of queries.entries()) {
              const rows = await query
                .transacting(trx)
                .options({ parsers: sourceTypeParsers })
                .then((found: unknown[]) => found, (error: unknown) => fail(error, index));
              results.push(rows);
            }
            return results;
          },
          { readOnly: true },
        );
      } catch (error) {
        // Failures of a query were translated by `fail`; what remains came from BEGIN or COMMIT.
        if (isMeridianError(error)) throw error;
        return fail(error, 0);
      }
    },
    async ping() {
      await gateway.raw('select 1');
    },
    // The gateway's database belongs to the gateway.
    close: async () => undefined,
  };
}

/** `url` without the query parameters the connector sets itself (options, statement_timeout). */
function withoutEnforcedParameters(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const kept = url
    .slice(at + 1)
    .split('&')
    .filter((pair) => {
      try {
        return !ENFORCED_URL_PARAMETERS.has(decodeURIComponent(pair.split('=')[0]!).toLowerCase());
      } catch {
        // An undecodable name cannot be checked; dropping it keeps the session's settings ours.
        return false;
      }
    });
  return kept.length > 0 ? `${url.slice(0, at)}?${kept.join('&')}` : url.slice(0, at);
}
