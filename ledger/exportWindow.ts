/**
 * The window and format of a ledger export as a user gives them (HTTP query,
 * CLI options), checked once for every way in, so that the same request is
 * accepted or refused with the same words whichever way it comes.
 */
import { badInput } from '../common/index.js';
import type { ExportFormat } from './exportLedger.js';

/** Longest window one export may span: 366 days, so a leap year fits. */
export const MAX_EXPORT_SPAN_MS = 366 * 24 * 3_600_000;

/** A checked export request. */
export interface ExportWindow {
  readonly from: Date;
  readonly to: Date;
  readonly format: ExportFormat;
}

// An offset is required: a window read in the exporter's own time zone would differ between machines.
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Checks an export request: `from` and `to` ISO 8601 date-times with offset
 * (2026-01-01T00:00:00+08:00, 2026-01-01T00:00Z), from before to, at most 366
 * days apart; `format` jsonl (default) or csv. Throws BAD_USER_INPUT otherwise.
 */
export function exportWindow(input: { readonly from?: unknown; readonly to?: unknown; readonly format?: unknown }): ExportWindow {
  const from = instant('from', input.from);
  const to = instant('to', input.to);
  if (from.getTime() >= to.getTime()) throw badInput('from must be before to');
  if (to.getTime() - from.getTime() > MAX_EXPORT_SPAN_MS) throw badInput('one export spans at most 366 days: export longer periods in parts');
  const format = input.format === undefined ? 'jsonl' : input.format;
  if (format !== 'jsonl' && format !== 'csv') throw badInput('format must be jsonl or csv');
  return { from, to, format };
}

function instant(name: string, value: unknown): Date {
  const match = typeof value === 'string' ? ISO_DATE_TIME.exec(value) : null;
  const date = match ? new Date(value as string) : new Date(NaN);
  // Date would roll 2026-02-30 over into March: a day or hour out of range is a typo, not a date.
  if (!match || Number.isNaN(date.getTime()) || !inRange(match)) {
    throw badInput(`${name} must be an ISO 8601 date-time with offset, such as 2026-01-01T00:00:00+08:00`);
  }
  return date;
}

function inRange(match: RegExpExecArray): boolean {
  const [, year, month, day, hour, minute, second, offsetHours, offsetMinutes] = match.map(Number) as number[];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysInMonth &&
    hour! <= 23 &&
    minute! <= 59 &&
    (Number.isNaN(second) || second! <= 59) &&
    (Number.isNaN(offsetHours) || offsetHours! <= 23) &&
    (Number.isNaN(offsetMinutes) || offsetMinutes! <= 59)
  );
}
