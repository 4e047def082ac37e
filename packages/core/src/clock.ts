/**
 * Time as use cases see it: a function, so tests can move it (a deadline that passes, a loan that
 * ages) while the store and the broker keep real time.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** A clock that stands still until moved: `advance` by milliseconds or `set` to an instant. */
export class ManualClock {
  private at: number;

  constructor(start: Date | string = new Date()) {
    this.at = new Date(start).getTime();
  }

  readonly now: Clock = () => new Date(this.at);

  advance(ms: number): void {
    this.at += ms;
  }

  advanceDays(days: number): void {
    this.at += days * 86_400_000;
  }

  set(instant: Date | string): void {
    this.at = new Date(instant).getTime();
  }
}
