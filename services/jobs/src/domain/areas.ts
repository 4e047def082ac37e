import type { DistanceLevel } from './vocabulary.ts';

/**
 * The distance between two communities, measured on the administrative tree their 12-digit codes
 * encode (省2 市4 区6 街道9 社区12): the longest shared prefix that is a whole level. It is an
 * ordinal measure, not kilometres: two communities of one street are nearer than two of one
 * district, which commuting time in a Chinese city bears out closely enough for ranking.
 */
export function distanceLevel(a: string, b: string): DistanceLevel {
  if (a === b) return 'community';
  if (a.slice(0, 9) === b.slice(0, 9)) return 'street';
  if (a.slice(0, 6) === b.slice(0, 6)) return 'district';
  if (a.slice(0, 4) === b.slice(0, 4)) return 'city';
  return 'beyond';
}

export const DISTANCE_ORDER: Readonly<Record<DistanceLevel, number>> = {
  community: 0,
  street: 1,
  district: 2,
  city: 3,
  beyond: 4,
};

export const DISTANCE_LABELS: Readonly<Record<DistanceLevel, string>> = {
  community: 'the same community (同社区)',
  street: 'the same street (同街道)',
  district: 'the same district (同区)',
  city: 'the same city (同市)',
  beyond: 'outside the city (市外)',
};

/** True when `level` is as near as `limit` or nearer. */
export const withinDistance = (level: DistanceLevel, limit: DistanceLevel): boolean =>
  DISTANCE_ORDER[level] <= DISTANCE_ORDER[limit];
