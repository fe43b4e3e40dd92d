/**
 * The composition root: opens the database, migrates, ensures the admin key
 * and the demo, loads the caches, starts the ledger writer and connectors, and
 * serves GraphQL, health, Prometheus metrics and the ledger export over HTTP, with OpenTelemetry
 * spans per request, exchange and connector fetch. `close()` is the orderly
 * shutdown: stop taking requests, finish those in flight, flush the ledger and
 * telemetry, close.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError } from 'graphql';
import { systemClock, type Clock } from '../common/clock.js';
import type { MeridianConfig } from '../common/config.js';
import { isMeridianError, meridianError } from '../common/errors.js';
import { ON_BEHALF_OF_HEADER } from '../common/identifiers.js';
import type { Logger } from '../common/logger.js';
import { ensureSetting, migrateLatest, openDatabase, type Database } from '../db/index.js';
import { sourceKindsFor } from '../connectors/index.js';
import { createLedgerWriter, ensurePartitions, type LedgerWriter } from '../ledger/index.js';
import { authenticate } from './auth/apiKeys.js';
import { actingFor } from './auth/onBehalfOf.js';
import type { GatewayServices, RequestContext } from './context.js';
import { createCursorCodec, generateCursorKey } from './exchange/cursorCodec.js';
import { createFormatError } from './formatError.js';
import { createRequestLoaders } from './loaders.js';
import { createWorkingCalendar } from '../common/workingDays.js';
import { healthRouter } from './health.js';
import { ledgerExportRouter } from './ledgerExportRoute.js';
import { exchangesExtensionPlugin } from './plugins/exchangesExtensionPlugin.js';
import { queryLimitsPlugin } from './plugins/queryLimitsPlugin.js';
import { telemetryPlugin } from './plugins/telemetryPlugin.js';
import { buildGatewaySchema } from './schema/buildGatewaySchema.js';
import { LiveSchema } from './schema/LiveSchema.js';
import { ensureAdminKey } from './startup/ensureAdminKey.js';
import { isEmptyDatabase, loadDemo, saveDemoKeys, type DemoKey } from './startup/loadDemo.js';
import { ConnectorPool } from './state/connectorPool.js';
import { pruneQuotaCounters } from './grants/quotaStore.js';
import { GatewayState } from './state/GatewayState.js';
import { startTelemetry, type TelemetryOptions } from './telemetry/startTelemetry.js';

export interface Gateway {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  readonly url: string;
  readonly port: number;
  readonly services: GatewayServices;
  /** Keys issued by a demo loaded at this start; empty otherwise. */
  readonly demoKeys: readonly DemoKey[];
  /** Stops taking requests, finishes those in flight, flushes the ledger and closes the database. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  readonly config: MeridianConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** An already opened database (tests); otherwise opened from the config and closed by close(). */
  readonly database?: Database;
  /** Metrics endpoint switch and span processors; OTLP export follows the standard OTEL_* environment variables. */
  readonly telemetry?: TelemetryOptions;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Quota counters of ended windows are deleted this often, once older than an hour (days: two days more). */
const QUOTA_PRUNE_EVERY_MS = 10 * 60_000;
const QUOTA_COUNTER_KEEP_MS = 60 * 60_000;
/** Ledger partitions are created ahead this often (config.ledger.partitionsAhead months ahead, at least one). */
const PARTITION_MAINTENANCE_EVERY_MS = 24 * 60 * 60_000;

/** Opens the configured database: PostgreSQL by URL, else PGlite in the data folder. */
export function openConfiguredDatabase(config: MeridianConfig): Promise<Database> {
  return openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir });
}

