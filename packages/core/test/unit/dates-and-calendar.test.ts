import { WorkingCalendar } from '../../src/calendar.ts';
import {
  addDays,
  addMonths,
  addMonthsToMonth,
  addYears,
  ageOnDate,
  chinaDate,
  chinaMonth,
  daysBetween,
  eachMonth,
  isIsoDate,
  isIsoMonth,
  lastDayOfMonth,
  monthsBetween,
  quarterOf,
  startOfChinaDay,
} from '../../src/dates.ts';

describe('business dates in China time', () => {
  it('when an instant is late in the UTC day, then its date is already the next day in China', () => {
    expect(chinaDate(new Date('2026-03-31T16:30:00Z'))).toBe('2026-04-01');
    expect(chinaDate(new Date('2026-03-31T15:59:59Z'))).toBe('2026-03-31');
    expect(chinaMonth(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01');
    expect(startOfChinaDay('2026-04-01').toISOString()).toBe('2026-03-31T16:00:00.000Z');
  });

  it('when months are added to a day the target month lacks, then it is that month’s last day', () => {
    expect(addMonths('2026-08-31', 6)).toBe('2027-02-28');
    expect(addMonths('2027-08-31', 6)).toBe('2028-02-29');
    expect(addMonths('2026-01-15', -1)).toBe('2025-12-15');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addYears('2024-02-29', 1)).toBe('2025-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(daysBetween('2026-02-01', '2026-03-01')).toBe(28);
    expect(daysBetween('2026-03-01', '2026-02-01')).toBe(-28);
  });

  it('when ages are taken on a day, then a birthday counts from that day and 29 February from 28 February', () => {
    expect(ageOnDate('1976-05-10', '2026-05-09')).toBe(49);
    expect(ageOnDate('1976-05-10', '2026-05-10')).toBe(50);
    expect(ageOnDate('2004-02-29', '2025-02-28')).toBe(21);
    expect(ageOnDate('2004-02-29', '2025-02-27')).toBe(20);
  });

  it('when months are counted, then both ends are included and a year boundary is crossed cleanly', () => {
    expect(eachMonth('2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(eachMonth('2026-03', '2026-02')).toEqual([]);
    expect(monthsBetween('2026-11', '2027-02')).toBe(3);
    expect(addMonthsToMonth('2026-01', -1)).toBe('2025-12');
    expect(lastDayOfMonth('2028-02')).toBe('2028-02-29');
    expect(quarterOf('2026-07')).toBe('2026-Q3');
  });

  it('when text is not a real date or month, then it is refused', () => {
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoMonth('2026-13')).toBe(false);
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
    expect(() => eachMonth('2026-00', '2026-02')).toThrow(RangeError);
  });
});

describe('the working-day calendar', () => {
  // 2026: 1-3 October National Day holidays (Thu-Sat) with Sunday 4 October... made up on Saturday
  // 10 October in this example.
  const calendar = new WorkingCalendar({
    holidays: ['2026-10-01', '2026-10-02', '2026-10-05'],
    extraWorkingDays: ['2026-10-10'],
  });

  it('when a day is a holiday or a make-up working day, then the calendar says so over the weekday', () => {
    expect(calendar.isWorkingDay('2026-09-30')).toBe(true);
    expect(calendar.isWorkingDay('2026-10-01')).toBe(false);
    expect(calendar.isWorkingDay('2026-10-03')).toBe(false);
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true);
  });

  it('when working days are added across a holiday, then holidays and weekends are skipped', () => {
    // From Wednesday 30 September: 6 Oct (Tue), 7, 8, 9, 10 (make-up Saturday).
    expect(calendar.addWorkingDays('2026-09-30', 5)).toBe('2026-10-10');
    expect(calendar.workingDaysBetween('2026-09-30', '2026-10-10')).toBe(5);
    expect(calendar.addWorkingDays('2026-09-30', 0)).toBe('2026-09-30');
  });

  it('when a deadline of working days is set at an instant, then it falls at the start of the next day in China', () => {
    const filed = new Date('2026-09-30T02:00:00Z');
    expect(calendar.deadline(filed, 5).toISOString()).toBe('2026-10-10T16:00:00.000Z');
    expect(calendar.deadline(filed, 0)).toBe(filed);
  });

  it('when the calendar is given a day that is not a date, then it refuses to start', () => {
    expect(() => new WorkingCalendar({ holidays: ['2026-02-30'] })).toThrow('not a date: 2026-02-30');
  });
});
