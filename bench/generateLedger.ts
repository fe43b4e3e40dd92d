/**
 * Ten million ledger records made by PostgreSQL itself (INSERT ... SELECT from
 * generate_series): the writer would take far too long for a bench. The rows
 * have every column a real record has and realistic shapes: a few gateway
 * writers, skewed traffic over granted (consumer, resource) pairs, office
 * hours busier than nights, mostly OK outcomes. Their hash chains are NOT
 * valid (hash and prev_hash are numbered placeholders): indicators never read
 * them. The secondary indexes are dropped for the load and built again after
 * it from their own definitions: bulk-built, they take a fraction of the time
 * ten million index insertions would, and the schema ends up the same. The
 * roll-ups are then derived from the rows with the same grouping the writer
 * applies batch by batch (ledger/ledgerRollups.ts).
 */
import type { Knex } from 'knex';
import { TRAFFIC_SKEW, UPSTREAM_CONSUMERS, VIA_UPSTREAM_SHARE, type ExchangePair } from './benchCatalog.js';

/** Scratch table of the exchanging pairs, numbered from 0; dropped once the records are made. */
const PAIRS_TABLE = 'bench_pairs';
/** Gateway instances appending to the ledger, each with its own chain. */
export const GENERATED_WRITERS = 4;

/** Stores the pairs the generator draws from. */
export async function loadPairs(knex: Knex, pairs: readonly ExchangePair[]): Promise<void> {
  await knex.schema.createTable(PAIRS_TABLE, (t) => {
    t.integer('id').primary();
    t.string('provider', 18).notNullable();
    t.string('consumer', 18).notNullable();
    t.text('consumer_app').notNullable();
    t.text('resource').notNullable();
    t.jsonb('items').notNullable();
    t.jsonb('masked_items').notNullable();
    t.text('grant_id');
  });
  await knex(PAIRS_TABLE).insert(
    pairs.map((pair, id) => ({
      id,
      provider: pair.provider,
      consumer: pair.consumer,
      consumer_app: pair.consumerApp,
      resource: pair.resource,
      items: JSON.stringify(pair.items),
      masked_items: JSON.stringify(pair.maskedItems),
      grant_id: pair.grantId,
    })),
  );
}

/** Drops the pairs table, leaving the schema as the migrations made it. */
export async function dropPairs(knex: Knex): Promise<void> {
  await knex.schema.dropTable(PAIRS_TABLE);
}

/** An index of ledger_records as pg_indexes shows it. */
export interface IndexDefinition {
  readonly name: string;
  readonly definition: string;
}

/** The indexes of ledger_records that back no constraint, by name. */
export async function secondaryIndexes(knex: Knex): Promise<IndexDefinition[]> {
  const result = (await knex.raw(
    `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
     WHERE i.schemaname = current_schema() AND i.tablename = 'ledger_records'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = to_regclass(i.indexname))
     ORDER BY i.indexname`,
  )) as { rows: IndexDefinition[] };
  return result.rows;
}

/** Drops the secondary indexes (the primary key stays: it keeps the load honest) and returns them for createIndex. */
export async function dropSecondaryIndexes(knex: Knex): Promise<IndexDefinition[]> {
  const indexes = await secondaryIndexes(knex);
  for (const { name } of indexes) await knex.raw('DROP INDEX ??', [name]);
  return indexes;
}

/** Builds a dropped index again, on every partition, with room to sort in memory. */
export async function createIndex(knex: Knex, index: IndexDefinition): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.raw("SET LOCAL maintenance_work_mem = '1GB'");
    // PostgreSQL's own definition, read from pg_indexes. It shows a partitioned table's index as
    // ON ONLY (the parent alone); the index wanted covers every partition.
    await trx.raw(index.definition.replace(' ON ONLY ', ' ON '));
  });
}

export interface GeneratedSpan {
  /** First instant of the first day, e.g. 2024-01-01T00:00:00+08:00. */
  readonly start: Date;
  readonly days: number;
  readonly total: number;
}

/**
 * Inserts records number `from` to `to - 1` of `span.total`. Record g falls on
 * day floor(g * days / total), so the heap is in roughly time order as an
 * appended ledger's is; its hour is drawn with 80% in office hours (08-18 local).
 */
