/**
 * Working-day deadlines: a provider answers an access application within N
 * working days, counted in one time zone, skipping weekends and holidays but
 * counting make-up working days (调休上班日) that fall on a weekend.
 */
import { DateTime, IANAZone } from 'luxon';
import { meridianError } from './errors.js';

/** Which local dates are working days, and in which zone a day begins and ends. */
export interface WorkingCalendar {
  /** IANA time zone, e.g. Asia/Shanghai. */
  readonly timeZone: string;
  /** 'YYYY-MM-DD' local dates that are not working days. */
  readonly holidays: ReadonlySet<string>;
  /** 'YYYY-MM-DD' weekend dates that are working days (调休). */
  readonly workdays: ReadonlySet<string>;
}

/** What a calendar is made from; the date lists default to empty. */
export interface WorkingCalendarOptions {
  readonly timeZone: string;
  readonly holidays?: Iterable<string>;
  readonly workdays?: Iterable<string>;
}

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const SATURDAY = 6;

/** Builds a frozen calendar; throws CONFIG_INVALID listing every problem of the options. */
export function createWorkingCalendar(options: WorkingCalendarOptions): WorkingCalendar {
  const holidays = new Set(options.holidays ?? []);
  const workdays = new Set(options.workdays ?? []);
  const problems: string[] = [];
  if (!IANAZone.isValidZone(options.timeZone)) {
    problems.push(`timeZone ${JSON.stringify(options.timeZone)} is not a known IANA time zone (e.g. Asia/Shanghai)`);
  }
  for (const date of holidays) {
    if (!isIsoDate(date)) problems.push(`holiday ${JSON.stringify(date)} is not a real YYYY-MM-DD date`);
  }
  for (const date of workdays) {
    if (!isIsoDate(date)) problems.push(`workday ${JSON.stringify(date)} is not a real YYYY-MM-DD date`);
    else if (!isWeekend(date)) problems.push(`workday ${date} is not a Saturday or Sunday, so it is a working day anyway`);
    if (holidays.has(date)) problems.push(`${date} is listed both as a holiday and as a workday`);
  }
  if (problems.length > 0) throw meridianError('CONFIG_INVALID', { problems: problems.join('; ') });
  // Copies, so a caller that later changes its own lists cannot move deadlines already promised.
  return Object.freeze({ timeZone: options.timeZone, holidays, workdays });
}

/** True when the local date 'YYYY-MM-DD' is a working day of the calendar. */
export function isWorkingDay(calendar: WorkingCalendar, localDate: string): boolean {
  if (!isIsoDate(localDate)) throw new TypeError(`${JSON.stringify(localDate)} is not a real YYYY-MM-DD date`);
  if (isWeekend(localDate)) return calendar.workdays.has(localDate);
  return !calendar.holidays.has(localDate);
}

/** The 'YYYY-MM-DD' calendar date of an instant in the calendar's time zone. */
export function localDateOf(calendar: WorkingCalendar, instant: Date): string {
  const date = DateTime.fromJSDate(instant, { zone: calendar.timeZone }).toISODate();
  if (date === null) throw new TypeError('localDateOf needs a valid Date');
  return date;
}

/**
 * The last millisecond (23:59:59.999 local) of the N-th working day strictly after
 * the local day of `submittedAt`; the submission day never counts, whatever the hour.
 */
export function dueBy(calendar: WorkingCalendar, submittedAt: Date, workingDays: number): Date {
  if (!Number.isInteger(workingDays) || workingDays < 1) {
    throw new TypeError(`workingDays must be an integer >= 1, got ${String(workingDays)}`);
  }
  let day = epochDay(localDateOf(calendar, submittedAt));
  let counted = 0;
  // Terminates: only finitely many listed holidays, and every week has five weekdays.
  while (counted < workingDays) {
    day += 1;
    if (isWorkingDay(calendar, isoDateOf(day))) counted += 1;
  }
  // luxon resolves the offset of the due day itself, which differs from the submission day's across a DST change.
  return DateTime.fromISO(isoDateOf(day), { zone: calendar.timeZone }).endOf('day').toJSDate();
}

/** True once `now` is past `dueBy`; the due millisecond itself is still on time. */
export function isOverdue(dueBy: Date, now: Date): boolean {
  return now.getTime() > dueBy.getTime();
}

/**
 * Working days after the local day of `from` up to and including the local day of `to`;
 * 0 when `to` falls on or before `from`'s day.
 */
export function workingDaysBetween(calendar: WorkingCalendar, from: Date, to: Date): number {
  const first = localDateOf(calendar, from);
  const last = localDateOf(calendar, to);
  if (last <= first) return 0;
  // Counted arithmetically rather than day by day, so reports over long spans stay cheap.
  let count = weekdaysBefore(epochDay(last) + 1) - weekdaysBefore(epochDay(first) + 1);
  for (const date of calendar.holidays) {
    if (date > first && date <= last && !isWeekend(date)) count -= 1;
  }
  for (const date of calendar.workdays) {
    if (date > first && date <= last) count += 1;
  }
  return count;
}

function isIsoDate(value: string): boolean {
  return ISO_DATE.test(value) && DateTime.fromISO(value, { zone: 'utc' }).toISODate() === value;
}

function isWeekend(isoDate: string): boolean {
  return DateTime.fromISO(isoDate, { zone: 'utc' }).weekday >= SATURDAY;
}

/** Days since 1970-01-01 of a calendar date; a zone-free day number, so stepping never meets a DST gap. */
function epochDay(isoDate: string): number {
  return Math.round(DateTime.fromISO(isoDate, { zone: 'utc' }).toMillis() / MS_PER_DAY);
}

function isoDateOf(day: number): string {
  return DateTime.fromMillis(day * MS_PER_DAY, { zone: 'utc' }).toISODate() as string;
}

/** Monday-to-Friday days among epoch days before `day`, up to a constant offset (differences are exact). */
function weekdaysBefore(day: number): number {
  // Epoch day 4 (1970-01-05) is a Monday.
  const sinceMonday = day - 4;
  const weeks = Math.floor(sinceMonday / 7);
  return weeks * 5 + Math.min(sinceMonday - weeks * 7, 5);
}
