import type {
  EmploymentStatusChanged,
  HouseholdStatusChanged,
  ResidentProfileChanged,
  ResidentRegistered,
} from '@employment/contracts';
import { type CandidateDocument, type HouseholdDocument, syncStamp } from '../data-access/models.ts';
import { ageOn, type IsoDate } from './dates.ts';
import {
  educationFromPb,
  employmentStatusFromPb,
  hardshipFromPb,
  sexFromPb,
  workCapacityFromPb,
} from './events.ts';
import type { HardshipCategory } from './vocabulary.ts';

/**
 * How residents' events become the candidate read model. Each event carries the resident's
 * aggregate version (ResidentRegistered is version 1); the profile and the employment status keep
 * their own version here, so an older event arriving late (a replay, a redelivery after a
 * rebalance) changes nothing. The updates are MongoDB update documents whose `$set` and
 * `$setOnInsert` never name the same field.
 */
export interface VersionedUpdate {
  versionField: 'profileVersion' | 'statusVersion' | 'version';
  version: number;
  update: { $set: Record<string, unknown>; $setOnInsert?: Record<string, unknown> };
}

const dateText = (d: { year: number; month: number; day: number } | undefined): IsoDate | null =>
  d && d.year > 0
    ? `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`
    : null;

const hardship = (values: readonly number[]): HardshipCategory[] =>
  [...new Set(values.map((v) => hardshipFromPb.get(v)).filter((v): v is HardshipCategory => !!v))].sort();

const cleanSkills = (skills: readonly string[]) => [...new Set(skills.map((s) => s.trim()).filter(Boolean))];

/** Fields jobs itself owns, set only when an event creates the record. */
const ownDefaults = {
  preferences: null,
  preferencesVersion: 0,
  activePlacementId: null,
};

export function fromRegistered(event: ResidentRegistered, occurredAt: Date, now: Date): VersionedUpdate {
  return {
    versionField: 'profileVersion',
    version: 1,
    update: {
      $set: {
        communityCode: event.communityCode,
        fullName: event.fullName,
        sex: sexFromPb.get(event.sex) ?? null,
        birthDate: dateText(event.birthDate),
        education: educationFromPb.get(event.education) ?? null,
        workCapacity: workCapacityFromPb.get(event.workCapacity) ?? null,
        hardshipCategories: hardship(event.hardshipCategories),
        skills: cleanSkills(event.skills),
        occupation: event.occupation.trim() || null,
        householdId: event.householdId || null,
        registeredAt: occurredAt,
        profileVersion: 1,
        ...syncStamp(now),
      },
      // A status event can only be newer than the registration: when it came first, its status stays.
      $setOnInsert: {
        employmentStatus: employmentStatusFromPb.get(event.employmentStatus) ?? null,
        statusSince: occurredAt,
        statusVersion: 1,
        ...ownDefaults,
      },
    },
  };
}

export function fromProfileChanged(event: ResidentProfileChanged, now: Date): VersionedUpdate {
  return {
    versionField: 'profileVersion',
    version: event.version,
    update: {
      $set: {
        communityCode: event.communityCode,
        fullName: event.fullName,
        education: educationFromPb.get(event.education) ?? null,
        workCapacity: workCapacityFromPb.get(event.workCapacity) ?? null,
        hardshipCategories: hardship(event.hardshipCategories),
        skills: cleanSkills(event.skills),
        occupation: event.occupation.trim() || null,
        householdId: event.householdId || null,
        profileVersion: event.version,
        ...syncStamp(now),
      },
      $setOnInsert: {
        sex: null,
        birthDate: null,
        registeredAt: null,
        employmentStatus: null,
        statusSince: null,
        statusVersion: 0,
        ...ownDefaults,
      },
    },
  };
}

export function fromEmploymentStatusChanged(
  event: EmploymentStatusChanged,
  occurredAt: Date,
  now: Date,
): VersionedUpdate {
  return {
    versionField: 'statusVersion',
    version: event.version,
    update: {
      $set: {
        employmentStatus: employmentStatusFromPb.get(event.status) ?? null,
        statusSince: event.since ? new Date(Number(event.since.seconds) * 1000) : occurredAt,
        statusVersion: event.version,
        ...syncStamp(now),
      },
      $setOnInsert: {
        communityCode: event.communityCode,
        fullName: '',
        sex: null,
        birthDate: null,
        education: null,
        workCapacity: null,
        hardshipCategories: [],
        skills: [],
        occupation: null,
        householdId: event.householdId || null,
        registeredAt: null,
        profileVersion: 0,
        ...ownDefaults,
      },
    },
  };
}

export function fromHouseholdStatusChanged(event: HouseholdStatusChanged, now: Date): VersionedUpdate {
  return {
    versionField: 'version',
    version: event.version,
    update: {
      $set: {
        communityCode: event.communityCode,
        zeroEmployment: event.zeroEmployment,
        doubleUnemployed: event.doubleUnemployed,
        memberResidentIds: [...new Set(event.memberResidentIds)],
        since: event.since ? new Date(Number(event.since.seconds) * 1000) : null,
        version: event.version,
        ...syncStamp(now),
      },
    },
  };
}

/**
 * "4050" people (4050人员): women from 40 and men from 50, up to the statutory retirement age
 * (50 for women workers, 60 for men). Residents derives it at registration; jobs derives it again
 * on the day of matching, because people age into and out of the band.
 */
export function is4050(sex: 'male' | 'female', age: number): boolean {
  return sex === 'female' ? age >= 40 && age < 50 : age >= 50 && age < 60;
}

/** What matching needs to know of a person on a given day. */
export interface CandidateFacts {
  age: number | null;
  /** Hardship groups on the day: declared ones, 4050 by age, zero-employment by household. */
  groups: Set<HardshipCategory>;
  zeroEmploymentHousehold: boolean;
}

export function candidateFacts(
  candidate: CandidateDocument,
  household: HouseholdDocument | undefined,
  today: IsoDate,
): CandidateFacts {
  const age = candidate.birthDate && candidate.birthDate <= today ? ageOn(candidate.birthDate, today) : null;
  const groups = new Set(candidate.hardshipCategories);
  if (candidate.sex && age !== null) {
    if (is4050(candidate.sex, age)) groups.add('4050');
    else groups.delete('4050');
  }
  // The household's own status, when known, is fresher than the flag copied on the profile.
  const zero = household ? household.zeroEmployment : groups.has('zero-employment-household');
  if (zero) groups.add('zero-employment-household');
  else groups.delete('zero-employment-household');
  return { age, groups, zeroEmploymentHousehold: zero };
}
