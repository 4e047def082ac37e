/**
 * Calendar-date helpers shared by the identifier modules. Dates travel as 'YYYY-MM-DD' strings:
 * they compare correctly as strings and carry no time zone to get wrong.
 */

export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;
// Mainland China has kept a single UTC+08:00 zone without daylight saving since 1991, so a fixed
// offset gives the calendar date a resident sees (a baby born at 00:30 in Beijing is 16:30 UTC of
// the day before).
const CHINA_OFFSET_MS = 8 * 3_600_000;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function isCalendarDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Parses 'YYYY-MM-DD'; undefined unless it names a real day of the Gregorian calendar. */
export function parseIsoDate(text: string): CalendarDate | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return isCalendarDate(year, month, day) ? { year, month, day } : undefined;
}

export function formatIsoDate(date: CalendarDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** The calendar date of an instant as seen in China (UTC+08:00). */
export function chinaCalendarDate(instant: Date): CalendarDate {
  const time = instant.getTime();
  if (Number.isNaN(time)) throw new RangeError('invalid Date');
  const shifted = new Date(time + CHINA_OFFSET_MS);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** Days since 1970-01-01 (negative before). */
export function toEpochDay(date: CalendarDate): number {
  const instant = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not remap years 0-99 to 1900-1999.
  instant.setUTCFullYear(date.year, date.month - 1, date.day);
  return Math.round(instant.getTime() / MS_PER_DAY);
}

export function fromEpochDay(epochDay: number): CalendarDate {
  const instant = new Date(epochDay * MS_PER_DAY);
  return { year: instant.getUTCFullYear(), month: instant.getUTCMonth() + 1, day: instant.getUTCDate() };
}
