/** Deprecation: the published version stops being served and keeps its history. */
import type { Knex } from 'knex';
import { meridianError, validationFailed } from '../common/errors.js';
import { notifyChange } from '../db/changeNotifications.js';
import { recordAdminAction, type Actor } from '../db/adminAudit.js';
import type { ResourceDefinition } from './model.js';
import { lockResource, toResourceDefinition, type ResourceVersionRow } from './resourceRows.js';

/** Deprecates the published version of a resource, giving the reason; CONFLICT when none is published. */
export async function deprecateResource(
  knex: Knex | Knex.Transaction,
  code: string,
  reason: string,
  actor: Actor,
): Promise<ResourceDefinition> {
  if (reason.trim() === '') {
    throw validationFailed('Deprecation', [{ path: 'reason', message: 'must say why the resource is deprecated' }]);
  }
  return knex.transaction(async (trx) => {
    const resource = await deprecatePublished(trx, code, reason.trim(), actor);
    await notifyChange(trx, 'catalog');
    return resource;
  });
}

/** Deprecates inside the caller's transaction. */
export async function deprecatePublished(
  trx: Knex.Transaction,
  code: string,
  reason: string,
  actor: Actor,
): Promise<ResourceDefinition> {
  await lockResource(trx, code);
  const [row] = (await trx('resource_versions')
    .where({ code, status: 'PUBLISHED' })
    .update({ status: 'DEPRECATED', deprecated_at: trx.fn.now(), deprecation_reason: reason })
    .returning('*')) as ResourceVersionRow[];
  if (!row) throw meridianError('CONFLICT', { what: `Resource ${code} has no published version to deprecate` });
  await recordAdminAction(trx, actor, 'resource.deprecate', code, { version: row.version, reason });
  return toResourceDefinition(row);
}
