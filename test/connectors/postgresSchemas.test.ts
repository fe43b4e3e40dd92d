import { loadConfig } from '../../common/config.js';
import assert from 'node:assert/strict';
import { findProblems } from '../../common/validation.js';
import { isMeridianError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import { postgresConnector } from '../../connectors/postgres/postgresConnector.js';
import type { ConnectorContext } from '../../connectors/Connector.js';

const items = [
  { name: 'idNumber', type: 'STRING' as const },
  { name: 'fullName', type: 'STRING' as const },
];

describe('Connectors: PostgreSQL config and binding', () => {
  it('accepts a binding with a column for every item', () => {
    const binding = { table: 'persons', schema: 'hukou', columns: { idNumber: 'id_number', fullName: 'full_name' } };
    assert.deepEqual(findProblems(postgresConnector.bindingSchema, binding), []);
    assert.deepEqual(postgresConnector.bindingProblems(binding, items), []);
  });

  it('names each item without a column and each column of an unknown item', () => {
    const binding = { table: 'persons', columns: { idNumber: 'id_number', birthPlace: 'birth_place' } };
    assert.deepEqual(postgresConnector.bindingProblems(binding, items), [
      { path: 'columns.fullName', message: 'is required: every item is read from one column' },
      { path: 'columns.birthPlace', message: 'is not an item of the resource' },
    ]);
  });

  it('refuses identifiers that are not plain names', () => {
    const binding = {
      table: 'persons; drop table persons',
      schema: '1schema',
      columns: { idNumber: 'id"number', fullName: 'x'.repeat(64) },
    };
    const paths = findProblems(postgresConnector.bindingSchema, binding).map((p) => p.path).sort();
    assert.deepEqual(paths, ['columns.fullName', 'columns.idNumber', 'schema', 'table']);
  });

  it('refuses a binding with unknown fields or without a table', () => {
    const paths = findProblems(postgresConnector.bindingSchema, { columns: { idNumber: 'id' }, sql: 'select 1' }).map((p) => p.path);
    assert.deepEqual(paths.sort(), ['sql', 'table']);
  });

  it('refuses a config with unknown fields or a URL of another scheme, naming the paths only', () => {
    const context: ConnectorContext = {
      gatewayDatabase: undefined as never,
      gatewayDatabaseUrl: null,
      settings: loadConfig({}).connectors,
      logger: silentLogger(),
      secret: () => undefined,
    };
    const config = { url: 'mysql://root:hunter2@db/x', password: 'hunter2', statementTimeoutMs: 0 };
    assert.throws(
      () => postgresConnector.create('src', config, context),
      (error: unknown) => {
        assert.ok(isMeridianError(error));
        assert.equal(error.code, 'VALIDATION_FAILED');
        const problems = error.extensions.problems as { path: string; message: string }[];
        assert.deepEqual(problems.map((p) => p.path).sort(), ['config.password', 'config.statementTimeoutMs', 'config.url']);
        assert.doesNotMatch(JSON.stringify(problems) + error.message, /hunter2/);
        return true;
      },
    );
  });
});
