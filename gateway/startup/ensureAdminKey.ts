/**
 * MERIDIAN_ADMIN_KEY: at start, make sure exactly that key exists with the
 * CATALOG_ADMIN and AUDITOR roles, held by the operator department. A key set
 * by an earlier value of the variable is revoked, so rotating it is one restart.
 */
import type { Knex } from 'knex';
import type { OperatorDepartment } from '../../common/config.js';
import { meridianError } from '../../common/errors.js';
import { notifyChange, recordAdminAction, systemActor } from '../../db/index.js';
import { registerDepartment } from '../../catalog/index.js';
import { hashApiKey, issueApiKey } from '../auth/apiKeys.js';

const ENV_KEY_PREFIX = 'env-admin-';

/** Ensures the admin key; returns its key id. */
export async function ensureAdminKey(knex: Knex, key: string, operator: OperatorDepartment, now: Date): Promise<string> {
  const hash = hashApiKey(key);
  const keyId = ENV_KEY_PREFIX + hash.slice(0, 16);
  const existing = (await knex('api_keys').where({ id: keyId }).first('id', 'revoked_at')) as { revoked_at: Date | null } | undefined;
  if (existing?.revoked_at) {
    throw meridianError('CONFIG_INVALID', {
      problems: `MERIDIAN_ADMIN_KEY names a key that was revoked at ${existing.revoked_at.toISOString()}; set a new key`,
    });
  }
  const stale = await knex('api_keys').where('id', 'like', `${ENV_KEY_PREFIX}%`).whereNot({ id: keyId }).whereNull('revoked_at').select('id');
  if (stale.length > 0) {
    await knex.transaction(async (trx) => {
      for (const { id } of stale as { id: string }[]) {
        await trx('api_keys').where({ id }).update({ revoked_at: now });
        await recordAdminAction(trx, systemActor, 'revokeApiKey', id, { reason: 'MERIDIAN_ADMIN_KEY changed' });
      }
      await notifyChange(trx, 'keys');
    });
  }
  if (existing) return keyId;
  if (!(await knex('departments').where({ code: operator.code }).first('code'))) {
    await registerDepartment(knex, { ...operator }, systemActor);
  }
  await issueApiKey(
    knex,
    { department: operator.code, roles: ['CATALOG_ADMIN', 'AUDITOR'], label: 'MERIDIAN_ADMIN_KEY' },
    systemActor,
    { key, keyId, now },
  );
  return keyId;
}