/** Starts a gateway and resolves once it listens. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  // Built first: a bad holiday list stops the start before anything is opened.
  const calendar = createWorkingCalendar({
    timeZone: config.timeZone,
    holidays: config.applications.holidays,
    workdays: config.applications.makeUpWorkdays,
  });
  const sourceKinds = sourceKindsFor(config.connectors);
  const db = options.database ?? (await openConfiguredDatabase(config));
  const { knex } = db;
  await migrateLatest(knex);

  // Asked before the admin key is ensured: that registers the operator department.
  const loadDemoNow = config.demo && (await isEmptyDatabase(knex));
  if (config.adminKey) await ensureAdminKey(knex, config.adminKey, config.operator, clock.now());
  let demoKeys: DemoKey[] = [];
  if (loadDemoNow) {
    demoKeys = await loadDemo(knex, sourceKinds, clock.now(), config);
    saveDemoKeys(config.dataDir, demoKeys);
    logger.info({ keys: demoKeys.length }, 'demo loaded');
  }

  const cursors = createCursorCodec(await ensureSetting(knex, 'cursor_key', generateCursorKey));
  const maskSecret = config.maskSecret ?? (await ensureSetting(knex, 'mask_secret', () => randomBytes(32).toString('base64')));
  // Before the connectors: their guards take their instruments from the meter provider registered here.
  const telemetry = await startTelemetry({ metricsEnabled: config.metricsEnabled, ...options.telemetry }, logger);
  const connectors = new ConnectorPool(
    {
      gatewayDatabase: knex,
      gatewayDatabaseUrl: config.databaseUrl,
      settings: config.connectors,
      logger,
      secret: (name) => config.connectors.secrets[name],
    },
    logger,
    config.shutdownGraceMs,
  );
  const state = await GatewayState.load(knex, connectors, logger);
  await state.watch(db, config.cacheRefreshMs);
  // Not fatal: records of a month without its partition wait in the DEFAULT partition until the next run.
  const maintainPartitions = () =>
    ensurePartitions(knex, clock.now(), config.ledger.partitionsAhead).then(
      ({ created, movedRecords }) => {
        if (created.length > 0) logger.info({ created, movedRecords }, 'ledger partitions created');
      },
      (error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'ledger partitions not created'),
    );
  await maintainPartitions();
  const partitioning = setInterval(() => void maintainPartitions(), PARTITION_MAINTENANCE_EVERY_MS);
  partitioning.unref();
  const ledger: LedgerWriter = createLedgerWriter(knex, {
    maxBatch: config.ledger.maxBatch,
    maxWaitMs: config.ledger.maxWaitMs,
    checkpointEvery: config.ledger.checkpointEvery,
    checkpointIntervalMs: config.ledger.checkpointIntervalMs,
    logger,
  });
  await ledger.start();
  const pruning = setInterval(() => {
    pruneQuotaCounters(knex, new Date(clock.now().getTime() - QUOTA_COUNTER_KEEP_MS)).catch((error: unknown) =>
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'quota counters not pruned'),
    );
  }, QUOTA_PRUNE_EVERY_MS);
  pruning.unref();

  const services: GatewayServices = {
    config,
    knex,
    state,
    connectors,
    connectorKinds: sourceKinds,
    ledger,
    cursors,
    maskSecret,
    calendar,
    clock,
    logger,
  };

  const live = new LiveSchema(buildGatewaySchema(state.catalog, logger));
  state.onCatalog((catalog) => {
    try {
      live.update(buildGatewaySchema(catalog, logger));
    } catch (error) {
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'schema rebuild failed; keeping the previous schema');
    }
  });

  const app = express();
  app.disable('x-powered-by');
  const httpServer: Server = createServer(app);
  const apollo = new ApolloServer<RequestContext>({
    gateway: live,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    persistedQueries: false,
    // The CLI owns signals: it drains through close(), which also flushes the ledger and closes the database.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    formatError: createFormatError(logger),
    logger: apolloLogger(logger),
    plugins: [
      telemetryPlugin(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      queryLimitsPlugin(config.limits),
      exchangesExtensionPlugin(),
    ],
  });
  await apollo.start();

  let accepting = true;
  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = req.get('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    next();
  });
  app.use(healthRouter({ knex, ledger, state, connectors, accepting: () => accepting }));
  const { metricsHandler } = telemetry;
  // Outside GraphQL authentication, like health: a scraper sees only aggregate counts and durations per department and resource.
  if (metricsHandler) app.get('/metrics', (req: Request, res: Response) => metricsHandler(req, res));
  app.use(ledgerExportRouter(services));
  app.use(
    '/graphql',
    (_req: Request, res: Response, next: NextFunction) => {
      if (accepting) return next();
      res.status(503).setHeader('connection', 'close').json({ errors: [meridianErrorBody('SHUTTING_DOWN', {})] });
    },
    express.json({ limit: config.limits.maxBodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const now = clock.now();
        let principal;
        try {
          principal = actingFor(authenticate(state.keys, req.get('authorization'), now), req.get(ON_BEHALF_OF_HEADER));
        } catch (error) {
          if (!isMeridianError(error)) throw error;
          throw new GraphQLError(error.message, { originalError: error, extensions: { code: error.code, http: { status: error.status } } });
        }
        const requestId = res.locals.requestId as string;
        const gone = new AbortController();
        res.once('close', () => {
          if (!res.writableFinished) gone.abort();
        });
        return {
          signal: gone.signal,
          requestId,
          receivedAt: now,
          principal,
          catalog: state.catalog,
          grants: state.grants,
          services,
          exchanges: [],
          loaders: createRequestLoaders(knex),
          logger: logger.child({ requestId }),
        };
      },
    }),
  );
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ errors: [meridianErrorBody('NOT_FOUND', { what: 'Path', id: _req.path })] });
  });
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const { status, length } = error as { status?: number; length?: number };
    if (status === 413) {
      const actual = typeof length === 'number' ? length : 'more';
      return void res.status(413).json({ errors: [meridianErrorBody('QUERY_TOO_COMPLEX', { limit: 'body size', actual, max: config.limits.maxBodyBytes })] });
    }
    if (status === 415) {
      return void res.status(415).json({ errors: [meridianErrorBody('BAD_USER_INPUT', { what: 'The request body must be JSON in UTF-8 without content encoding' })] });
    }
    if (status === 400) return void res.status(400).json({ errors: [meridianErrorBody('BAD_USER_INPUT', { what: 'The request body is not valid JSON' })] });
    const errorId = randomUUID();
    logger.error({ errorId, err: error instanceof Error ? error.message : String(error) }, 'http error');
    res.status(500).json({ errors: [meridianErrorBody('INTERNAL', { errorId })] });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host}:${port}/graphql`;
  logger.info({ url, database: db.kind, writer: ledger.health().writerId }, 'gateway listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    services,
    demoKeys,
    close() {
      closing ??= (async () => {
        accepting = false;
        clearInterval(pruning);
        clearInterval(partitioning);
        // Drains HTTP: stops accepting connections and waits for requests in flight (they append to the ledger).
        await apollo.stop();
        await ledger.close();
        await state.stop();
        await connectors.stop();
        // After the ledger: the last exchanges are counted in the final export.
        await telemetry.shutdown();
        if (!options.database) await db.close();
        logger.info('gateway stopped');
      })();
      return closing;
    },
  };
}

function meridianErrorBody(code: Parameters<typeof meridianError>[0], params: Record<string, unknown>): object {
  const error = meridianError(code, params);
  return { message: error.message, extensions: { code: error.code, action: error.action } };
}

function apolloLogger(logger: Logger) {
  return {
    debug: (message: string) => logger.debug(message),
    info: (message: string) => logger.info(message),
    warn: (message: string) => logger.warn(message),
    error: (message: string) => logger.error(message),
  };
}
