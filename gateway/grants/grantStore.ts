/**
 * Grants: approved access of a consumer department to a conditional resource
 * (or to conditional items of any resource). Cached in memory for decide();
 * every change notifies all instances.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { meridianError, validationFailed, type Problem } from '../../common/errors.js';
import { notifyChange, recordAdminAction, type Actor } from '../../db/index.js';
import { parseRowScope, type CatalogSnapshot } from '../../catalog/index.js';
import type { Grant } from '../../policies/index.js';

/** Grants by consumer department and resource code. */
export type GrantIndex = ReadonlyMap<string, readonly Grant[]>;

/** The index key of a consumer department's grants for a resource. */
export function grantKey(consumerDepartment: string, resourceCode: string): string {
  return `${consumerDepartment}|${resourceCode}`;
}

interface GrantRow {
  id: string;
  resource_code: string;
  consumer_department: string;
  items: string[] | string;
  row_scope: Record<string, unknown> | string | null;
  clear_items: string[] | string;
  max_rows_per_day: number | null;
  max_calls_per_minute: number | null;
  valid_from: Date;
  valid_until: Date | null;
  revoked_at: Date | null;
}

function json<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

function rowToGrant(row: GrantRow): Grant {
  return Object.freeze({
    id: row.id,
    resourceCode: row.resource_code,
    consumerDepartment: row.consumer_department,
    items: Object.freeze(json<string[]>(row.items)),
    rowScope: row.row_scope === null ? null : json<Record<string, unknown>>(row.row_scope),
    clearItems: Object.freeze(json<string[]>(row.clear_items)),
    maxRowsPerDay: row.max_rows_per_day,
    maxCallsPerMinute: row.max_calls_per_minute,
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    revokedAt: row.revoked_at,
  });
}

/**
 * Loads the grants decide() may need: unrevoked ones, expired included (so a
 * denial can say GRANT_EXPIRED rather than APPLICATION_REQUIRED).
 */
export async function loadGrantIndex(knex: Knex): Promise<GrantIndex> {
  const rows = (await knex('grants').whereNull('revoked_at').select('*')) as GrantRow[];
  const index = new Map<string, Grant[]>();
  for (const row of rows) {
    const key = grantKey(row.consumer_department, row.resource_code);
    const list = index.get(key);
    if (list) list.push(rowToGrant(row));
    else index.set(key, [rowToGrant(row)]);
  }
  return index;
}

/** Grants by id, in the order asked (null where there is none), in one query. */
export async function findGrants(knex: Knex, ids: readonly string[]): Promise<(Grant | null)[]> {
  const rows = (await knex('grants').whereIn('id', ids).select('*')) as GrantRow[];
  const byId = new Map(rows.map((row) => [row.id, rowToGrant(row)]));
  return ids.map((id) => byId.get(id) ?? null);
}

export interface GrantInput {
  readonly resourceCode: string;
  readonly consumerDepartment: string;
  readonly items: readonly string[];
  readonly rowScope?: Readonly<Record<string, unknown>> | null;
  readonly clearItems?: readonly string[];
  readonly maxRowsPerDay?: number | null;
  readonly maxCallsPerMinute?: number | null;
  readonly validFrom: Date;
  readonly validUntil?: Date | null;
  readonly applicationId?: string | null;
}

/**
 * Creates a grant after checking it against the resource's current definition:
 * items exist, clear items are among the items, the row scope parses on
 * filterable items, quotas are positive and the validity is ordered.
 */
export async function createGrant(knex: Knex, catalog: CatalogSnapshot, input: GrantInput, actor: Actor): Promise<Grant> {
  const problems: Problem[] = [];
  const resource = catalog.resources.get(input.resourceCode);
  if (!resource) problems.push({ path: 'resourceCode', message: `${input.resourceCode} is not a registered resource` });
  if (!catalog.departments.has(input.consumerDepartment)) {
    problems.push({ path: 'consumerDepartment', message: `${input.consumerDepartment} is not a registered department` });
  }
  if (resource) {
    const names = new Set(resource.items.map((item) => item.name));
    if (input.items.length === 0) problems.push({ path: 'items', message: 'must name at least one item' });
    input.items.forEach((item, i) => {
      if (!names.has(item)) problems.push({ path: `items[${i}]`, message: `${item} is not an item of ${resource.code}` });
    });
    (input.clearItems ?? []).forEach((item, i) => {
      if (!input.items.includes(item)) problems.push({ path: `clearItems[${i}]`, message: `${item} must be one of the granted items` });
    });
    problems.push(...parseRowScope(input.rowScope ?? null, resource).problems);
  }
  for (const quota of ['maxRowsPerDay', 'maxCallsPerMinute'] as const) {
    const value = input[quota];
    if (value !== undefined && value !== null && (!Number.isInteger(value) || value < 1)) {
      problems.push({ path: quota, message: 'must be a positive integer' });
    }
  }
  if (input.validUntil && input.validUntil.getTime() <= input.validFrom.getTime()) {
    problems.push({ path: 'validUntil', message: 'must be after validFrom' });
  }
  if (problems.length > 0) throw validationFailed('The grant', problems);

  const id = randomUUID();
  await knex.transaction(async (trx) => {
    await trx('grants').insert({
      id,
      resource_code: input.resourceCode,
      consumer_department: input.consumerDepartment,
      items: JSON.stringify(input.items),
      row_scope: input.rowScope ? JSON.stringify(input.rowScope) : null,
      clear_items: JSON.stringify(input.clearItems ?? []),
      max_rows_per_day: input.maxRowsPerDay ?? null,
      max_calls_per_minute: input.maxCallsPerMinute ?? null,
      valid_from: input.validFrom,
      valid_until: input.validUntil ?? null,
      application_id: input.applicationId ?? null,
      created_by: actor.keyId,
    });
    await recordAdminAction(trx, actor, 'createGrant', id, {
      resource: input.resourceCode,
      consumer: input.consumerDepartment,
      items: input.items,
    });
    await notifyChange(trx, 'grants');
  });
  const row = (await knex('grants').where({ id }).first()) as GrantRow;
  return rowToGrant(row);
}

/**
 * Revokes a grant. `administers(resourceCode)` says whether the caller may
 * revoke grants of that resource; a grant it may not touch is reported as
 * missing, so its existence is not disclosed. The change reaches every
 * instance through the grants notification.
 */
export async function revokeGrant(
  knex: Knex,
  id: string,
  reason: string,
  actor: Actor,
  now: Date,
  administers: (resourceCode: string) => boolean,
): Promise<Grant> {
  if (!reason.trim()) throw meridianError('BAD_USER_INPUT', { what: 'reason must say why the grant is revoked' });
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (!uuid.test(id)) throw meridianError('NOT_FOUND', { what: 'Grant', id });
  return knex.transaction(async (trx) => {
    const row = (await trx('grants').where({ id }).forUpdate().first()) as GrantRow | undefined;
    if (!row || !administers(row.resource_code)) throw meridianError('NOT_FOUND', { what: 'Grant', id });
    if (row.revoked_at) throw meridianError('CONFLICT', { what: `Grant ${id} was already revoked at ${row.revoked_at.toISOString()}` });
    await trx('grants').where({ id }).update({ revoked_at: now, revoke_reason: reason.trim() });
    await recordAdminAction(trx, actor, 'revokeGrant', id, { reason: reason.trim() });
    await notifyChange(trx, 'grants');
    return rowToGrant({ ...row, revoked_at: now });
  });
}
