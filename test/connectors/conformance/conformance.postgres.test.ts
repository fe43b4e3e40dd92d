import { describeEachDatabase, testDatabaseUrl, type TestDatabase } from '../../support/databases.js';
import { startStatementCounter, type StatementCounter } from '../../support/pgStatementCounter.js';
import { freePort } from '../../support/processRunner.js';
import {
  conformanceContext,
  conformanceSettings,
  describeConformance,
  startRegistered,
  type ConformanceSource,
  type FailureKind,
  type SourceVariant,
} from './describeConformance.js';
import {
  DATASET_COLUMNS,
  DATASET_SCHEMA,
  DATASET_TABLE,
  SLOW_VIEW,
  createDatasetTable,
  datasetResource,
  postgresBinding,
} from './dataset.js';

/**
 * The dataset in a PostgreSQL table of the test database. On PostgreSQL the
 * connector reads through a counting proxy; on PGlite through the embedded
 * database, where the gateway's knex sees each statement.
 */
async function postgresSource(test: TestDatabase): Promise<ConformanceSource> {
  const knex = test.db.knex;
  await createDatasetTable(knex);
  const context = conformanceContext(conformanceSettings(), { gatewayDatabase: knex, gatewayDatabaseUrl: test.url });
  const table = `${DATASET_SCHEMA}.${DATASET_TABLE}`;

  let counter: StatementCounter | null = null;
  let embeddedReads = 0;
  const countEmbedded = (query: { sql: string }): void => {
    if (/^\s*select\b/i.test(query.sql) && query.sql.includes(`"${DATASET_SCHEMA}"."${DATASET_TABLE}"`)) embeddedReads++;
  };
  let config: Record<string, unknown> = {};
  if (test.url) {
    counter = await startStatementCounter(test.url);
    config = { url: counter.url(new URL(test.url).pathname.slice(1)) };
  } else {
    knex.on('query', countEmbedded);
  }
  const connector = await startRegistered('conf-pg', 'POSTGRES', config, context);
  const resource = datasetResource({ connector: 'conf-pg', binding: postgresBinding() });

  /** The connector and resource of a failing source. */
  const failing = async (failure: FailureKind): Promise<Omit<SourceVariant, 'close'>> => {
    switch (failure) {
      case 'slow':
        // Straight to the server: the statement timeout cancels pg_sleep there.
        return {
          connector: await startRegistered('conf-pg-slow', 'POSTGRES', { statementTimeoutMs: 100 }, context),
          resource: datasetResource({ connector: 'conf-pg-slow', binding: postgresBinding(SLOW_VIEW) }),
        };
      case 'down': {
        const url = `postgres://postgres@127.0.0.1:${await freePort()}/nowhere`;
        return { connector: await startRegistered('conf-pg-down', 'POSTGRES', { url }, context), resource };
      }
      case 'malformed':
        // `count` is an INTEGER item; full_name holds text.
        return {
          connector: await startRegistered('conf-pg-mistyped', 'POSTGRES', config, context),
          resource: datasetResource({
            connector: 'conf-pg-mistyped',
            binding: { ...postgresBinding(), columns: { ...DATASET_COLUMNS, count: 'full_name' } },
          }),
        };
    }
  };

  return {
    connector,
    resource,
    reads: async () => (counter ? counter.readsOf(table).length : embeddedReads),
    async resetReads() {
      counter?.reset();
      embeddedReads = 0;
    },
    async variant(failure) {
      const { connector: running, resource: bound } = await failing(failure);
      return { connector: running, resource: bound, close: () => running.stop() };
    },
    async close() {
      await connector.stop();
      knex.removeListener('query', countEmbedded);
      await counter?.close();
    },
  };
}

describeEachDatabase('Connectors: conformance of a PostgreSQL source', (get, kind) => {
  describeConformance('POSTGRES', () => postgresSource(get()), {
    cannot: kind === 'pglite' ? { slow: 'PGlite cannot interrupt a running statement' } : {},
  });
});

if (!testDatabaseUrl) {
  describe('Connectors: conformance of a PostgreSQL source (PostgreSQL)', () => {
    it.skip('the POSTGRES connector passes the conformance suite (skipped: set TEST_DATABASE_URL to a PostgreSQL server to run)', () => undefined);
  });
}
