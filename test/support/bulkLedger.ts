/** A large ledger written in one statement, for tests of what reading it costs (memory, streaming). */
import type { Knex } from 'knex';

/**
 * Registers writer `bulk` and gives it `count` records, two seconds apart from
 * 2026-01-01T00:00:00Z. Their hashes are placeholders that do not chain: the
 * tests that use this measure reading, not verification.
 */
export async function insertBulkLedger(knex: Knex, count: number): Promise<void> {
  await knex('ledger_writers').insert({ id: 'bulk', started_at: new Date(), host: 'test', pid: 1 });
  await knex.raw(
    `
    INSERT INTO ledger_records
    SELECT 'bulk', g, gen_random_uuid(), 'req-' || g, NULL,
           timestamptz '2026-01-01 00:00:00+00' + (g * interval '2 seconds'),
           timestamptz '2026-01-01 00:00:00+00' + (g * interval '2 seconds') + interval '15 milliseconds',
           '11330100MB0000000N', 'key-1', NULL, '11330100MB0000000N', '101001/000001', 1, 'query',
           '["idNumber","name"]', '["name"]', '["name"]', g % 50, 2048, 12.5, 'OK', NULL, 'decision-' || g, NULL,
           repeat('0', 64), md5(g::text) || md5((g + 1)::text)
    FROM generate_series(1, ?::int) AS g`,
    [count],
  );
  await knex.raw('ANALYZE ledger_records');
}
