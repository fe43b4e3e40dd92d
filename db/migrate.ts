/**
 * Schema migrations, applied in order by knex's migrator. The list is explicit
 * so the same code runs from TypeScript sources and from the built dist/.
 */
import type { Knex } from 'knex';
import * as core from './migrations/001_core.js';
import * as applicationsAndQuotas from './migrations/002_applications_and_quotas.js';
import * as auditGradeLedger from './migrations/003_audit_grade_ledger.js';
import * as ledgerWriterKeys from './migrations/004_ledger_writer_keys.js';
import * as ledgerSearchIndexes from './migrations/005_ledger_search_indexes.js';

interface Migration {
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const migrations: readonly Migration[] = [core, applicationsAndQuotas, auditGradeLedger, ledgerWriterKeys, ledgerSearchIndexes];

const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...migrations],
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};

/** Applies every pending migration; safe to call from several instances at once. */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}
