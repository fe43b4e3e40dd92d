/**
 * The months of the exchange log: ledger_records is partitioned by month (UTC)
 * of finished_at, one partition ledger_records_yYYYYmMM per month. A month is
 * counted in months since year 0 (year * 12 + month index), so that months
 * compare and step as integers.
 */
import type { Knex } from 'knex';

export const LEDGER_TABLE = 'ledger_records';

const MONTHLY_PARTITION = /^ledger_records_y(\d{4})m(\d{2})$/;

/** The month (UTC) of `date`. */
export function monthOf(date: Date): number {
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

/** The first instant of `month`, UTC. */
export function monthStart(month: number): Date {
  const date = new Date(0);
  date.setUTCFullYear(Math.floor(month / 12), month % 12, 1);
  return date;
}

/** `month` as YYYY-MM. */
export function monthLabel(month: number): string {
  return `${String(Math.floor(month / 12)).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
}

/** The partition of `month`, e.g. ledger_records_y2024m03. */
export function partitionName(month: number): string {
  const [year, monthOfYear] = monthLabel(month).split('-');
  return `${LEDGER_TABLE}_y${year}m${monthOfYear}`;
}

/** The monthly partitions attached to ledger_records, by month (the DEFAULT partition is not one). */
export async function monthlyPartitions(knex: Knex | Knex.Transaction): Promise<Map<number, string>> {
  const result = await knex.raw(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = to_regclass(?)`,
    [LEDGER_TABLE],
  );
  const months = new Map<number, string>();
  for (const { name } of result.rows as { name: string }[]) {
    const match = MONTHLY_PARTITION.exec(name);
    if (match) months.set(Number(match[1]) * 12 + Number(match[2]) - 1, name);
  }
  return months;
}
