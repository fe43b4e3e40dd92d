/**
 * How resources sit in the database: one `resources` row per code (apiName,
 * provider and classification, fixed) and one `resource_versions` row per
 * version (status, dates and the normalised definition as jsonb).
 */
import type { Knex } from 'knex';
import { meridianError } from '../common/errors.js';
import type { ResourceContent } from './normalizeResource.js';
import type { MaskRule, ResourceDefinition, ResourceItem, ResourceStatus } from './model.js';

/** A `resource_versions` row as the drivers return it. */
export interface ResourceVersionRow {
  readonly code: string;
  readonly version: number;
  readonly status: ResourceStatus;
  readonly definition: ResourceContent;
  readonly connector_id: string;
  readonly created_at: Date | string;
  readonly published_at: Date | string | null;
  readonly deprecated_at: Date | string | null;
  readonly deprecation_reason: string | null;
}

/** A `resources` row. */
export interface ResourceRow {
  readonly code: string;
  readonly api_name: string;
  readonly provider_code: string;
  readonly classification: string;
}

/** The definition a version stores, fields in model order (so stored and exported forms read alike). */
export function contentOf(resource: ResourceContent): ResourceContent {
  return {
    code: resource.code,
    apiName: resource.apiName,
    name: resource.name,
    summary: resource.summary,
    classification: resource.classification,
    provider: resource.provider,
    format: resource.format,
    items: resource.items.map(itemOf),
    shareType: resource.shareType,
    shareCondition: resource.shareCondition,
    shareMethod: resource.shareMethod,
    openToPublic: resource.openToPublic,
    openCondition: resource.openCondition,
    updateCycle: resource.updateCycle,
    grade: resource.grade,
    relatedResources: [...resource.relatedResources],
    source: { connector: resource.source.connector, binding: resource.source.binding },
  };
}

function itemOf(item: ResourceItem): ResourceItem {
  return {
    name: item.name,
    label: item.label,
    type: item.type,
    length: item.length,
    shareType: item.shareType,
    sensitivity: item.sensitivity,
    mask: maskOf(item.mask),
    filterable: item.filterable,
    key: item.key,
    references: item.references ? { resource: item.references.resource, item: item.references.item, as: item.references.as } : null,
    description: item.description,
  };
}

function maskOf(mask: MaskRule): MaskRule {
  return mask.kind === 'PARTIAL' ? { kind: mask.kind, keepStart: mask.keepStart!, keepEnd: mask.keepEnd! } : { kind: mask.kind };
}

/** The served form of one stored version. */
export function toResourceDefinition(row: ResourceVersionRow): ResourceDefinition {
  return {
    ...contentOf(row.definition),
    code: row.code,
    version: row.version,
    status: row.status,
    createdAt: toIso(row.created_at),
    publishedAt: row.published_at === null ? null : toIso(row.published_at),
    deprecatedAt: row.deprecated_at === null ? null : toIso(row.deprecated_at),
    deprecationReason: row.deprecation_reason,
  };
}

function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** Locks the resource row of `code` until the transaction ends; NOT_FOUND when there is none. */
export async function lockResource(trx: Knex.Transaction, code: string): Promise<ResourceRow> {
  const row = (await trx('resources').where({ code }).forUpdate().first()) as ResourceRow | undefined;
  if (!row) throw meridianError('NOT_FOUND', { what: 'Resource', id: code });
  return row;
}

/**
 * The admin-view version of each code (the published one, else the latest),
 * for the given codes or, with null, for every code.
 */
export async function loadAdminViews(knex: Knex | Knex.Transaction, codes: readonly string[] | null): Promise<Map<string, ResourceDefinition>> {
  const rows = (await knex('resource_versions')
    .distinctOn('code')
    .select('*')
    .modify((query) => {
      if (codes) query.whereIn('code', codes);
    })
    .orderBy('code')
    .orderByRaw("(status = 'PUBLISHED') desc, version desc")) as ResourceVersionRow[];
  return new Map(rows.map((row) => [row.code, toResourceDefinition(row)]));
}

/** The latest version of every code. */
export async function loadLatestVersions(knex: Knex | Knex.Transaction): Promise<Map<string, ResourceDefinition>> {
  const rows = (await knex('resource_versions')
    .distinctOn('code')
    .select('*')
    .orderBy([{ column: 'code' }, { column: 'version', order: 'desc' }])) as ResourceVersionRow[];
  return new Map(rows.map((row) => [row.code, toResourceDefinition(row)]));
}

/** Names of the key items of a definition. */
export function keyItemNames(resource: { readonly items: readonly ResourceItem[] }): string[] {
  return resource.items.filter((item) => item.key).map((item) => item.name);
}

/** True for a unique-constraint violation from either driver. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
