/**
 * Core tables: departments, connectors, resources and their versions, API keys,
 * grants, the exchange ledger, the admin audit trail and gateway settings.
 */
import type { Knex } from 'knex';

export const name = '001_core';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('departments', (t) => {
    t.string('code', 18).primary(); // 统一社会信用代码
    t.text('name').notNullable();
    t.string('region_code', 12).notNullable();
    t.string('level', 16).notNullable();
    t.string('parent_code', 18).nullable().references('code').inTable('departments');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('connectors', (t) => {
    t.text('id').primary();
    t.string('kind', 16).notNullable();
    t.string('department_code', 18).notNullable().references('code').inTable('departments');
    t.jsonb('config').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // One row per resource code; its versions live in resource_versions.
  await knex.schema.createTable('resources', (t) => {
    t.text('code').primary();
    t.text('api_name').notNullable().unique();
    t.string('provider_code', 18).notNullable().references('code').inTable('departments');
    t.text('classification').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('resource_versions', (t) => {
    t.text('code').notNullable().references('code').inTable('resources');
    t.integer('version').notNullable();
    t.string('status', 16).notNullable();
    t.jsonb('definition').notNullable();
    t.text('connector_id').notNullable().references('id').inTable('connectors');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('published_at', { useTz: true }).nullable();
    t.timestamp('deprecated_at', { useTz: true }).nullable();
    t.text('deprecation_reason').nullable();
    t.primary(['code', 'version']);
  });
  await knex.raw(
    "ALTER TABLE resource_versions ADD CONSTRAINT resource_versions_status_check CHECK (status IN ('DRAFT', 'PUBLISHED', 'DEPRECATED'))",
  );
  // At most one published version per resource: the one the data plane serves.
  await knex.raw("CREATE UNIQUE INDEX resource_versions_one_published ON resource_versions (code) WHERE status = 'PUBLISHED'");

  // Next 顺序码 per classification code.
  await knex.schema.createTable('code_sequences', (t) => {
    t.text('classification').primary();
    t.integer('last_value').notNullable();
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.text('id').primary();
    t.string('department_code', 18).notNullable().references('code').inTable('departments');
    t.text('label').notNullable();
    t.jsonb('roles').notNullable();
    t.text('secret_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.text('created_by').nullable();
  });

  await knex.schema.createTable('grants', (t) => {
    t.uuid('id').primary();
    t.text('resource_code').notNullable().references('code').inTable('resources');
    t.string('consumer_department', 18).notNullable().references('code').inTable('departments');
    t.jsonb('items').notNullable();
    t.jsonb('row_scope').nullable();
    t.jsonb('clear_items').notNullable();
    t.integer('max_rows_per_day').nullable();
    t.integer('max_calls_per_minute').nullable();
    t.timestamp('valid_from', { useTz: true }).notNullable();
    t.timestamp('valid_until', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.text('revoke_reason').nullable();
    t.uuid('application_id').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('created_by').nullable();
    t.index(['consumer_department', 'resource_code']);
  });

  await knex.schema.createTable('ledger_writers', (t) => {
    t.text('id').primary();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.text('host').notNullable();
    t.integer('pid').notNullable();
  });

  // The exchange log. One chain per writer: (writer_id, seq) orders it, prev_hash links it.
  await knex.schema.createTable('ledger_records', (t) => {
    t.text('writer_id').notNullable().references('id').inTable('ledger_writers');
    t.bigInteger('seq').notNullable();
    t.uuid('exchange_id').notNullable();
    t.text('request_id').notNullable();
    t.text('trace_id').nullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true }).notNullable();
    t.string('consumer_department', 18).notNullable();
    t.text('consumer_app').notNullable();
    t.string('on_behalf_of', 18).nullable();
    t.string('provider_department', 18).notNullable();
    t.text('resource_code').notNullable();
    t.integer('resource_version').notNullable();
    t.text('operation').notNullable();
    t.jsonb('items').notNullable();
    t.jsonb('returned_items').notNullable();
    t.jsonb('masked_items').notNullable();
    t.integer('row_count').notNullable();
    t.integer('bytes').notNullable();
    t.double('duration_ms').notNullable();
    t.string('outcome', 8).notNullable();
    t.text('error_code').nullable();
    t.text('decision_id').notNullable();
    t.text('grant_id').nullable();
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    t.primary(['writer_id', 'seq']);
    t.index(['at']);
    t.index(['exchange_id']);
  });

  // Control-plane actions: who did what, when (registrations, keys, publishing).
  await knex.schema.createTable('admin_audit', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('actor_key_id').nullable();
    t.string('actor_department', 18).nullable();
    t.text('via').notNullable();
    t.text('action').notNullable();
    t.text('target').notNullable();
    t.jsonb('details').nullable();
  });

  // Deployment-wide values shared by every gateway instance (for example the cursor key).
  await knex.schema.createTable('settings', (t) => {
    t.text('key').primary();
    t.text('value').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'settings',
    'admin_audit',
    'ledger_records',
    'ledger_writers',
    'grants',
    'api_keys',
    'code_sequences',
    'resource_versions',
    'resources',
    'connectors',
    'departments',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
