/**
 * The frozen registry of connector kinds, in the manner of knex's dialect
 * registry: kind to factory. Every connector it creates runs behind the
 * guard (timeout, concurrency limit, circuit breaker).
 */
import type { ConnectorKind, ConnectorRecord } from '../catalog/model.js';
import type { SourceKind, SourceKinds } from '../catalog/SourceKinds.js';
import type { ConnectorSettings } from '../common/config.js';
import { validationFailed } from '../common/errors.js';
import type { Connector, ConnectorContext, ConnectorFactory } from './Connector.js';
import { guardConnector } from './guardConnector.js';
import { postgresConnector } from './postgres/postgresConnector.js';
import { upstreamConnector } from './gateway/upstreamConnector.js';
import { httpConnector } from './http/httpConnector.js';
import type { ResilienceOverrides } from './resilienceSchema.js';

/** Connector factories by kind; frozen. */
export const connectorKinds: ReadonlyMap<ConnectorKind, ConnectorFactory> = frozenMap([
  [postgresConnector.kind, postgresConnector],
  [httpConnector.kind, httpConnector],
  [upstreamConnector.kind, upstreamConnector],
]);

/**
 * The connector kinds as the catalog validates them: schemas, binding rules,
 * and config checks bound to this gateway's settings (allow-list, secrets).
 */
export function sourceKindsFor(settings: ConnectorSettings): SourceKinds {
  return frozenMap(
    [...connectorKinds].map(([kind, factory]): [ConnectorKind, SourceKind] => [
      kind,
      {
        configSchema: factory.configSchema,
        bindingSchema: factory.bindingSchema,
        bindingProblems: (binding, items) => factory.bindingProblems(binding, items),
        configProblems: (config) => factory.configProblems(config, settings),
      },
    ]),
  );
}

/**
 * Creates the connector of a registered record (not yet started), behind the
 * guard of guardConnector: timeout, concurrency limit and circuit breaker, with
 * the config's `resilience` over the gateway's settings. Throws
 * VALIDATION_FAILED for a kind this gateway has no factory for, or a config
 * its kind's schema rejects.
 */
export function createConnector(record: ConnectorRecord, context: ConnectorContext): Connector {
  const factory = connectorKinds.get(record.kind);
  if (!factory) {
    const available = [...connectorKinds.keys()].join(', ');
    throw validationFailed(`Connector ${record.id}`, [
      { path: 'kind', message: `${record.kind} connectors are not available in this gateway (available: ${available})` },
    ]);
  }
  const connector = factory.create(record.id, record.config, context);
  // create() validated the config, and every kind's schema declares `resilience` as resilienceSchema.
  const overrides = record.config.resilience as ResilienceOverrides | undefined;
  return guardConnector(connector, context.settings, overrides, context.logger);
}

/** A Map that refuses changes at run time too, since Object.freeze leaves a Map's entries writable. */
function frozenMap<K, V>(entries: readonly (readonly [K, V])[]): ReadonlyMap<K, V> {
  const map = new Map<K, V>(entries);
  const refuse = (): never => {
    throw new TypeError('The connector registry is frozen');
  };
  for (const method of ['set', 'delete', 'clear']) Object.defineProperty(map, method, { value: refuse });
  return Object.freeze(map);
}
