import { loadConfig } from '../../common/config.js';
import assert from 'node:assert/strict';
import { isMeridianError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import {
  connectorKinds,
  createConnector,
  postgresConnector,
  upstreamConnector,
  type ConnectorContext,
  type ConnectorFactory,
} from '../../connectors/index.js';
import type { ConnectorKind } from '../../catalog/model.js';
import { describeEachDatabase } from '../support/databases.js';
import { contextFor, createPeopleSource, peopleResource } from './peopleSource.js';

describe('Connectors: the registry of kinds', () => {
  it('holds each factory under its own kind, POSTGRES and GATEWAY among them', () => {
    for (const [kind, factory] of connectorKinds) assert.equal(factory.kind, kind);
    assert.equal(connectorKinds.get('POSTGRES'), postgresConnector);
    assert.equal(connectorKinds.get('GATEWAY'), upstreamConnector);
  });

  it('cannot be changed at run time', () => {
    const writable = connectorKinds as Map<ConnectorKind, ConnectorFactory>;
    const size = connectorKinds.size;
    assert.throws(() => writable.set('HTTP', postgresConnector), TypeError);
    assert.throws(() => writable.delete('POSTGRES'), TypeError);
    assert.throws(() => writable.clear(), TypeError);
    assert.equal(connectorKinds.size, size);
    assert.equal(connectorKinds.get('POSTGRES'), postgresConnector);
  });

  it('refuses a kind without a factory, saying which kinds exist', () => {
    const context = { logger: silentLogger() } as unknown as ConnectorContext;
    // A record of a kind this gateway does not know, as a newer gateway sharing the database could write.
    const kind = 'FTP' as ConnectorKind;
    assert.throws(
      () => createConnector({ id: 'ftp', kind, department: '11100000000000000X', config: {} }, context),
      (error: unknown) => {
        assert.ok(isMeridianError(error));
        assert.equal(error.code, 'VALIDATION_FAILED');
        assert.deepEqual(error.extensions.problems, [
          { path: 'kind', message: `FTP connectors are not available in this gateway (available: ${[...connectorKinds.keys()].join(', ')})` },
        ]);
        assert.match(String((error.extensions.problems as { message: string }[])[0]!.message), /available: POSTGRES, HTTP, GATEWAY/);
        return true;
      },
    );
  });
});

describeEachDatabase('Connectors: creating a registered connector', (get) => {
  before(async () => {
    await createPeopleSource(get().db.knex);
  });

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

  it("guards the connector with its config's resilience settings over the gateway's", async () => {
    const config = { schema: 'dept_src', resilience: { maxConcurrency: 1 } };
    const connector = createConnector({ id: 'hukou', kind: 'POSTGRES', department: '11100000000000000X', config }, contextFor(get()));
    await connector.start();
    try {
      const fetch = () =>
        connector.fetch(
          [{ resource: peopleResource, select: ['id'], conditions: [], order: [{ item: 'id', direction: 'ASC' }], first: 1, after: null }],
          { signal: new AbortController().signal, onBehalfOf: '11330100MB0000000N', requestId: 'registry-test' },
        );
      const [first, second] = await Promise.allSettled([fetch(), fetch()]);
      assert.equal(first.status, 'fulfilled');
      assert.equal(second.status, 'rejected');
      const refusal: unknown = second.reason;
      assert.ok(isMeridianError(refusal));
      assert.equal(refusal.code, 'CONNECTOR_UNAVAILABLE');
      assert.match(refusal.message, /the source is busy/);
    } finally {
      await connector.stop();
    }
  });
});
