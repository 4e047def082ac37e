/**
 * Calendar days as the city counts them: dates in China time (UTC+08:00, no daylight saving), and
 * working days that skip weekends and public holidays, with the weekend days worked in exchange
 * (调休) counted as working days.
 */

const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** 'YYYY-MM-DD' of an instant in China time. */
export function chinaDate(instant: Date): string {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The year of an instant in China time. */
export function chinaYear(instant: Date): number {
  return Number(chinaDate(instant).slice(0, 4));
}

/** 00:00 China time of a date. */
export function startOfChinaDay(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00+08:00`));
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The same day one year later (29 February becomes 28 February). */
export function addOneYear(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y + 1, m - 1, d));
  if (next.getUTCMonth() !== m - 1) return new Date(Date.UTC(y + 1, m - 1, d - 1)).toISOString().slice(0, 10);
  return next.toISOString().slice(0, 10);
}

/** Whole years from `birthDate` to `date` (both 'YYYY-MM-DD'). */
export function yearsBetween(birthDate: string, date: string): number {
  const years = Number(date.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return date.slice(5) >= birthDate.slice(5) ? years : years - 1;
}

export class WorkingCalendar {
  private readonly holidays: ReadonlySet<string>;
  private readonly extraWorkingDays: ReadonlySet<string>;

  constructor(options: { holidays?: readonly string[]; extraWorkingDays?: readonly string[] } = {}) {
    this.holidays = new Set(options.holidays ?? []);
    this.extraWorkingDays = new Set(options.extraWorkingDays ?? []);
  }

  isWorkingDay(date: string): boolean {
    if (this.extraWorkingDays.has(date)) return true;
    if (this.holidays.has(date)) return false;
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  /**
   * The deadline `days` working days after an instant: the start (China time) of the day after the
   * last of those working days, counted from the day after the instant's own day. Zero days is the
   * instant itself.
   */
  deadline(from: Date, days: number): Date {
    if (days <= 0) return from;
    let date = chinaDate(from);
    let counted = 0;
    while (counted < days) {
      date = addDays(date, 1);
      if (this.isWorkingDay(date)) counted++;
    }
    return startOfChinaDay(addDays(date, 1));
  }
}
