import type { HouseholdMemberFacts } from '../data-access/models.ts';
import { yearsBetween } from './calendar.ts';
import { MINIMUM_WORKING_AGE } from './registration.ts';
import { SEEKING_STATUSES, WORKING_STATUSES } from './vocabulary.ts';

/**
 * Statutory retirement ages (60 for men, 50 for women workers): the end of working age, as the
 * 4050 rule counts it.
 */
export const RETIREMENT_AGE = { male: 60, female: 50 } as const;

export function isWorkingAge(
  member: Pick<HouseholdMemberFacts, 'sex' | 'birthDate'>,
  today: string,
): boolean {
  const age = yearsBetween(member.birthDate, today);
  return age >= MINIMUM_WORKING_AGE && age < RETIREMENT_AGE[member.sex];
}

/** A member who counts for the household's employment: of working age and able to work. */
export function countsForEmployment(member: HouseholdMemberFacts, today: string): boolean {
  return member.workCapacity !== 'none' && isWorkingAge(member, today);
}

export interface DerivedHouseholdStatus {
  /**
   * Zero-employment household (零就业家庭): it has members of working age able to work, at least
   * one of them looking for work, and none of them employed (employed, flexibly or self-employed).
   * A household of pensioners, pupils and people unable to work is not one.
   */
  zeroEmployment: boolean;
  /** Double-unemployed couple (双失业): the head and the spouse both able, of working age and looking for work. */
  doubleUnemployed: boolean;
}

export function deriveHouseholdStatus(
  members: HouseholdMemberFacts[],
  today: string,
): DerivedHouseholdStatus {
  const able = members.filter((m) => countsForEmployment(m, today));
  const employed = able.some((m) => WORKING_STATUSES.has(m.employmentStatus));
  const seeking = able.some((m) => SEEKING_STATUSES.has(m.employmentStatus));
  const seekingCouple = (relation: 'head' | 'spouse') =>
    able.some((m) => m.relation === relation && SEEKING_STATUSES.has(m.employmentStatus));
  return {
    zeroEmployment: seeking && !employed,
    doubleUnemployed: seekingCouple('head') && seekingCouple('spouse'),
  };
}

export interface Membership {
  members: HouseholdMemberFacts[];
  /** The last version seen of people who left, so a late, older fact cannot bring them back. */
  departed: Array<{ residentId: string; version: number }>;
}

const DEPARTED_KEPT = 100;

/**
 * The membership after a fact about one person: the person added or their facts replaced when
 * they belong to this household, removed when they no longer do; undefined (no change) when the
 * fact is not newer than what the household already knows of the person.
 */
export function applyMemberFact(
  membership: Membership,
  fact: HouseholdMemberFacts,
  belongs: boolean,
): Membership | undefined {
  const held = membership.members.find((m) => m.residentId === fact.residentId);
  const left = membership.departed.find((d) => d.residentId === fact.residentId);
  const known = held?.version ?? left?.version ?? 0;
  if (fact.version <= known) return undefined;
  const others = membership.members.filter((m) => m.residentId !== fact.residentId);
  const departedOthers = membership.departed.filter((d) => d.residentId !== fact.residentId);
  if (!belongs) {
    if (!held) return undefined;
    return {
      members: others,
      departed: [...departedOthers, { residentId: fact.residentId, version: fact.version }].slice(
        -DEPARTED_KEPT,
      ),
    };
  }
  return {
    members: held
      ? membership.members.map((m) => (m.residentId === fact.residentId ? fact : m))
      : [...others, fact],
    departed: departedOthers,
  };
}
