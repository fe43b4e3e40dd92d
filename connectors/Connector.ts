/**
 * The connector contract: how the gateway reads a resource's rows from its
 * provider department's source. A factory per kind (with JSON Schemas for its
 * config and for a resource's binding), a frozen registry by kind, and one
 * conformance suite every kind passes.
 */
import type { Knex } from 'knex';
import type { Logger } from '../common/logger.js';
import type { ConnectorSettings } from '../common/config.js';
import type { Problem } from '../common/errors.js';
import type { ConnectorKind, ItemType, ResourceDefinition } from '../catalog/model.js';
import type { Condition, OrderTerm } from '../catalog/conditions.js';

export type { Condition, ConditionOp, OrderTerm } from '../catalog/conditions.js';

/** One pushed-down read of one resource. */
export interface FetchRequest {
  readonly resource: ResourceDefinition;
  /** Items to return, by item name. Every order item is returned too. */
  readonly select: readonly string[];
  /** The consumer's conditions and the grant's row scope, all ANDed. */
  readonly conditions: readonly Condition[];
  /**
   * The complete order: the consumer's terms followed by the key items as
   * tie-breakers, so that (order values) identify a row. NULLs sort last
   * ascending and first descending (PostgreSQL's default).
   */
  readonly order: readonly OrderTerm[];
  /** Rows wanted; the connector returns at most this many. */
  readonly first: number;
  /** Keyset position: values of `order` items of the last row seen, in order; null for the first page. */
  readonly after: readonly unknown[] | null;
}

/** Rows of one request, keyed by item name, with values in wire form (see Condition); BINARY as base64. */
export interface FetchResult {
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  /** True when more rows follow the returned ones in this order. */
  readonly hasMore: boolean;
}

export type ConnectorState = 'NOT_READY' | 'OK' | 'WARN' | 'ERROR';

export interface ConnectorStatus {
  readonly state: ConnectorState;
  readonly message: string | null;
}

/** A running connector of one provider department. */
export interface Connector {
  readonly id: string;
  readonly kind: ConnectorKind;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): ConnectorStatus;
  /**
   * Runs a batch of reads. The result has the same length and order as
   * `requests`; one failed request rejects the whole call with a catalog
   * error (CONNECTOR_TIMEOUT, CONNECTOR_UNAVAILABLE, CONNECTOR_BAD_RESPONSE).
   */
  fetch(requests: readonly FetchRequest[]): Promise<FetchResult[]>;
}

/** What a connector may use from the gateway that runs it. */
export interface ConnectorContext {
  /** The gateway's own database, for sources kept in it (the embedded demo). */
  readonly gatewayDatabase: Knex;
  /** The gateway's own database URL, or null when embedded. */
  readonly gatewayDatabaseUrl: string | null;
  readonly settings: ConnectorSettings;
  readonly logger: Logger;
}

/** One kind of connector. */
export interface ConnectorFactory {
  readonly kind: ConnectorKind;
  /** JSON Schema of the connector's config (additionalProperties: false). */
  readonly configSchema: object;
  /** JSON Schema of a resource's binding to this kind of source. */
  readonly bindingSchema: object;
  /**
   * Problems of a binding beyond its schema, given the resource's items
   * (for example an item without a column). Paths are relative to the binding.
   */
  bindingProblems(binding: unknown, items: readonly { readonly name: string; readonly type: ItemType }[]): Problem[];
  create(id: string, config: Readonly<Record<string, unknown>>, context: ConnectorContext): Connector;
}
