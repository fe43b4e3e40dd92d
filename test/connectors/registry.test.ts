import { loadConfig } from '../../common/config.js';
import assert from 'node:assert/strict';
import { isMeridianError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import { connectorKinds, createConnector, postgresConnector, type ConnectorContext, type ConnectorFactory } from '../../connectors/index.js';
import type { ConnectorKind } from '../../catalog/model.js';
import { describeEachDatabase } from '../support/databases.js';

describe('Connectors: the registry of kinds', () => {
  it('holds the POSTGRES factory', () => {
    assert.deepEqual([...connectorKinds.keys()], ['POSTGRES']);
    assert.equal(connectorKinds.get('POSTGRES'), postgresConnector);
  });

  it('cannot be changed at run time', () => {
    const writable = connectorKinds as Map<ConnectorKind, ConnectorFactory>;
    assert.throws(() => writable.set('HTTP', postgresConnector), TypeError);
    assert.throws(() => writable.delete('POSTGRES'), TypeError);
    assert.throws(() => writable.clear(), TypeError);
    assert.equal(connectorKinds.size, 1);
  });

  it('refuses a kind without a factory, saying which kinds exist', () => {
    const context = { logger: silentLogger() } as unknown as ConnectorContext;
    assert.throws(
      () => createConnector({ id: 'upstream', kind: 'GATEWAY', department: '11100000000000000X', config: {} }, context),
      (error: unknown) => {
        assert.ok(isMeridianError(error));
        assert.equal(error.code, 'VALIDATION_FAILED');
        assert.deepEqual(error.extensions.problems, [
          { path: 'kind', message: 'GATEWAY connectors are not available in this gateway (available: POSTGRES)' },
        ]);
        return true;
      },
    );
  });
});

describeEachDatabase('Connectors: creating a registered connector', (get) => {
  it('creates a POSTGRES connector that starts against the gateway database', async () => {
    const context: ConnectorContext = {
      gatewayDatabase: get().db.knex,
      gatewayDatabaseUrl: get().url,
      settings: loadConfig({}, { 'connectors.maxConnections': 2 }).connectors,
      logger: silentLogger(),
      secret: () => undefined,
    };
    const connector = createConnector({ id: 'hukou', kind: 'POSTGRES', department: '11100000000000000X', config: {} }, context);
    assert.equal(connector.id, 'hukou');
    assert.equal(connector.kind, 'POSTGRES');
    assert.equal(connector.status().state, 'NOT_READY');
    await connector.start();
    try {
      assert.deepEqual(connector.status(), { state: 'OK', message: null });
    } finally {
      await connector.stop();
    }
  });
});
