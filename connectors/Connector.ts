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
import type { ConnectorKind, ResourceDefinition } from '../catalog/model.js';
import type { Condition, OrderTerm } from '../catalog/conditions.js';
import type { BindingItem } from '../catalog/SourceKinds.js';

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
  /** Where the page starts: the `end` of the previous page's result; null for the first page. */
  readonly after: Position | null;
}

/**
 * A place in a resource's rows, in one order: the order values of the last
 * row seen (a keyset), or a source's own opaque token (an upstream gateway's
 * cursor). The gateway seals it into the consumer's cursor and hands it back
 * unchanged with the next page.
 */
export type Position =
  | { readonly kind: 'keyset'; readonly values: readonly unknown[] }
  | { readonly kind: 'token'; readonly token: string };

/** Rows of one request, keyed by item name, with values in wire form (see Condition); BINARY as base64. */
export interface FetchResult {
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  /** True when more rows follow the returned ones in this order. */
  readonly hasMore: boolean;
  /** The position after the last returned row; null when no row was returned. */
  readonly end: Position | null;
}

/** Who a fetch is for, and how long it may take. */
export interface FetchOptions {
  /** Aborted when the gateway stops waiting (timeout, shutdown): stop the work and reject. */
  readonly signal: AbortSignal;
  /** The consumer department the exchange serves (an upstream gateway decides on its behalf). */
  readonly onBehalfOf: string;
  /** The request's id, passed to sources that log it. */
  readonly requestId: string;
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
  fetch(requests: readonly FetchRequest[], options: FetchOptions): Promise<FetchResult[]>;
}

/** What a connector may use from the gateway that runs it. */
export interface ConnectorContext {
  /** The gateway's own database, for sources kept in it (the embedded demo). */
  readonly gatewayDatabase: Knex;
  /** The gateway's own database URL, or null when embedded. */
  readonly gatewayDatabaseUrl: string | null;
  readonly settings: ConnectorSettings;
  readonly logger: Logger;
  /** A secret of the gateway's configuration by name (connector configs name secrets, never hold them). */
  secret(name: string): string | undefined;
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
  bindingProblems(binding: unknown, items: readonly BindingItem[]): Problem[];
  /**
   * Problems of a config beyond its schema that depend on the gateway's
   * settings (an HTTP host outside the allow-list, a secret name that is not
   * configured). Paths are relative to the config.
   */
  configProblems(config: unknown, settings: ConnectorSettings): Problem[];
  create(id: string, config: Readonly<Record<string, unknown>>, context: ConnectorContext): Connector;
}
