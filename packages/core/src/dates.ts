/**
 * Business dates as the city's staff see them: calendar dates 'YYYY-MM-DD' and months 'YYYY-MM'
 * in China Standard Time (UTC+08:00; mainland China has had no daylight saving since 1991). They
 * compare correctly as strings and carry no time zone to get wrong. In events a date travels as
 * the instant it begins in China.
 */
import { ageOn, daysInMonth, isCalendarDate } from '@employment/identifiers';

export type IsoDate = string;
/** A calendar month, 'YYYY-MM': the unit subsidies are paid in. */
export type IsoMonth = string;

const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const format = (y: number, m: number, d: number): IsoDate => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;

/** True for a real day of the Gregorian calendar written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  return !!m && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function isIsoMonth(text: string): boolean {
  const m = ISO_MONTH.exec(text);
  return !!m && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

function parts(date: IsoDate): [number, number, number] {
  const m = ISO_DATE.exec(date);
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])))
    throw new RangeError(`not a date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function monthParts(month: IsoMonth): [number, number] {
  const m = ISO_MONTH.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new RangeError(`not a month: ${month}`);
  return [Number(m[1]), Number(m[2])];
}

/** The calendar date of an instant in China. */
export function chinaDate(instant: Date): IsoDate {
  const time = instant.getTime();
  if (Number.isNaN(time)) throw new RangeError('invalid Date');
  return new Date(time + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

export const chinaYear = (instant: Date): number => Number(chinaDate(instant).slice(0, 4));
export const chinaMonth = (instant: Date): IsoMonth => chinaDate(instant).slice(0, 7);

/** The instant a calendar date begins in China (00:00 UTC+08:00). */
export function startOfChinaDay(date: IsoDate): Date {
  parts(date);
  return new Date(`${date}T00:00:00+08:00`);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const [y, m, d] = parts(date);
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  const [y1, m1, d1] = parts(from);
  const [y2, m2, d2] = parts(to);
  return Math.round((Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / DAY_MS);
}

/**
 * The same day `months` later (or earlier); when that month is shorter, its last day (31 August
 * plus six months is 28 or 29 February), the way contracts and loan schedules count months.
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const [y, m, d] = parts(date);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return format(year, month, Math.min(d, daysInMonth(year, month)));
}

/** The same day `years` later; 29 February becomes 28 February in a common year. */
export const addYears = (date: IsoDate, years: number): IsoDate => addMonths(date, years * 12);

/**
 * A person's age in whole years on a calendar day (someone born on 29 February has a birthday on
 * 28 February in common years): the national ID module's rule, for a date instead of an instant.
 */
export const ageOnDate = (birthDate: IsoDate, on: IsoDate): number => ageOn(birthDate, startOfChinaDay(on));

export const monthOf = (date: IsoDate): IsoMonth => {
  parts(date);
  return date.slice(0, 7);
};

export function addMonthsToMonth(month: IsoMonth, months: number): IsoMonth {
  const [y, m] = monthParts(month);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  return `${pad(year, 4)}-${pad(index - year * 12 + 1, 2)}`;
}

/** Months from `from` to `to`: 0 for the same month, negative when `to` is earlier. */
export function monthsBetween(from: IsoMonth, to: IsoMonth): number {
  const [y1, m1] = monthParts(from);
  const [y2, m2] = monthParts(to);
  return (y2 - y1) * 12 + (m2 - m1);
}

/** Every month from `from` to `to`, both included; empty when `to` is earlier. */
export function eachMonth(from: IsoMonth, to: IsoMonth): IsoMonth[] {
  const count = monthsBetween(from, to);
  return Array.from({ length: Math.max(0, count + 1) }, (_, i) => addMonthsToMonth(from, i));
}

export const firstDayOfMonth = (month: IsoMonth): IsoDate => {
  monthParts(month);
  return `${month}-01`;
};

export function lastDayOfMonth(month: IsoMonth): IsoDate {
  const [y, m] = monthParts(month);
  return format(y, m, daysInMonth(y, m));
}

/** The quarter of a month: 'YYYY-Qn'. */
export function quarterOf(month: IsoMonth): string {
  const [y, m] = monthParts(month);
  return `${pad(y, 4)}-Q${Math.ceil(m / 3)}`;
}
