/**
 * Citizen identity numbers (公民身份号码) of GB 11643-1999, the 18-character number on the
 * resident identity card:
 *
 *   110105 19491231 002 X
 *   |      |        |   └ check character (ISO 7064 MOD 11-2): a digit or X
 *   |      |        └ sequence; its last digit is odd for men, even for women
 *   |      └ birth date YYYYMMDD
 *   └ address code (GB/T 2260 administrative division where the number was first issued)
 *
 * The 15-digit numbers of the first-generation cards are not accepted: they expired in 2013.
 */

import {
  type CalendarDate,
  chinaCalendarDate,
  formatIsoDate,
  isCalendarDate,
  parseIsoDate,
} from './calendar.ts';
import { normalizeIdentifierText } from './normalize.ts';
import { PROVINCE_CODES } from './provinces.ts';

export type Sex = 'male' | 'female';

export interface NationalId {
  /** The normalized 18-character number. */
  readonly number: string;
  /** The 6-digit address code. */
  readonly regionCode: string;
  /** 'YYYY-MM-DD'. */
  readonly birthDate: string;
  readonly sex: Sex;
  /** The 3-digit sequence code (digits 15-17), leading zeros kept. */
  readonly sequence: string;
}

export type NationalIdError = 'format' | 'region' | 'birth-date' | 'check-digit';

/**
 * The outcome of parsing. `detail` is English for logs and support staff; it never repeats the
 * input or any part of it, so it is safe to log.
 */
export type NationalIdParseResult =
  | { readonly ok: true; readonly value: NationalId }
  | { readonly ok: false; readonly reason: NationalIdError; readonly detail: string };

/**
 * Province-level codes a valid number may start with: every GB/T 2260 province-level code (see
 * PROVINCE_CODES) plus 83. Since 2018 the residence permits for Hong Kong, Macau and Taiwan residents
 * carry numbers of this same format with the address codes 810000, 820000 and 830000; 83 is not in
 * GB/T 2260 (Taiwan is 71 there) but such permits are accepted where an identity card is, so the
 * platform must accept them too. 71 stays because GB 11643 refers to GB/T 2260, although no card
 * is known to have been issued with it.
 */
export const NATIONAL_ID_PROVINCE_CODES: ReadonlySet<string> = new Set([...PROVINCE_CODES.keys(), '83']);

/** Nobody alive was born before this; an earlier date is a typing error. */
export const EARLIEST_BIRTH_DATE = '1900-01-01';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARACTERS = '10X98765432';
const NATIONAL_ID_SHAPE = /^\d{17}[\dX]$/;
const SEVENTEEN_DIGITS = /^\d{17}$/;

/**
 * Canonical spelling: trimmed, separators removed, full-width characters to ASCII, `x` to `X`.
 * Every spelling of one number normalizes to the same string, so use this before storing,
 * comparing or hashing a number.
 */
export function normalizeNationalId(input: string): string {
  return normalizeIdentifierText(input);
}

