/**
 * Calendar-date arithmetic on `YYYY-MM-DD` strings (UTC days), so generated
 * dates never depend on the machine's time zone or on today's date.
 */
import type { Random } from './seededRandom.js';

/** The day the synthetic data describes: nothing generated happens after it. */
export const DATA_AS_OF = '2025-06-30';

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a `YYYY-MM-DD` date. */
function dayNumber(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

function fromDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** `date` moved by `days`. */
export function addDays(date: string, days: number): string {
  return fromDayNumber(dayNumber(date) + days);
}

/** `date` moved by whole years; 29 February becomes 28 February in common years. */
export function addYears(date: string, years: number): string {
  const year = Number(date.slice(0, 4)) + years;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const monthDay = date.slice(5) === '02-29' && !leap ? '02-28' : date.slice(5);
  return `${String(year).padStart(4, '0')}-${monthDay}`;
}

/** A date in [from, to], both included; `from` must not be after `to`. */
export function dateBetween(random: Random, from: string, to: string): string {
  return fromDayNumber(random.int(dayNumber(from), dayNumber(to)));
}

/** The later of two dates. */
export function laterOf(a: string, b: string): string {
  return a > b ? a : b;
}

/** Whole days from `from` to `to`. */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

/** The instant of a local Beijing time (UTC+8) on `date`, as ISO 8601 UTC (`toISOString` form). */
export function beijingInstant(date: string, hour: number, minute: number, second: number): string {
  return new Date(dayNumber(date) * DAY_MS + ((hour - 8) * 3600 + minute * 60 + second) * 1000).toISOString();
}
