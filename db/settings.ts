/** Deployment-wide settings kept in the database and shared by every instance. */
import type { Knex } from 'knex';

/**
 * Returns the setting `key`, first storing `create()` when it is missing.
 * Concurrent first calls agree on one value (the first insert wins).
 */
export async function ensureSetting(knex: Knex, key: string, create: () => string): Promise<string> {
  await knex('settings').insert({ key, value: create() }).onConflict('key').ignore();
  const row = (await knex('settings').where({ key }).first('value')) as { value: string };
  return row.value;
}