/** The check character (a digit or 'X') for the first 17 digits of a number. */
export function nationalIdCheckDigit(first17: string): string {
  if (!SEVENTEEN_DIGITS.test(first17)) throw new RangeError('expected exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARACTERS[sum % 11]!;
}

/** Whether a 6-digit address code starts with a province-level code a number can carry. */
export function isNationalIdRegionCode(regionCode: string): boolean {
  return /^\d{6}$/.test(regionCode) && NATIONAL_ID_PROVINCE_CODES.has(regionCode.slice(0, 2));
}

/**
 * Parses and validates a number. `today` (default: now) bounds the birth date; its calendar date
 * is taken in China time (UTC+08:00), where the numbers are issued.
 */
export function parseNationalId(input: string, today: Date = new Date()): NationalIdParseResult {
  const number = normalizeNationalId(input);
  if (number.length !== 18) {
    const legacy = /^\d{15}$/.test(number) ? ' (15-digit first-generation numbers are not accepted)' : '';
    return fail('format', `expected 18 characters, got ${number.length}${legacy}`);
  }
  if (!NATIONAL_ID_SHAPE.test(number)) {
    return fail('format', 'expected 17 digits followed by a digit or X');
  }

  const regionCode = number.slice(0, 6);
  if (!NATIONAL_ID_PROVINCE_CODES.has(regionCode.slice(0, 2))) {
    return fail('region', 'the first two digits are not a province-level division code');
  }

  const year = Number(number.slice(6, 10));
  const month = Number(number.slice(10, 12));
  const day = Number(number.slice(12, 14));
  if (!isCalendarDate(year, month, day)) {
    return fail('birth-date', 'digits 7-14 are not a calendar date');
  }
  const birthDate = formatIsoDate({ year, month, day });
  if (birthDate < EARLIEST_BIRTH_DATE) {
    return fail('birth-date', `the birth date is before ${EARLIEST_BIRTH_DATE}`);
  }
  if (birthDate > formatIsoDate(chinaCalendarDate(today))) {
    return fail('birth-date', 'the birth date is in the future');
  }

  if (nationalIdCheckDigit(number.slice(0, 17)) !== number[17]) {
    // A wrong check character almost always means a mistyped or swapped digit somewhere.
    return fail('check-digit', 'the check character does not match the other 17 digits');
  }

  const sequence = number.slice(14, 17);
  const sex: Sex = Number(sequence[2]) % 2 === 1 ? 'male' : 'female';
  return { ok: true, value: { number, regionCode, birthDate, sex, sequence } };
}

export function isValidNationalId(input: string, today: Date = new Date()): boolean {
  return parseNationalId(input, today).ok;
}

/**
 * The display form for screens and support tools: the address code and the last four characters
 * stay, the birth date and most of the sequence are hidden (`110105********002X`). Anything that
 * does not normalize to 18 characters is masked entirely rather than guessed at.
 */
export function maskNationalId(number: string): string {
  const normalized = normalizeNationalId(number);
  if (normalized.length !== 18) return '*'.repeat(normalized.length);
  return `${normalized.slice(0, 6)}********${normalized.slice(14)}`;
}

/**
 * Age in completed years on a day (`on`'s calendar date in China time), as eligibility rules use
 * it (working age, retirement age). The age goes up on the birthday itself; someone born on
 * 29 February turns a year older on 28 February in common years, the month-end rule for periods
 * counted in years (Civil Code art. 202).
 */
export function ageOn(birthDate: string, on: Date): number {
  const birth = parseIsoDate(birthDate);
  if (!birth) throw new RangeError('birthDate must be a calendar date written YYYY-MM-DD');
  const day = chinaCalendarDate(on);
  if (formatIsoDate(day) < birthDate) throw new RangeError('the day is before the birth date');
  const anniversary = anniversaryIn(birth, day.year);
  const reached =
    day.month > anniversary.month || (day.month === anniversary.month && day.day >= anniversary.day);
  return day.year - birth.year - (reached ? 0 : 1);
}

function anniversaryIn(birth: CalendarDate, year: number): CalendarDate {
  if (birth.month === 2 && birth.day === 29 && !isCalendarDate(year, 2, 29))
    return { year, month: 2, day: 28 };
  return { year, month: birth.month, day: birth.day };
}

/**
 * Finds ID-shaped numbers in free text, for scrubbing logs: 17 digits then a digit or X/x, with no
 * letter or digit directly before or after, so runs inside longer numbers (a 19-digit snowflake
 * id) or inside hexadecimal ids (a 32-character trace id) are left alone. The check digit is not
 * verified on purpose: a mistyped ID number is still personal data.
 *
 * One exception to "no letter before": a JSON escape (`\n`, `\t`, `\u4e2d`...) just before the
 * number, as in a serialized multi-line error message, still counts as a boundary; otherwise an
 * ID number at the start of a line of an error message would survive in the log.
 *
 * The pattern is global and so keeps state in `lastIndex` between `exec`/`test` calls: prefer
 * `String.prototype.replace`, `matchAll` or `scrubNationalIds`.
 */
export const NATIONAL_ID_PATTERN_GLOBAL =
  /(?:(?<![0-9A-Za-z])|(?<=\\[bfnrt])|(?<=\\u[0-9A-Fa-f]{4}))\d{17}[\dXx](?![0-9A-Za-z])/g;

/** Replaces every ID-shaped number in `text` by its mask (see NATIONAL_ID_PATTERN_GLOBAL). */
export function scrubNationalIds(text: string): string {
  return text.replace(NATIONAL_ID_PATTERN_GLOBAL, (match) => maskNationalId(match));
}

function fail(reason: NationalIdError, detail: string): NationalIdParseResult {
  return { ok: false, reason, detail };
}
