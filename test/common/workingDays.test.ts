import assert from 'node:assert/strict';
import { isMeridianError } from '../../common/errors.js';
import {
  createWorkingCalendar,
  dueBy,
  isOverdue,
  isWorkingDay,
  localDateOf,
  workingDaysBetween,
  type WorkingCalendar,
  type WorkingCalendarOptions,
} from '../../common/workingDays.js';

const plainShanghai = createWorkingCalendar({ timeZone: 'Asia/Shanghai' });
const plainUtc = createWorkingCalendar({ timeZone: 'UTC' });

// State Council schedule for 2026: 国庆节 with make-up days on Sunday 09-27 and Saturday 10-10,
// 春节 with make-up days on Saturdays 02-14 and 02-28, 元旦 2027 on a Friday.
const china2026 = createWorkingCalendar({
  timeZone: 'Asia/Shanghai',
  holidays: [
    ...dateRange('2026-02-15', 9),
    ...dateRange('2026-10-01', 7),
    '2027-01-01',
  ],
  workdays: ['2026-02-14', '2026-02-28', '2026-09-27', '2026-10-10'],
});

interface DueCase {
  readonly name: string;
  readonly calendar: WorkingCalendar;
  readonly submittedAt: string;
  readonly workingDays: number;
  readonly expected: string;
}

function checkDue(cases: readonly DueCase[]): void {
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(dueBy(c.calendar, new Date(c.submittedAt), c.workingDays).toISOString(), c.expected);
    });
  }
}

