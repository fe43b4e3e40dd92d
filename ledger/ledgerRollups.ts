/**
 * Hourly roll-ups of the exchange log (ledger_rollups), added to in the
 * transaction of every batch so that figures are current to the commit and
 * never need a scan of raw records. One row per UTC hour, provider, consumer
 * department (the one served: onBehalfOf when a gateway asked for it),
 * resource and outcome.
 */
import type { Knex } from 'knex';
import type { ExchangeRecord } from './ExchangeRecord.js';

/** One ledger_rollups row, or the part of it one batch adds. */
export interface RollupRow {
  /** Start of the UTC hour of the records' `at`, ISO 8601 with milliseconds. */
  readonly hour: string;
  readonly provider_department: string;
  readonly consumer_department: string;
  readonly resource_code: string;
  readonly outcome: string;
  readonly calls: number;
  readonly rows: number;
  readonly bytes: number;
  readonly denials: number;
  readonly errors: number;
  readonly duration_ms_sum: number;
}

const KEY_COLUMNS = ['hour', 'provider_department', 'consumer_department', 'resource_code', 'outcome'] as const;
const SUM_COLUMNS = ['calls', 'rows', 'bytes', 'denials', 'errors', 'duration_ms_sum'] as const;

/**
 * The roll-up rows of `records` (in their stored form: `at` in UTC), one per
 * key, in key order: concurrent writers then lock shared rows in the same
 * order and cannot deadlock on each other.
 */
export function rollupRows(records: readonly ExchangeRecord[]): RollupRow[] {
  const byKey = new Map<string, RollupRow>();
  for (const record of records) {
    const key = {
      // `at` is stored as toISOString() gives it, so its first 13 characters are the UTC hour.
      hour: `${record.at.slice(0, 13)}:00:00.000Z`,
      provider_department: record.providerDepartment,
      consumer_department: record.onBehalfOf ?? record.consumerDepartment,
      resource_code: record.resourceCode,
      outcome: record.outcome,
    };
    const id = JSON.stringify(KEY_COLUMNS.map((column) => key[column]));
    const sums = byKey.get(id) ?? { ...key, calls: 0, rows: 0, bytes: 0, denials: 0, errors: 0, duration_ms_sum: 0 };
    byKey.set(id, {
      ...sums,
      calls: sums.calls + 1,
      rows: sums.rows + record.rows,
      bytes: sums.bytes + record.bytes,
      denials: sums.denials + (record.outcome === 'DENIED' ? 1 : 0),
      errors: sums.errors + (record.outcome === 'ERROR' ? 1 : 0),
      duration_ms_sum: sums.duration_ms_sum + record.durationMs,
    });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

/** Adds the figures of `records` to ledger_rollups with one INSERT ... ON CONFLICT DO UPDATE. */
export async function upsertRollups(trx: Knex | Knex.Transaction, records: readonly ExchangeRecord[]): Promise<void> {
  const rows = rollupRows(records);
  if (rows.length === 0) return;
  const added = Object.fromEntries(
    SUM_COLUMNS.map((column) => [column, trx.raw('?? + ??', [`ledger_rollups.${column}`, `excluded.${column}`])]),
  );
  await trx('ledger_rollups')
    .insert(rows)
    .onConflict([...KEY_COLUMNS])
    .merge(added);
}
