/**
 * Area codes used to scope data and permissions, after the statistical division codes of the
 * National Bureau of Statistics: each level extends its parent's code, so the level is given by
 * the length and ancestry by the prefix.
 *
 *   11            province   (2 digits)
 *   1101          city       (4)
 *   110105        district   (6, the GB/T 2260 county-level code)
 *   110105001     street     (9, 街道 / 乡镇)
 *   110105001001  community  (12, 社区 / 村)
 *
 * A level's own segment is never all zeros: 110100 is how GB/T 2260 writes the city 1101 with six
 * digits, and accepting it as a district would give one area two codes of different levels.
 */

import { isProvinceCode } from './provinces.ts';

export type AreaLevel = 'province' | 'city' | 'district' | 'street' | 'community';

/** Code length of each level, from the top. */
export const AREA_CODE_LENGTHS: Readonly<Record<AreaLevel, number>> = Object.freeze({
  province: 2,
  city: 4,
  district: 6,
  street: 9,
  community: 12,
});

const LEVELS_BY_LENGTH: ReadonlyMap<number, AreaLevel> = new Map(
  (Object.entries(AREA_CODE_LENGTHS) as [AreaLevel, number][]).map(([level, length]) => [length, level]),
);
const LENGTHS_TOP_DOWN: readonly number[] = Object.values(AREA_CODE_LENGTHS);
const DIGITS = /^\d+$/;

/** The level a code has by its shape alone (digits, length); see isValidAreaCode for validity. */
export function areaLevel(code: string): AreaLevel | undefined {
  return DIGITS.test(code) ? LEVELS_BY_LENGTH.get(code.length) : undefined;
}

/** Well formed: a level's length, a GB/T 2260 province, and no all-zero segment. */
export function isValidAreaCode(code: string): boolean {
  if (areaLevel(code) === undefined || !isProvinceCode(code.slice(0, 2))) return false;
  let start = 0;
  for (const length of LENGTHS_TOP_DOWN) {
    if (length > code.length) break;
    if (/^0+$/.test(code.slice(start, length))) return false;
    start = length;
  }
  return true;
}

export function isCommunityCode(code: string): boolean {
  return areaLevel(code) === 'community' && isValidAreaCode(code);
}

/**
 * Whether `code` lies in the area `scope` (an area lies within itself). Both must be valid codes:
 * an empty or malformed scope grants nothing rather than everything.
 */
export function isWithinArea(code: string, scope: string): boolean {
  return isValidAreaCode(code) && isValidAreaCode(scope) && code.startsWith(scope);
}

/**
 * The codes of the areas containing `code`, nearest first: for a community its street, district,
 * city and province. Empty for a province and for an invalid code.
 */
export function parentCodes(code: string): string[] {
  if (!isValidAreaCode(code)) return [];
  return LENGTHS_TOP_DOWN.filter((length) => length < code.length)
    .map((length) => code.slice(0, length))
    .reverse();
}