function dateRange(first: string, days: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

function configProblem(options: WorkingCalendarOptions): string {
  try {
    createWorkingCalendar(options);
  } catch (error) {
    assert.ok(isMeridianError(error), 'expected a MeridianError');
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.message;
  }
  assert.fail('expected CONFIG_INVALID');
}

describe('Working days: ordinary weeks in Asia/Shanghai', () => {
  checkDue([
    // 2026-03-09 is a Monday; ten working days later is Monday 03-23.
    { name: 'a Monday 08:00 submission is due at the end of the 10th working day after it', calendar: plainShanghai, submittedAt: '2026-03-09T00:00:00Z', workingDays: 10, expected: '2026-03-23T15:59:59.999Z' },
    { name: 'a Monday 00:00 local submission gets the same deadline', calendar: plainShanghai, submittedAt: '2026-03-08T16:00:00Z', workingDays: 10, expected: '2026-03-23T15:59:59.999Z' },
    { name: 'a Monday 23:59 local submission gets the same deadline', calendar: plainShanghai, submittedAt: '2026-03-09T15:59:00Z', workingDays: 10, expected: '2026-03-23T15:59:59.999Z' },
    { name: 'a submission at Tuesday 00:00 local counts from Tuesday', calendar: plainShanghai, submittedAt: '2026-03-09T16:00:00Z', workingDays: 10, expected: '2026-03-24T15:59:59.999Z' },
    { name: 'a Friday submission with one working day is due on Monday', calendar: plainShanghai, submittedAt: '2026-03-13T02:00:00Z', workingDays: 1, expected: '2026-03-16T15:59:59.999Z' },
    { name: 'a Friday submission with ten working days crosses two weekends', calendar: plainShanghai, submittedAt: '2026-03-13T02:00:00Z', workingDays: 10, expected: '2026-03-27T15:59:59.999Z' },
    { name: 'a Saturday submission with one working day is due on Monday', calendar: plainShanghai, submittedAt: '2026-03-14T03:00:00Z', workingDays: 1, expected: '2026-03-16T15:59:59.999Z' },
    { name: 'a Sunday submission with one working day is due on Monday', calendar: plainShanghai, submittedAt: '2026-03-15T03:00:00Z', workingDays: 1, expected: '2026-03-16T15:59:59.999Z' },
    { name: 'a Saturday submission with ten working days is due on the second Friday', calendar: plainShanghai, submittedAt: '2026-03-14T03:00:00Z', workingDays: 10, expected: '2026-03-27T15:59:59.999Z' },
  ]);

  it('ends the due day at 23:59:59.999 local, which is 15:59:59.999Z in Shanghai', () => {
    const due = dueBy(plainShanghai, new Date('2026-03-09T00:00:00Z'), 1);
    assert.equal(due.toISOString(), '2026-03-10T15:59:59.999Z');
    assert.equal(localDateOf(plainShanghai, due), '2026-03-10');
    assert.equal(localDateOf(plainShanghai, new Date(due.getTime() + 1)), '2026-03-11');
  });
});

describe('Working days: 2026 public holidays and make-up working days (调休)', () => {
  checkDue([
    // Friday 09-25: 09-27 (make-up Sunday), 09-28..30, 10-08, 10-09, 10-10 (make-up Saturday), 10-12..14.
    { name: 'a submission before 国庆节 skips 10-01..10-07 and counts the make-up days', calendar: china2026, submittedAt: '2026-09-25T02:00:00Z', workingDays: 10, expected: '2026-10-14T15:59:59.999Z' },
    { name: 'without the holiday calendar the same submission is due on 10-09', calendar: plainShanghai, submittedAt: '2026-09-25T02:00:00Z', workingDays: 10, expected: '2026-10-09T15:59:59.999Z' },
    { name: 'a Saturday 09-26 submission has the make-up Sunday as its first working day', calendar: china2026, submittedAt: '2026-09-26T02:00:00Z', workingDays: 1, expected: '2026-09-27T15:59:59.999Z' },
    { name: 'a submission during 国庆节 has 10-08 as its first working day', calendar: china2026, submittedAt: '2026-10-03T02:00:00Z', workingDays: 1, expected: '2026-10-08T15:59:59.999Z' },
    { name: 'a submission on 10-09 with one working day is due on the make-up Saturday 10-10', calendar: china2026, submittedAt: '2026-10-09T02:00:00Z', workingDays: 1, expected: '2026-10-10T15:59:59.999Z' },
    // Friday 02-13: 02-14 (make-up Saturday), 02-24..27, 02-28 (make-up Saturday), 03-02..05.
    { name: 'a submission before 春节 skips 02-15..02-23 and counts both make-up Saturdays', calendar: china2026, submittedAt: '2026-02-13T02:00:00Z', workingDays: 10, expected: '2026-03-05T15:59:59.999Z' },
    { name: 'a submission on the make-up Saturday 02-14 does not count that day', calendar: china2026, submittedAt: '2026-02-14T02:00:00Z', workingDays: 10, expected: '2026-03-06T15:59:59.999Z' },
    { name: 'a submission on 2026-12-31 skips 元旦 and the weekend into 2027', calendar: china2026, submittedAt: '2026-12-31T02:00:00Z', workingDays: 3, expected: '2027-01-06T15:59:59.999Z' },
  ]);

  it('tells working days from holidays, weekends and make-up days', () => {
    const table: ReadonlyArray<readonly [string, boolean]> = [
      ['2026-09-25', true], // Friday
      ['2026-09-26', false], // Saturday
      ['2026-09-27', true], // make-up Sunday
      ['2026-10-01', false], // 国庆节, Thursday
      ['2026-10-05', false], // 国庆节, Monday
      ['2026-10-10', true], // make-up Saturday
      ['2026-10-11', false], // Sunday
      ['2026-02-23', false], // 春节, Monday
      ['2026-02-24', true], // Tuesday after 春节
    ];
    for (const [date, expected] of table) assert.equal(isWorkingDay(china2026, date), expected, date);
  });
});

describe('Working days: the time zone decides the local day', () => {
  // 2026-03-02T17:00Z is Monday 17:00 in UTC but Tuesday 01:00 in Shanghai.
  const instant = new Date('2026-03-02T17:00:00Z');

  it('reads the local date of one instant differently per zone', () => {
    assert.equal(localDateOf(plainShanghai, instant), '2026-03-03');
    assert.equal(localDateOf(plainUtc, instant), '2026-03-02');
  });

  checkDue([
    { name: 'counts from Tuesday in Asia/Shanghai', calendar: plainShanghai, submittedAt: instant.toISOString(), workingDays: 10, expected: '2026-03-17T15:59:59.999Z' },
    { name: 'counts from Monday in UTC', calendar: plainUtc, submittedAt: instant.toISOString(), workingDays: 10, expected: '2026-03-16T23:59:59.999Z' },
    // 2026-12-31T16:30Z is already Friday 2027-01-01 in Shanghai, still Thursday 2026-12-31 in UTC.
    { name: 'crosses the year boundary in Shanghai before UTC does', calendar: plainShanghai, submittedAt: '2026-12-31T16:30:00Z', workingDays: 1, expected: '2027-01-04T15:59:59.999Z' },
    { name: 'is still in the old year in UTC', calendar: plainUtc, submittedAt: '2026-12-31T16:30:00Z', workingDays: 1, expected: '2027-01-01T23:59:59.999Z' },
    // Berlin moves to summer time on Sunday 2026-03-29: Friday ends at +01:00, Monday at +02:00.
    { name: 'uses the offset of the due day after a daylight-saving change', calendar: createWorkingCalendar({ timeZone: 'Europe/Berlin' }), submittedAt: '2026-03-26T09:00:00Z', workingDays: 2, expected: '2026-03-30T21:59:59.999Z' },
    { name: 'uses the offset of the due day before a daylight-saving change', calendar: createWorkingCalendar({ timeZone: 'Europe/Berlin' }), submittedAt: '2026-03-26T09:00:00Z', workingDays: 1, expected: '2026-03-27T22:59:59.999Z' },
  ]);
});

describe('Working days: overdue applications', () => {
  const due = new Date('2026-03-23T15:59:59.999Z');

  it('is on time up to and including the due millisecond', () => {
    assert.equal(isOverdue(due, new Date('2026-03-20T08:00:00Z')), false);
    assert.equal(isOverdue(due, due), false);
  });

  it('is overdue one millisecond later', () => {
    assert.equal(isOverdue(due, new Date('2026-03-23T16:00:00.000Z')), true);
  });
});

describe('Working days: counting working days between two instants', () => {
  it('counts the days after the first local day up to and including the last', () => {
    assert.equal(workingDaysBetween(plainShanghai, new Date('2026-03-09T02:00:00Z'), new Date('2026-03-13T02:00:00Z')), 4);
    assert.equal(workingDaysBetween(china2026, new Date('2026-09-25T02:00:00Z'), new Date('2026-10-14T02:00:00Z')), 10);
    assert.equal(workingDaysBetween(plainShanghai, new Date('2026-09-25T02:00:00Z'), new Date('2026-10-14T02:00:00Z')), 13);
  });

  it('is 0 on the same local day and when the end lies before the start', () => {
    assert.equal(workingDaysBetween(plainShanghai, new Date('2026-03-09T00:00:00Z'), new Date('2026-03-09T15:00:00Z')), 0);
    assert.equal(workingDaysBetween(plainShanghai, new Date('2026-03-13T00:00:00Z'), new Date('2026-03-09T00:00:00Z')), 0);
  });

  it('counts a whole year: 261 weekdays from 2026-01-02 to 2027-01-01', () => {
    assert.equal(workingDaysBetween(plainUtc, new Date('2026-01-01T12:00:00Z'), new Date('2027-01-01T12:00:00Z')), 261);
  });

  it('agrees with dueBy for every deadline from 1 to 40 working days', () => {
    for (const submittedAt of ['2026-09-25T02:00:00Z', '2026-02-13T20:00:00Z', '1969-12-27T02:00:00Z']) {
      for (let n = 1; n <= 40; n += 1) {
        const due = dueBy(china2026, new Date(submittedAt), n);
        assert.equal(workingDaysBetween(china2026, new Date(submittedAt), due), n, `${submittedAt} + ${n}`);
        // One day before the due day, one working day is still to come.
        assert.equal(workingDaysBetween(china2026, new Date(submittedAt), new Date(due.getTime() - 86_400_000)), n - 1, `${submittedAt} + ${n} - 1 day`);
      }
    }
  });
});

describe('Working days: invalid calendars and arguments', () => {
  it('rejects an unknown time zone', () => {
    assert.match(configProblem({ timeZone: 'Mars/Olympus' }), /timeZone "Mars\/Olympus" is not a known IANA time zone/);
  });

  it('rejects dates that are not real YYYY-MM-DD dates', () => {
    const message = configProblem({ timeZone: 'Asia/Shanghai', holidays: ['2026-02-30', '2026-2-3'], workdays: ['20260214'] });
    assert.match(message, /holiday "2026-02-30" is not a real YYYY-MM-DD date/);
    assert.match(message, /holiday "2026-2-3" is not a real YYYY-MM-DD date/);
    assert.match(message, /workday "20260214" is not a real YYYY-MM-DD date/);
  });

  it('rejects a date listed both as a holiday and as a workday', () => {
    assert.match(configProblem({ timeZone: 'Asia/Shanghai', holidays: ['2026-02-14'], workdays: ['2026-02-14'] }), /2026-02-14 is listed both as a holiday and as a workday/);
  });

  it('rejects a make-up workday that is not on a weekend', () => {
    assert.match(configProblem({ timeZone: 'Asia/Shanghai', workdays: ['2026-02-16'] }), /workday 2026-02-16 is not a Saturday or Sunday/);
  });

  it('keeps its own copy of the date lists', () => {
    const holidays = ['2026-10-01'];
    const calendar = createWorkingCalendar({ timeZone: 'Asia/Shanghai', holidays });
    holidays.push('2026-10-02');
    assert.equal(isWorkingDay(calendar, '2026-10-01'), false);
    assert.equal(isWorkingDay(calendar, '2026-10-02'), true);
    assert.ok(Object.isFrozen(calendar));
  });

  it('refuses a deadline that is not a positive whole number of working days', () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => dueBy(plainShanghai, new Date('2026-03-09T00:00:00Z'), n), TypeError, String(n));
    }
  });

  it('refuses an invalid submission instant and a malformed local date', () => {
    assert.throws(() => dueBy(plainShanghai, new Date(Number.NaN), 10), TypeError);
    assert.throws(() => isWorkingDay(plainShanghai, '2026-13-01'), TypeError);
  });
});
