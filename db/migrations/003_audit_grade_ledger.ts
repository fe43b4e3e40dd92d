/**
 * The exchange log at audit grade and at scale: records partitioned by month
 * (UTC) of finished_at, signed checkpoints of each writer's chain head, hourly
 * roll-ups kept in the same transaction as each batch, and the anchors that
 * let a chain be verified after its oldest partitions were archived.
 *
 * Why finished_at: a writer appends records in the order their exchanges
 * finish (finishedAt is taken just before the append), so within one writer
 * seq order and finished_at order agree, and every monthly partition holds a
 * contiguous stretch of each chain. Partitioned by `at` (request in), an
 * exchange that started before midnight and finished after would put a chain's
 * neighbours in different months, and archiving one month would cut chains in
 * the middle.
 */
import type { Knex } from 'knex';

export const name = '003_audit_grade_ledger';

/** Columns of ledger_records, as 001 created them (partitioning needs the table created anew). */
const RECORD_COLUMNS = `
  writer_id text NOT NULL,
  seq bigint NOT NULL,
  exchange_id uuid NOT NULL,
  request_id text NOT NULL,
  trace_id text,
  at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  consumer_department varchar(18) NOT NULL,
  consumer_app text NOT NULL,
  on_behalf_of varchar(18),
  provider_department varchar(18) NOT NULL,
  resource_code text NOT NULL,
  resource_version integer NOT NULL,
  operation text NOT NULL,
  items jsonb NOT NULL,
  returned_items jsonb NOT NULL,
  masked_items jsonb NOT NULL,
  row_count integer NOT NULL,
  bytes integer NOT NULL,
  duration_ms double precision NOT NULL,
  outcome varchar(8) NOT NULL,
  error_code text,
  decision_id text NOT NULL,
  grant_id text,
  prev_hash varchar(64) NOT NULL,
  hash varchar(64) NOT NULL`;

export async function up(knex: Knex): Promise<void> {
  // A partitioned table's primary key must hold the partition key: (writer_id, seq) stays unique in
  // practice (one writer appends its chain), and the verifier reports any duplicate.
  await knex.raw('ALTER TABLE ledger_records RENAME TO ledger_records_unpartitioned');
  await knex.raw(
    `CREATE TABLE ledger_records (${RECORD_COLUMNS}, PRIMARY KEY (writer_id, seq, finished_at)) PARTITION BY RANGE (finished_at)`,
  );
  // Catches records for a month whose partition does not exist yet; maintenance moves them out.
  await knex.raw('CREATE TABLE ledger_records_default PARTITION OF ledger_records DEFAULT');
  await knex.raw('CREATE INDEX ledger_records_at ON ledger_records (at)');
  await knex.raw('CREATE INDEX ledger_records_exchange ON ledger_records (exchange_id)');
  await knex.raw('CREATE INDEX ledger_records_writer_seq ON ledger_records (writer_id, seq)');
  await knex.raw('CREATE INDEX ledger_records_resource_at ON ledger_records (resource_code, at)');
  await knex.raw('INSERT INTO ledger_records SELECT * FROM ledger_records_unpartitioned');
  await knex.raw('DROP TABLE ledger_records_unpartitioned');

  await knex.schema.alterTable('ledger_writers', (t) => {
    // Ed25519 public key (SPKI, base64) of the writer's checkpoint signatures.
    t.text('public_key').nullable();
  });

  // Signed chain heads: every N records or T seconds each writer signs its head.
  await knex.schema.createTable('ledger_checkpoints', (t) => {
    t.text('writer_id').notNullable().references('id').inTable('ledger_writers');
    t.bigInteger('seq').notNullable();
    t.string('hash', 64).notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    // Ed25519 signature (base64) over the checkpoint's canonical form.
    t.text('signature').notNullable();
    t.primary(['writer_id', 'seq']);
  });

  // Hourly figures per provider, consumer department (the one served: on_behalf_of when a gateway asked),
  // resource and outcome, updated in the transaction of every batch.
  await knex.schema.createTable('ledger_rollups', (t) => {
    t.timestamp('hour', { useTz: true }).notNullable();
    t.string('provider_department', 18).notNullable();
    t.string('consumer_department', 18).notNullable();
    t.text('resource_code').notNullable();
    t.string('outcome', 8).notNullable();
    t.bigInteger('calls').notNullable();
    t.bigInteger('rows').notNullable();
    t.bigInteger('bytes').notNullable();
    t.bigInteger('denials').notNullable();
    t.bigInteger('errors').notNullable();
    t.double('duration_ms_sum').notNullable();
    t.primary(['hour', 'provider_department', 'consumer_department', 'resource_code', 'outcome']);
  });

  // Where each writer's chain continues after its oldest records were archived and dropped.
  await knex.schema.createTable('ledger_archives', (t) => {
    t.bigIncrements('id').primary();
    t.text('writer_id').notNullable().references('id').inTable('ledger_writers');
    /** The last archived record: the next record's prevHash must be its hash. */
    t.bigInteger('last_seq').notNullable();
    t.string('last_hash', 64).notNullable();
    t.bigInteger('records').notNullable();
    t.timestamp('before', { useTz: true }).notNullable();
    t.text('file').notNullable();
    t.string('file_sha256', 64).notNullable();
    t.timestamp('archived_at', { useTz: true }).notNullable();
    t.index(['writer_id', 'last_seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('ledger_archives');
  await knex.schema.dropTableIfExists('ledger_rollups');
  await knex.schema.dropTableIfExists('ledger_checkpoints');
  await knex.schema.alterTable('ledger_writers', (t) => t.dropColumn('public_key'));
  await knex.raw('ALTER TABLE ledger_records RENAME TO ledger_records_partitioned');
  await knex.raw(`CREATE TABLE ledger_records (${RECORD_COLUMNS}, PRIMARY KEY (writer_id, seq))`);
  await knex.raw('INSERT INTO ledger_records SELECT * FROM ledger_records_partitioned');
  await knex.raw('DROP TABLE ledger_records_partitioned');
}
