/**
 * Admission of exchanges under a grant, against counters in the database that
 * every gateway instance shares: calls per minute and rows per local day. The
 * same round trip re-reads the grant, so a revocation made through any
 * instance stops the very next exchange on every instance.
 */
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import type { Grant, QuotaUsage } from '../../policies/index.js';

/** The quota windows an instant falls in. */
export interface QuotaWindows {
  readonly minuteStart: Date;
  readonly minuteEndsAt: Date;
  /** Local midnight starting the day, in the configured time zone. */
  readonly dayStart: Date;
  readonly dayEndsAt: Date;
}

/** The minute (UTC) and the local day (in `timeZone`) of `now`. */
export function quotaWindows(now: Date, timeZone: string): QuotaWindows {
  const minuteStart = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const day = DateTime.fromJSDate(now, { zone: timeZone }).startOf('day');
  return {
    minuteStart,
    minuteEndsAt: new Date(minuteStart.getTime() + 60_000),
    dayStart: day.toJSDate(),
    dayEndsAt: day.plus({ days: 1 }).toJSDate(),
  };
}

/** What the database said of one request for admission. */
export interface Admission {
  /** The grant as it is now: a revocation or shortened validity shows here first. */
  readonly grant: Grant;
  /** Usage before this exchange, for decide(). */
  readonly usage: QuotaUsage;
  /** True when the call was counted and rows reserved. */
  readonly admitted: boolean;
  /** Rows reserved of today's quota (the wanted rows when the grant has no row quota). */
  readonly reservedRows: number;
}

interface AdmitRow {
  found: boolean;
  revoked_at: Date | null;
  valid_until: Date | null;
  calls_before: number | string;
  rows_before: number | string;
  admitted: boolean;
  reserved: number;
}

/**
 * Asks to admit one exchange under `grant` wanting up to `wantRows` rows.
 * A grant that disappeared is reported as revoked now.
 */
export async function admitExchange(knex: Knex, grant: Grant, wantRows: number, windows: QuotaWindows, now: Date): Promise<Admission> {
  const result = await knex.raw('select * from meridian_admit(?::uuid, ?, ?, ?, ?, ?, ?)', [
    grant.id,
    now,
    windows.minuteStart,
    windows.dayStart,
    grant.maxCallsPerMinute,
    grant.maxRowsPerDay,
    wantRows,
  ]);
  const row = (result.rows as AdmitRow[])[0]!;
  const fresh: Grant = row.found
    ? { ...grant, revokedAt: row.revoked_at, validUntil: row.valid_until }
    : { ...grant, revokedAt: now };
  return {
    grant: fresh,
    usage: {
      grantId: grant.id,
      callsThisMinute: Number(row.calls_before),
      rowsToday: Number(row.rows_before),
      minuteEndsAt: windows.minuteEndsAt,
      dayEndsAt: windows.dayEndsAt,
    },
    admitted: row.admitted,
    reservedRows: row.reserved,
  };
}

/** Gives back reserved rows that were not delivered (a short page, a failed fetch). */
export async function releaseRows(knex: Knex, grantId: string, windows: QuotaWindows, rows: number): Promise<void> {
  if (rows <= 0) return;
  await knex('quota_counters')
    .where({ grant_id: grantId, kind: 'rows', window_start: windows.dayStart })
    .update({ used: knex.raw('greatest(used - ?, 0)', [rows]) });
}

/** Deletes counters of windows that ended before `before` (minutes and days alike); returns how many. */
export async function pruneQuotaCounters(knex: Knex, before: Date): Promise<number> {
  return knex('quota_counters')
    .where('window_start', '<', before)
    .andWhere((q) => q.where('kind', 'calls').orWhere('window_start', '<', new Date(before.getTime() - 2 * 86_400_000)))
    .delete();
}
