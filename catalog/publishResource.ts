/** Publishing: a DRAFT version becomes the one served; the version it replaces is deprecated. */
import type { Knex } from 'knex';
import { meridianError } from '../common/errors.js';
import { notifyChange } from '../db/changeNotifications.js';
import { recordAdminAction, type Actor } from '../db/adminAudit.js';
import type { ResourceDefinition } from './model.js';
import { lockResource, toResourceDefinition, type ResourceVersionRow } from './resourceRows.js';

/**
 * Publishes a version of a resource (null: its latest). Publishing the
 * published version changes nothing; a DEPRECATED version is never published again (CONFLICT).
 */
export async function publishResource(
  knex: Knex | Knex.Transaction,
  code: string,
  version: number | null,
  actor: Actor,
): Promise<ResourceDefinition> {
  return knex.transaction(async (trx) => {
    const { resource, changed } = await publishVersion(trx, code, version, actor);
    if (changed) await notifyChange(trx, 'catalog');
    return resource;
  });
}

/** Publishes inside the caller's transaction; `changed` is false when the version was already published. */
export async function publishVersion(
  trx: Knex.Transaction,
  code: string,
  version: number | null,
  actor: Actor,
): Promise<{ resource: ResourceDefinition; changed: boolean }> {
  await lockResource(trx, code);
  const target = (await trx('resource_versions')
    .where({ code })
    .modify((query) => {
      if (version !== null) query.where({ version });
    })
    .orderBy('version', 'desc')
    .first()) as ResourceVersionRow | undefined;
  if (!target) throw meridianError('NOT_FOUND', { what: `Version ${version} of resource`, id: code });
  if (target.status === 'PUBLISHED') return { resource: toResourceDefinition(target), changed: false };
  if (target.status === 'DEPRECATED') {
    throw meridianError('CONFLICT', {
      what: `Version ${target.version} of ${code} is DEPRECATED and cannot be published again; register the definition again to make a new version`,
    });
  }
  // The old published version steps aside first: at most one version of a code is PUBLISHED (a unique index).
  const superseded = (await trx('resource_versions')
    .where({ code, status: 'PUBLISHED' })
    .update({ status: 'DEPRECATED', deprecated_at: trx.fn.now(), deprecation_reason: `superseded by version ${target.version}` })
    .returning('version')) as { version: number }[];
  const [row] = (await trx('resource_versions')
    .where({ code, version: target.version })
    .update({ status: 'PUBLISHED', published_at: trx.fn.now() })
    .returning('*')) as ResourceVersionRow[];
  await recordAdminAction(trx, actor, 'resource.publish', code, {
    version: target.version,
    superseded: superseded[0]?.version ?? null,
  });
  return { resource: toResourceDefinition(row!), changed: true };
}
