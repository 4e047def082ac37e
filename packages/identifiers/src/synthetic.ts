/**
 * Deterministic synthetic national ID numbers for tests, load tests and the synthetic city. They
 * pass every check of parseNationalId, so they must never be mixed with real residents' data:
 * keep them to test environments.
 */

import { formatIsoDate, fromEpochDay, parseIsoDate, toEpochDay } from './calendar.ts';
import {
  EARLIEST_BIRTH_DATE,
  isNationalIdRegionCode,
  nationalIdCheckDigit,
  type Sex,
} from './national-id.ts';

export interface NationalIdRequest {
  /** 6-digit address code; default: one of the generator's region codes. */
  readonly regionCode?: string;
  /** 'YYYY-MM-DD'; default: a day in the generator's birth date range. */
  readonly birthDate?: string;
  readonly sex?: Sex;
}

export interface NationalIdGeneratorOptions {
  /** Address codes to draw from; default DEFAULT_SYNTHETIC_REGION_CODES. */
  readonly regionCodes?: readonly string[];
  /** First birth date to draw from (inclusive); default DEFAULT_SYNTHETIC_BIRTH_DATES.from. */
  readonly birthDateFrom?: string;
  /** Last birth date to draw from (inclusive); default DEFAULT_SYNTHETIC_BIRTH_DATES.to. */
  readonly birthDateTo?: string;
}

export interface NationalIdGenerator {
  /**
   * A valid number not returned before by this generator. Throws a RangeError when the request
   * cannot be met: an invalid option, or every number of a pinned region, date (and sex) used up
   * (500 male and 499 female numbers per region and day).
   */
  next(request?: NationalIdRequest): string;
}

/** Real district codes across the country, so synthetic residents look like a mobile population. */
export const DEFAULT_SYNTHETIC_REGION_CODES: readonly string[] = Object.freeze([
  '110101', // Beijing, Dongcheng
  '110105', // Beijing, Chaoyang
  '110108', // Beijing, Haidian
  '120101', // Tianjin, Heping
  '310101', // Shanghai, Huangpu
  '310115', // Shanghai, Pudong
  '320102', // Nanjing, Xuanwu
  '330106', // Hangzhou, Xihu
  '420106', // Wuhan, Wuchang
  '440106', // Guangzhou, Tianhe
  '440305', // Shenzhen, Nanshan
  '500103', // Chongqing, Yuzhong
  '510107', // Chengdu, Wuhou
  '610113', // Xi'an, Yanta
]);

/**
 * Working-age birth dates. Fixed rather than relative to today, so a seed gives the same numbers
 * on every day the tests run.
 */
export const DEFAULT_SYNTHETIC_BIRTH_DATES = Object.freeze({ from: '1960-01-01', to: '2008-12-31' });

// Attempts at random regions/dates before giving up when most of the space is used up.
const MAX_ATTEMPTS = 1000;

/**
 * The number for an address code, birth date and sequence, with its check digit computed.
 * `sequence` is 0-999 (or its 3-digit string); its parity is the sex (odd: male).
 * The birth date is not compared with today, so the result can be "in the future".
 */
export function nationalIdFor(regionCode: string, birthDate: string, sequence: number | string): string {
  if (!isNationalIdRegionCode(regionCode)) {
    throw new RangeError('regionCode must be 6 digits starting with a province-level code');
  }
  const date = parseIsoDate(birthDate);
  if (!date || birthDate < EARLIEST_BIRTH_DATE) {
    throw new RangeError(`birthDate must be a calendar date YYYY-MM-DD from ${EARLIEST_BIRTH_DATE}`);
  }
  const sequenceNumber =
    typeof sequence === 'string' && /^\d{3}$/.test(sequence) ? Number(sequence) : sequence;
  if (
    typeof sequenceNumber !== 'number' ||
    !Number.isInteger(sequenceNumber) ||
    sequenceNumber < 0 ||
    sequenceNumber > 999
  ) {
    throw new RangeError('sequence must be an integer from 0 to 999 or a 3-digit string');
  }
  const first17 = `${regionCode}${birthDate.replaceAll('-', '')}${String(sequenceNumber).padStart(3, '0')}`;
  return first17 + nationalIdCheckDigit(first17);
}

/**
 * mulberry32: a tiny, fast, seedable 32-bit PRNG, good enough for test data (not for secrets).
 * Returns floats in [0, 1).
 */
