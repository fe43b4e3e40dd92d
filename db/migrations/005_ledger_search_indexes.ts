/**
 * Indexes for the auditors' exchanges(filter) search, so that finding one
 * exchange, or the newest exchanges of one department, reads an index of each
 * monthly partition instead of scanning the ledger. exchange_id, at and
 * (resource_code, at) are indexed by 003. Each index costs ingest a little;
 * `npm run bench` measures ingest with all of them in place.
 */
import type { Knex } from 'knex';

export const name = '005_ledger_search_indexes';

const INDEXES: readonly [name: string, definition: string][] = [
  ['ledger_records_consumer_at', '(consumer_department, at)'],
  ['ledger_records_provider_at', '(provider_department, at)'],
  // The department a calling gateway asked for: the consumer filter matches it too.
  ['ledger_records_on_behalf_of_at', '(on_behalf_of, at) WHERE on_behalf_of IS NOT NULL'],
  ['ledger_records_request', '(request_id)'],
  ['ledger_records_decision', '(decision_id)'],
  // Most records name no grant or error: partial indexes stay small.
  ['ledger_records_grant', '(grant_id) WHERE grant_id IS NOT NULL'],
  ['ledger_records_error_at', '(error_code, at) WHERE error_code IS NOT NULL'],
];

export async function up(knex: Knex): Promise<void> {
  // Index names and definitions are constants of this file, not input.
  for (const [index, definition] of INDEXES) await knex.raw(`CREATE INDEX ${index} ON ledger_records ${definition}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [index] of INDEXES) await knex.raw(`DROP INDEX IF EXISTS ${index}`);
}