export async function generateRecords(knex: Knex, span: GeneratedSpan, pairCount: number, from: number, to: number): Promise<void> {
  await knex.transaction(async (trx) => {
    // A lost chunk on a crash only fails the bench; waiting for each commit's flush would not change the data.
    await trx.raw('SET LOCAL synchronous_commit = off');
    await trx.raw(
      `INSERT INTO ledger_records (
         writer_id, seq, exchange_id, request_id, trace_id, at, finished_at, consumer_department, consumer_app,
         on_behalf_of, provider_department, resource_code, resource_version, operation, items, returned_items,
         masked_items, row_count, bytes, duration_ms, outcome, error_code, decision_id, grant_id, prev_hash, hash)
       SELECT
         'bench-gateway-' || (s.g % :writers),
         s.g / :writers + 1,
         gen_random_uuid(),
         'req-' || s.g,
         lpad(to_hex(s.g), 32, '0'),
         s.at,
         s.at + make_interval(secs => s.duration_ms / 1000),
         p.consumer,
         p.consumer_app,
         CASE WHEN s.u_via < :viaShare THEN (:upstream::text[])[1 + s.g % :upstreamCount] END,
         p.provider,
         p.resource,
         1,
         'query',
         p.items,
         CASE WHEN s.outcome = 'OK' THEN p.items ELSE '[]'::jsonb END,
         CASE WHEN s.outcome = 'OK' THEN p.masked_items ELSE '[]'::jsonb END,
         s.row_count,
         s.row_count * (180 + s.g % 220),
         s.duration_ms,
         s.outcome,
         CASE s.outcome WHEN 'DENIED' THEN 'APPLICATION_REQUIRED' WHEN 'ERROR' THEN 'CONNECTOR_TIMEOUT' END,
         'dec-' || s.g,
         CASE WHEN s.outcome = 'OK' THEN p.grant_id END,
         lpad(to_hex(s.g / :writers), 64, '0'),
         lpad(to_hex(s.g / :writers + 1), 64, '0')
       FROM (
         SELECT
           d.g,
           d.u_pair,
           d.u_via,
           date_trunc('milliseconds',
             :start::timestamptz
             + make_interval(days => (d.g * :days / :total)::int)
             + make_interval(hours => CASE WHEN d.u_hour < 0.8 THEN 8 + floor(d.u_hour / 0.8 * 10) ELSE floor((d.u_hour - 0.8) / 0.2 * 24) END::int)
             + make_interval(secs => d.u_second * 3600)) AS at,
           CASE WHEN d.u_outcome < 0.90 THEN 'OK' WHEN d.u_outcome < 0.96 THEN 'DENIED' ELSE 'ERROR' END AS outcome,
           CASE WHEN d.u_outcome < 0.90 THEN floor(d.u_rows * d.u_rows * 50)::int ELSE 0 END AS row_count,
           round((5 + d.u_rows * 250)::numeric, 2)::float8 AS duration_ms
         FROM (
           SELECT g, random() AS u_pair, random() AS u_via, random() AS u_hour, random() AS u_second,
                  random() AS u_outcome, random() AS u_rows
           FROM generate_series(:from::bigint, :last::bigint) AS g
         ) d
       ) s
       JOIN :pairsTable: p ON p.id = floor(:pairs * power(s.u_pair, :skew))::int`,
      {
        writers: GENERATED_WRITERS,
        viaShare: VIA_UPSTREAM_SHARE,
        upstream: UPSTREAM_CONSUMERS,
        upstreamCount: UPSTREAM_CONSUMERS.length,
        start: span.start.toISOString(),
        days: span.days,
        total: span.total,
        from,
        last: to - 1,
        pairsTable: PAIRS_TABLE,
        pairs: pairCount,
        skew: TRAFFIC_SKEW,
      },
    );
  });
}

/**
 * The roll-up rows of the records with `at` in [from, to), as the writer
 * builds them (rollupRows in ledger/ledgerRollups.ts): UTC hour of `at`,
 * provider, consumer served (on_behalf_of, else consumer_department), resource
 * and outcome; rows and bytes summed over every outcome.
 */
