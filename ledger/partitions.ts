/**
 * Monthly partitions of ledger_records (by `finished_at`, in UTC), named
 * ledger_records_yYYYYmMM, kept created ahead of time. A record whose month has
 * no partition yet lands in the DEFAULT partition; creating that month's
 * partition moves it out first, since PostgreSQL refuses to attach a partition
 * while the DEFAULT partition holds rows that belong to it.
 */
import type { Knex } from 'knex';
import { badInput, meridianError } from '../common/index.js';
import { LEDGER_TABLE as PARENT, monthOf, monthStart, monthlyPartitions, partitionName } from './ledgerMonths.js';

/** What one run of ensurePartitions did. */
export interface EnsuredPartitions {
  /** Partitions created by this call, oldest month first. */
  readonly created: readonly string[];
  /** Records moved out of the DEFAULT partition into them. */
  readonly movedRecords: number;
}

const DEFAULT_PARTITION = 'ledger_records_default';
/** Serialises partition maintenance across gateway instances (an arbitrary constant of this project). */
const PARTITION_LOCK = 4_204_050_501;
/** Last month whose upper bound PostgreSQL reads in ISO form (year 9999). */
const LAST_MONTH = 9999 * 12 + 10;

/**
 * Creates the partitions of the month of `now`, of the `monthsAhead` months
 * after it, and of every month that has records in the DEFAULT partition,
 * moving those records into them. Idempotent; instances racing on the same
 * database serialise on an advisory lock and each month is created once.
 */
export async function ensurePartitions(knex: Knex, now: Date, monthsAhead: number): Promise<EnsuredPartitions> {
  if (Number.isNaN(now.getTime())) throw badInput('ensurePartitions needs a valid date');
  if (!Number.isInteger(monthsAhead) || monthsAhead < 0) throw badInput('monthsAhead must be a whole number, 0 or more');
  const current = monthOf(now);
  const wanted = new Set<number>();
  for (let month = current; month <= current + monthsAhead; month++) wanted.add(month);
  for (const month of await monthsInDefault(knex)) wanted.add(month);

  const existing = await monthlyPartitions(knex);
  const created: string[] = [];
  let movedRecords = 0;
  for (const month of [...wanted].sort((a, b) => a - b)) {
    if (month > LAST_MONTH || existing.has(month)) continue;
    const moved = await createPartition(knex, month);
    if (moved === null) continue;
    created.push(partitionName(month));
    movedRecords += moved;
  }
  return { created, movedRecords };
}

/** Creates and attaches one month's partition; null when another instance did it first. */
async function createPartition(knex: Knex, month: number): Promise<number | null> {
  const name = partitionName(month);
  const from = monthStart(month).toISOString();
  const to = monthStart(month + 1).toISOString();
  return knex.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [PARTITION_LOCK]);
    if ((await monthlyPartitions(trx)).has(month)) return null;
    const [{ exists } = { exists: false }] = (await trx.raw('SELECT to_regclass(?) IS NOT NULL AS exists', [name])).rows as {
      exists: boolean;
    }[];
    if (exists) {
      throw meridianError('CONFLICT', { what: `Table ${name} exists but is not a partition of ${PARENT}; attach or drop it` });
    }
    // Taken first: inserts routed to DEFAULT wait here instead of slipping in before the attach, which
    // would then fail; ATTACH needs this lock on DEFAULT anyway, and taking it late could deadlock.
    await trx.raw('LOCK TABLE ?? IN ACCESS EXCLUSIVE MODE', [DEFAULT_PARTITION]);
    await trx.raw('CREATE TABLE ?? (LIKE ?? INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', [name, PARENT]);
    const moved = await trx.raw(
      `WITH moved AS (DELETE FROM ?? WHERE finished_at >= ? AND finished_at < ? RETURNING *),
            copied AS (INSERT INTO ?? SELECT * FROM moved RETURNING 1)
       SELECT count(*)::int AS records FROM copied`,
      [DEFAULT_PARTITION, from, to, name],
    );
    // Partition bounds are not parameters in DDL: the literals are dates built from an integer month.
    await trx.raw(`ALTER TABLE ?? ATTACH PARTITION ?? FOR VALUES FROM ('${from}') TO ('${to}')`, [PARENT, name]);
    return (moved.rows as { records: number }[])[0]?.records ?? 0;
  });
}

/** Months (since year 0, UTC) of the records in the DEFAULT partition: normally none. */
async function monthsInDefault(knex: Knex): Promise<number[]> {
  const result = await knex.raw(
    `SELECT DISTINCT extract(year FROM finished_at AT TIME ZONE 'UTC')::int AS year, extract(month FROM finished_at AT TIME ZONE 'UTC')::int AS month
     FROM ??`,
    [DEFAULT_PARTITION],
  );
  return (result.rows as { year: number; month: number }[]).map((row) => row.year * 12 + row.month - 1);
}
