/**
 * Business dates (a start date, a follow-up day) are calendar dates written 'YYYY-MM-DD', as the
 * city's staff see them in China Standard Time (UTC+08:00, no daylight saving). They compare
 * correctly as strings. In events they travel as the instant 00:00 of that day in UTC+08:00.
 */

const CHINA_OFFSET_MS = 8 * 3_600_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export type IsoDate = string;

/** The calendar date of an instant in China. */
export function chinaDate(instant: Date): IsoDate {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant a calendar date begins in China. */
export function startOfChinaDay(date: IsoDate): Date {
  return new Date(`${date}T00:00:00+08:00`);
}

function parts(date: IsoDate): [number, number, number] {
  const m = ISO_DATE.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

const format = (y: number, m: number, d: number) =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/**
 * The same day `months` later; when that month is shorter, its last day (31 Aug + 6 months is
 * 28 or 29 Feb), the way labour contracts count months.
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const [y, m, d] = parts(date);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return format(year, month, Math.min(d, daysInMonth(year, month)));
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const [y, m, d] = parts(date);
  return new Date(Date.UTC(y, m - 1, d) + days * 86_400_000).toISOString().slice(0, 10);
}

/** True for a real calendar day written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/** Whole years from `birthDate` to `on` (both calendar dates). */
export function ageOn(birthDate: IsoDate, on: IsoDate): number {
  const [by, bm, bd] = parts(birthDate);
  const [y, m, d] = parts(on);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** Six months after the start: the mark stable employment (稳定就业) is measured against. */
export const sixMonthMark = (startDate: IsoDate): IsoDate => addMonths(startDate, 6);
export const threeMonthMark = (startDate: IsoDate): IsoDate => addMonths(startDate, 3);
