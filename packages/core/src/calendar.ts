import { addDays, chinaDate, type IsoDate, isIsoDate, startOfChinaDay } from './dates.ts';

/**
 * Working days as the city counts them: weekends and public holidays are off, and the weekend days
 * worked in exchange for a holiday bridge (调休) are working days. One calendar, configured with
 * the year's holidays, serves every deadline of the platform (warnings, review steps, placements).
 */
export class WorkingCalendar {
  private readonly holidays: ReadonlySet<IsoDate>;
  private readonly extraWorkingDays: ReadonlySet<IsoDate>;

  constructor(options: { holidays?: readonly IsoDate[]; extraWorkingDays?: readonly IsoDate[] } = {}) {
    for (const date of [...(options.holidays ?? []), ...(options.extraWorkingDays ?? [])]) {
      if (!isIsoDate(date)) throw new RangeError(`not a date: ${date}`);
    }
    this.holidays = new Set(options.holidays ?? []);
    this.extraWorkingDays = new Set(options.extraWorkingDays ?? []);
  }

  isWorkingDay(date: IsoDate): boolean {
    if (this.extraWorkingDays.has(date)) return true;
    if (this.holidays.has(date)) return false;
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  /** The date `days` working days after `date` (counting from the next day); `date` itself for 0. */
  addWorkingDays(date: IsoDate, days: number): IsoDate {
    let current = date;
    for (let counted = 0; counted < days; ) {
      current = addDays(current, 1);
      if (this.isWorkingDay(current)) counted++;
    }
    return current;
  }

  /**
   * The deadline `days` working days after an instant: the start (China time) of the day after the
   * last of those working days, counted from the day after the instant's own day. Zero days is the
   * instant itself.
   */
  deadline(from: Date, days: number): Date {
    if (days <= 0) return from;
    return startOfChinaDay(addDays(this.addWorkingDays(chinaDate(from), days), 1));
  }

  /** Working days after `from` up to and including `to` (0 when `to` is not later). */
  workingDaysBetween(from: IsoDate, to: IsoDate): number {
    let count = 0;
    for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (this.isWorkingDay(d)) count++;
    return count;
  }
}
