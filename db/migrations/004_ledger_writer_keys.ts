/**
 * Every checkpoint key a writer ever used. A writer id continued by a new
 * process gets a new Ed25519 key (private keys live only in memory), so
 * ledger_writers.public_key alone, holding the current key, would leave the
 * checkpoints signed by earlier processes unverifiable.
 */
import type { Knex } from 'knex';

export const name = '004_ledger_writer_keys';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ledger_writer_keys', (t) => {
    t.bigIncrements('id').primary();
    t.text('writer_id').notNullable().references('id').inTable('ledger_writers');
    // Ed25519 public key, SPKI DER in base64.
    t.text('public_key').notNullable();
    t.timestamp('registered_at', { useTz: true }).notNullable();
    t.index(['writer_id']);
  });
  await knex.schema.alterTable('ledger_checkpoints', (t) => {
    // The key that signed the checkpoint; null only for a checkpoint whose writer registered no key.
    t.bigInteger('key_id').nullable().references('id').inTable('ledger_writer_keys');
  });
  // Checkpoints written before this migration were signed with their writer's only registered key.
  await knex.raw(`
    INSERT INTO ledger_writer_keys (writer_id, public_key, registered_at)
    SELECT id, public_key, started_at FROM ledger_writers WHERE public_key IS NOT NULL`);
  await knex.raw(`
    UPDATE ledger_checkpoints c SET key_id = k.id
    FROM ledger_writer_keys k WHERE k.writer_id = c.writer_id`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('ledger_checkpoints', (t) => t.dropColumn('key_id'));
  await knex.schema.dropTableIfExists('ledger_writer_keys');
}