export function rollupsOfRecords(knex: Knex | Knex.Transaction, from: Date, to: Date): Knex.QueryBuilder {
  return knex('ledger_records')
    .where('at', '>=', from)
    .andWhere('at', '<', to)
    .select(
      knex.raw("date_trunc('hour', at, 'UTC') AS hour"),
      'provider_department',
      knex.raw('coalesce(on_behalf_of, consumer_department) AS consumer_department'),
      'resource_code',
      'outcome',
      knex.raw('count(*) AS calls'),
      knex.raw('sum(row_count) AS rows'),
      knex.raw('sum(bytes) AS bytes'),
      knex.raw("count(*) FILTER (WHERE outcome = 'DENIED') AS denials"),
      knex.raw("count(*) FILTER (WHERE outcome = 'ERROR') AS errors"),
      knex.raw('sum(duration_ms) AS duration_ms_sum'),
    )
    .groupByRaw('1, 2, 3, 4, 5');
}

/** Fills ledger_rollups from the records with `at` in [from, to); ranges must be whole UTC hours and must not overlap. */
export async function storeRollups(knex: Knex, from: Date, to: Date): Promise<void> {
  await knex.transaction(async (trx) => {
    // Millions of groups: room for the hash aggregate to stay in memory instead of spilling to disk.
    await trx.raw("SET LOCAL work_mem = '512MB'");
    await trx.raw('SET LOCAL synchronous_commit = off');
    // In hour order, as the writer adds them while time passes: the heap then follows the hour, as in production.
    await trx.raw(
      `INSERT INTO ledger_rollups (hour, provider_department, consumer_department, resource_code, outcome,
         calls, rows, bytes, denials, errors, duration_ms_sum) ?`,
      [rollupsOfRecords(trx, from, to).orderByRaw('1')],
    );
  });
}

interface RollupFigures {
  hour: Date;
  provider_department: string;
  consumer_department: string;
  resource_code: string;
  outcome: string;
  calls: number | string;
  rows: number | string;
  bytes: number | string;
  denials: number | string;
  errors: number | string;
  duration_ms_sum: number;
}

/**
 * Checks that rollupsOfRecords, run over every record in the ledger, gives
 * exactly the roll-ups the writer stored batch by batch; returns the number of
 * roll-up rows compared. Run on the records the ingest bench wrote, it shows
 * the generated ledger's roll-ups are what the writer would have stored.
 */
export async function checkRollupsMatchWriter(knex: Knex): Promise<number> {
  const keyOf = (row: RollupFigures) =>
    [row.hour.toISOString(), row.provider_department, row.consumer_department, row.resource_code, row.outcome].join('|');
  const figuresOf = (row: RollupFigures) => [row.calls, row.rows, row.bytes, row.denials, row.errors].map(Number).join(',');
  const stored = (await knex('ledger_rollups').select('*')) as RollupFigures[];
  const derived = (await rollupsOfRecords(knex, new Date(0), new Date('9999-01-01T00:00:00Z'))) as RollupFigures[];
  const byKey = new Map(stored.map((row) => [keyOf(row), row]));
  if (stored.length !== derived.length) throw new Error(`roll-ups: the writer stored ${stored.length} rows, the SQL derives ${derived.length}`);
  for (const row of derived) {
    const writer = byKey.get(keyOf(row));
    if (!writer) throw new Error(`roll-ups: the writer stored no row for ${keyOf(row)}`);
    if (figuresOf(writer) !== figuresOf(row)) {
      throw new Error(`roll-ups of ${keyOf(row)}: the writer stored ${figuresOf(writer)}, the SQL derives ${figuresOf(row)}`);
    }
    // Float sums in another order may differ in the last bits; no indicator reads this column.
    if (Math.abs(writer.duration_ms_sum - row.duration_ms_sum) > 1e-6 * Math.max(1, Math.abs(row.duration_ms_sum))) {
      throw new Error(`roll-ups of ${keyOf(row)}: duration ${writer.duration_ms_sum} stored, ${row.duration_ms_sum} derived`);
    }
  }
  return derived.length;
}
