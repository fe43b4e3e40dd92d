/**
 * Per-request DataLoaders: created with each request's context, so nothing
 * they cache outlives the request or crosses to another principal.
 */
import DataLoader from 'dataloader';
import type { Knex } from 'knex';
import type { Grant } from '../policies/index.js';
import { historyOf, type ApplicationEvent } from './applications/applicationStore.js';
import { findGrants } from './grants/grantStore.js';
import type { RelatedRows } from './exchange/lookupRelated.js';

export interface RequestLoaders {
  /** History of applications by id, one query per page of applications. */
  readonly applicationHistory: DataLoader<string, ApplicationEvent[]>;
  /** Grants by id (revoked ones included), one query per page. */
  readonly grants: DataLoader<string, Grant | null>;
  /** Related-resource look-ups by resource, item and selection (see exchange/lookupRelated.ts). */
  readonly related: Map<string, DataLoader<unknown, RelatedRows>>;
}

/** Fresh loaders for one request. */
export function createRequestLoaders(knex: Knex): RequestLoaders {
  return {
    applicationHistory: new DataLoader((ids: readonly string[]) => historyOf(knex, ids)),
    grants: new DataLoader((ids: readonly string[]) => findGrants(knex, ids)),
    related: new Map(),
  };
}
