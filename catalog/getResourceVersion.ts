/** Reading one stored version of a resource. */
import type { Knex } from 'knex';
import type { ResourceDefinition } from './model.js';
import { toResourceDefinition, type ResourceVersionRow } from './resourceRows.js';

/** One version of a resource, or null when the code or the version does not exist. */
export async function getResourceVersion(
  knex: Knex | Knex.Transaction,
  code: string,
  version: number,
): Promise<ResourceDefinition | null> {
  const row = (await knex('resource_versions').where({ code, version }).first()) as ResourceVersionRow | undefined;
  return row ? toResourceDefinition(row) : null;
}
