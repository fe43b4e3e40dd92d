/**
 * What the catalog needs to know about connector kinds, injected by the caller
 * so that catalog/ never imports connectors/ (imports flow the other way).
 * A connectors/ registry of ConnectorFactory values satisfies this type as is.
 */
import type { Problem } from '../common/errors.js';
import type { ConnectorKind, ItemType } from './model.js';

/** What a binding check knows of each item of the resource. */
export interface BindingItem {
  readonly name: string;
  readonly type: ItemType;
  readonly filterable?: boolean;
  readonly key?: boolean;
}

/** The metadata of one connector kind: the schemas of its config and of a resource's binding. */
export interface SourceKind {
  /** JSON Schema of a connector's config. */
  readonly configSchema: object;
  /** JSON Schema of a resource's binding to this kind of source. */
  readonly bindingSchema: object;
  /** Problems of a binding beyond its schema, given the resource's items; paths relative to the binding. */
  bindingProblems(binding: unknown, items: readonly BindingItem[]): Problem[];
  /** Problems of a config beyond its schema that depend on the gateway's settings; paths relative to the config. */
  configProblems?(config: unknown): Problem[];
}

/** The connector kinds this gateway offers, by kind. */
export type SourceKinds = ReadonlyMap<ConnectorKind, SourceKind>;
