import type { FieldProblem } from '@employment/core';
import { ageOn, parseNationalId, type Sex } from '@employment/identifiers';
import type {
  Education,
  EmploymentStatus,
  HardshipCategory,
  HouseholdRelation,
  WorkCapacity,
} from './vocabulary.ts';

/** A registration as the API receives it (already checked against the OpenAPI schema). */
export interface RegistrationInput {
  nationalId: string;
  fullName: string;
  communityCode: string;
  sex?: Sex;
  birthDate?: string;
  phone?: string;
  address?: string;
  employmentStatus: EmploymentStatus;
  education?: Education;
  workCapacity?: WorkCapacity;
  hardshipCategories?: HardshipCategory[];
  skills?: string[];
  occupation?: string;
  householdId?: string;
  /** Relation to the head of the household named by householdId (default "other"). */
  householdRelation?: HouseholdRelation;
}

/** A registration that passed every rule, with what the ID number says filled in. */
export interface AcceptedRegistration {
  nationalId: string;
  fullName: string;
  communityCode: string;
  sex: Sex;
  birthDate: string;
  phone: string | null;
  address: string | null;
  employmentStatus: EmploymentStatus;
  education: Education | null;
  workCapacity: WorkCapacity;
  hardshipCategories: HardshipCategory[];
  skills: string[];
  occupation: string | null;
  householdId: string | null;
  householdRelation: HouseholdRelation | null;
}

/** China's minimum working age (Labour Law art. 15). */
export const MINIMUM_WORKING_AGE = 16;

export const LABOUR_STATUSES: ReadonlySet<EmploymentStatus> = new Set([
  'employed',
  'unemployed',
  'laid-off',
  'flexibly-employed',
  'self-employed',
]);

/**
 * "4050" people (4050人员): women from 40 and men from 50, up to the statutory retirement age
 * (50 for women workers, 60 for men), the age band the reemployment policy singles out.
 */
export function is4050(sex: Sex, age: number): boolean {
  return sex === 'female' ? age >= 40 && age < 50 : age >= 50 && age < 60;
}

const ID_REASONS: Record<string, string> = {
  format: 'must be 18 characters: 17 digits and a check digit (0-9 or X)',
  region: 'does not start with a known province code',
  'birth-date': 'does not contain a real birth date',
  'check-digit': 'fails the GB 11643 check digit',
};

/** Checks a national ID number as given (any spelling); the normalized number and what it says. */
export function checkNationalId(
  value: string,
  today: Date,
  pointer = '/nationalId',
): { ok: true; number: string; sex: Sex; birthDate: string } | { ok: false; problem: FieldProblem } {
  const id = parseNationalId(value, today);
  if (!id.ok)
    return { ok: false, problem: { in: 'body', pointer, detail: ID_REASONS[id.reason] ?? id.detail } };
  return { ok: true, number: id.value.number, sex: id.value.sex, birthDate: id.value.birthDate };
}

/**
 * The registration rules of the real-name registry. Sex and birth date come from the ID number;
 * when the caller also sends them they must agree. Labour-market statuses need the minimum
 * working age. `4050` is derived from age and sex, and `zero-employment-household` from the
 * household, so neither can be declared against the facts.
 */
export function checkRegistration(
  input: RegistrationInput,
  today: Date = new Date(),
): { ok: true; registration: AcceptedRegistration } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const problem = (pointer: string, detail: string) => problems.push({ in: 'body', pointer, detail });

  const id = parseNationalId(input.nationalId, today);
  if (!id.ok) {
    problem('/nationalId', ID_REASONS[id.reason] ?? id.detail);
    return { ok: false, problems };
  }
  const { sex, birthDate } = id.value;
  if (input.sex !== undefined && input.sex !== sex)
    problem('/sex', `does not match the ID number, which says ${sex}`);
  if (input.birthDate !== undefined && input.birthDate !== birthDate) {
    problem('/birthDate', `does not match the ID number, which says ${birthDate}`);
  }
  const age = ageOn(birthDate, today);
  if (LABOUR_STATUSES.has(input.employmentStatus) && age < MINIMUM_WORKING_AGE) {
    problem(
      '/employmentStatus',
      `"${input.employmentStatus}" needs the minimum working age of ${MINIMUM_WORKING_AGE}; this person is ${age}`,
    );
  }
  const hardship = checkHardship(input.hardshipCategories ?? [], sex, age);
  problems.push(...hardship.problems);
  if (input.householdRelation !== undefined && input.householdId === undefined) {
    problem('/householdRelation', 'needs a householdId');
  }
  if (problems.length > 0) return { ok: false, problems };

  const skills = [...new Set((input.skills ?? []).map((s) => s.trim()).filter(Boolean))];

  return {
    ok: true,
    registration: {
      nationalId: id.value.number,
      fullName: input.fullName.trim(),
      communityCode: input.communityCode,
      sex,
      birthDate,
      phone: input.phone ?? null,
      address: input.address?.trim() || null,
      employmentStatus: input.employmentStatus,
      education: input.education ?? null,
      workCapacity: input.workCapacity ?? 'full',
      hardshipCategories: hardship.categories,
      skills,
      occupation: input.occupation?.trim() || null,
      householdId: input.householdId ?? null,
      householdRelation: input.householdId ? (input.householdRelation ?? 'other') : null,
    },
  };
}

/**
 * Declared hardship categories checked against the facts: `zero-employment-household` is derived
 * from the household and cannot be declared; `4050` is added or removed by age and sex, and
 * declaring it against them is refused.
 */
export function checkHardship(
  declaredList: readonly HardshipCategory[],
  sex: Sex,
  age: number,
): { problems: FieldProblem[]; categories: HardshipCategory[] } {
  const problems: FieldProblem[] = [];
  const declared = new Set(declaredList);
  if (declared.has('zero-employment-household')) {
    problems.push({
      in: 'body',
      pointer: '/hardshipCategories',
      detail: '"zero-employment-household" is derived from the household; it cannot be declared',
    });
  }
  const meets4050 = is4050(sex, age);
  if (declared.has('4050') && !meets4050) {
    problems.push({
      in: 'body',
      pointer: '/hardshipCategories',
      detail: `"4050" needs a woman of 40-49 or a man of 50-59; this person is a ${sex} of ${age}`,
    });
  }
  const categories = new Set(declared);
  if (meets4050) categories.add('4050');
  else categories.delete('4050');
  return { problems, categories: [...categories].sort() };
}

/** A labour-market status needs the minimum working age; the problem, if any. */
export function checkStatusAge(
  status: EmploymentStatus,
  age: number,
  pointer: string,
): FieldProblem | undefined {
  if (LABOUR_STATUSES.has(status) && age < MINIMUM_WORKING_AGE) {
    return {
      in: 'body',
      pointer,
      detail: `"${status}" needs the minimum working age of ${MINIMUM_WORKING_AGE}; this person is ${age}`,
    };
  }
  return undefined;
}
