/**
 * The levels of the city's online system (市、区、街、社区): a community's record is reviewed, and
 * its warnings escalate, from the community up through its street and district to the city. A
 * level's area is the prefix of the community code of that level's length.
 */
import { areaLevel } from '@employment/identifiers';

export const REVIEW_LEVELS = ['community', 'street', 'district', 'city'] as const;
export type ReviewLevel = (typeof REVIEW_LEVELS)[number];

const LENGTH: Readonly<Record<ReviewLevel, number>> = { community: 12, street: 9, district: 6, city: 4 };

/** The code of the area a level of a community's chain is with (its street, district or city). */
export function levelCode(communityCode: string, level: ReviewLevel): string {
  if (areaLevel(communityCode) !== 'community')
    throw new RangeError(`not a community code: ${communityCode}`);
  return communityCode.slice(0, LENGTH[level]);
}

/** The level an area code stands at, when it is one of the chain's levels. */
export function levelOf(areaCode: string): ReviewLevel | undefined {
  const level = areaLevel(areaCode);
  return level === 'community' || level === 'street' || level === 'district' || level === 'city'
    ? level
    : undefined;
}

export function nextLevel(level: ReviewLevel): ReviewLevel | undefined {
  return REVIEW_LEVELS[REVIEW_LEVELS.indexOf(level) + 1];
}

/** Whether an area at `scope` may act on a community's step at `level`: exactly that level's area. */
export function actsAtLevel(scope: string, communityCode: string, level: ReviewLevel): boolean {
  return levelOf(scope) === level && levelCode(communityCode, level) === scope;
}