export function createSeededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A generator of unique valid numbers; the same seed (and options) gives the same sequence of
 * numbers for the same sequence of requests.
 *
 * Uniqueness without remembering every number: within one (region, birth date, sex) the sequence
 * codes are handed out in the order of a seed-dependent permutation, so only a counter per
 * combination is kept.
 */
export function createNationalIdGenerator(
  seed: number,
  options: NationalIdGeneratorOptions = {},
): NationalIdGenerator {
  if (!Number.isFinite(seed)) throw new RangeError('seed must be a finite number');
  const regionCodes = options.regionCodes ?? DEFAULT_SYNTHETIC_REGION_CODES;
  if (regionCodes.length === 0) throw new RangeError('regionCodes must not be empty');
  for (const code of regionCodes) {
    if (!isNationalIdRegionCode(code))
      throw new RangeError(`region code ${code} is not a valid address code`);
  }
  const firstDay = epochDayOf(options.birthDateFrom ?? DEFAULT_SYNTHETIC_BIRTH_DATES.from, 'birthDateFrom');
  const lastDay = epochDayOf(options.birthDateTo ?? DEFAULT_SYNTHETIC_BIRTH_DATES.to, 'birthDateTo');
  if (lastDay < firstDay) throw new RangeError('birthDateTo is before birthDateFrom');

  const random = createSeededRandom(seed);
  const issued = new Map<string, number>();

  const randomInt = (below: number): number => Math.floor(random() * below);

  // The next unused sequence code for a combination, or undefined when all are used.
  const takeSequence = (regionCode: string, birthDate: string, sex: Sex): number | undefined => {
    const key = `${regionCode}${birthDate}${sex}`;
    const count = issued.get(key) ?? 0;
    // Male codes are the 500 odd numbers 001-999; female codes the 499 even numbers 002-998 (000
    // is left out: real numbers are not known to use it).
    const size = sex === 'male' ? 500 : 499;
    if (count >= size) return undefined;
    issued.set(key, count + 1);
    const slot = permute(count, size, hash32(key, seed));
    return sex === 'male' ? 2 * slot + 1 : 2 * slot + 2;
  };

  return {
    next(request: NationalIdRequest = {}): string {
      if (request.regionCode !== undefined && !isNationalIdRegionCode(request.regionCode)) {
        throw new RangeError('regionCode must be 6 digits starting with a province-level code');
      }
      if (request.birthDate !== undefined) epochDayOf(request.birthDate, 'birthDate');
      if (request.sex !== undefined && request.sex !== 'male' && request.sex !== 'female') {
        throw new RangeError("sex must be 'male' or 'female'");
      }

      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const regionCode = request.regionCode ?? regionCodes[randomInt(regionCodes.length)]!;
        const birthDate =
          request.birthDate ?? formatIsoDate(fromEpochDay(firstDay + randomInt(lastDay - firstDay + 1)));
        const sexes: readonly Sex[] = request.sex
          ? [request.sex]
          : random() < 0.5
            ? ['male', 'female']
            : ['female', 'male'];
        for (const sex of sexes) {
          const sequence = takeSequence(regionCode, birthDate, sex);
          if (sequence !== undefined) return nationalIdFor(regionCode, birthDate, sequence);
        }
        // Nothing left to vary: retrying would only repeat the same full combination.
        if (request.regionCode !== undefined && request.birthDate !== undefined) break;
      }
      throw new RangeError('no unused number is left for this request');
    },
  };
}

function epochDayOf(date: string, name: string): number {
  const parsed = parseIsoDate(date);
  if (!parsed || date < EARLIEST_BIRTH_DATE) {
    throw new RangeError(`${name} must be a calendar date YYYY-MM-DD from ${EARLIEST_BIRTH_DATE}`);
  }
  return toEpochDay(parsed);
}

/** A bijection of [0, size): index -> (a * index + b) mod size, with a coprime to size. */
function permute(index: number, size: number, hash: number): number {
  let a = (hash % (size - 1)) + 1;
  while (gcd(a, size) !== 1) a = (a % (size - 1)) + 1;
  const b = (hash >>> 9) % size;
  return (a * index + b) % size;
}

function gcd(x: number, y: number): number {
  return y === 0 ? x : gcd(y, x % y);
}

/** FNV-1a over the key, mixed with the seed, so each generator permutes differently. */
function hash32(key: string, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
