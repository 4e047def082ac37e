import {
  Education as EducationPb,
  EmploymentStatus as EmploymentStatusPb,
  HardshipCategory as HardshipCategoryPb,
  Sex as SexPb,
  WorkCapacity as WorkCapacityPb,
} from './gen/employment/common/v1/types_pb.js';

/**
 * The shared vocabularies as every service's HTTP API spells them (kebab-case), and their
 * protobuf values in events. One list per concept, so two services can never spell a status
 * differently.
 */

export const EMPLOYMENT_STATUSES = [
  'employed',
  'unemployed',
  'laid-off',
  'flexibly-employed',
  'self-employed',
  'retired',
  'student',
  'not-in-labour-force',
] as const;
export type EmploymentStatusName = (typeof EMPLOYMENT_STATUSES)[number];

export const EDUCATION_LEVELS = [
  'primary',
  'junior-secondary',
  'senior-secondary',
  'vocational-secondary',
  'junior-college',
  'bachelor',
  'postgraduate',
] as const;
export type EducationName = (typeof EDUCATION_LEVELS)[number];

export const WORK_CAPACITIES = ['full', 'partial', 'none'] as const;
export type WorkCapacityName = (typeof WORK_CAPACITIES)[number];

/** Hardship groups (困难群体). */
export const HARDSHIP_CATEGORIES = [
  '4050',
  'disabled',
  'minimum-living-allowance',
  'long-term-unemployed',
  'released-state-enterprise-worker',
  'zero-employment-household',
] as const;
export type HardshipCategoryName = (typeof HARDSHIP_CATEGORIES)[number];

export type SexName = 'male' | 'female';

/** Inverts a complete mapping to protobuf enum values, for decoding events. */
const invert = <K extends string, V extends number>(map: Record<K, V>) =>
  new Map<number, K>(Object.entries(map).map(([k, v]) => [v as number, k as K]));

export const employmentStatusToPb: Readonly<Record<EmploymentStatusName, EmploymentStatusPb>> = {
  employed: EmploymentStatusPb.EMPLOYED,
  unemployed: EmploymentStatusPb.UNEMPLOYED,
  'laid-off': EmploymentStatusPb.LAID_OFF,
  'flexibly-employed': EmploymentStatusPb.FLEXIBLY_EMPLOYED,
  'self-employed': EmploymentStatusPb.SELF_EMPLOYED,
  retired: EmploymentStatusPb.RETIRED,
  student: EmploymentStatusPb.STUDENT,
  'not-in-labour-force': EmploymentStatusPb.NOT_IN_LABOUR_FORCE,
};
export const employmentStatusFromPb = invert(employmentStatusToPb);

export const educationToPb: Readonly<Record<EducationName, EducationPb>> = {
  primary: EducationPb.PRIMARY,
  'junior-secondary': EducationPb.JUNIOR_SECONDARY,
  'senior-secondary': EducationPb.SENIOR_SECONDARY,
  'vocational-secondary': EducationPb.VOCATIONAL_SECONDARY,
  'junior-college': EducationPb.JUNIOR_COLLEGE,
  bachelor: EducationPb.BACHELOR,
  postgraduate: EducationPb.POSTGRADUATE,
};
export const educationFromPb = invert(educationToPb);

export const workCapacityToPb: Readonly<Record<WorkCapacityName, WorkCapacityPb>> = {
  full: WorkCapacityPb.FULL,
  partial: WorkCapacityPb.PARTIAL,
  none: WorkCapacityPb.NONE,
};
export const workCapacityFromPb = invert(workCapacityToPb);

export const hardshipToPb: Readonly<Record<HardshipCategoryName, HardshipCategoryPb>> = {
  '4050': HardshipCategoryPb.HARDSHIP_CATEGORY_4050,
  disabled: HardshipCategoryPb.HARDSHIP_CATEGORY_DISABLED,
  'minimum-living-allowance': HardshipCategoryPb.HARDSHIP_CATEGORY_MINIMUM_LIVING_ALLOWANCE,
  'long-term-unemployed': HardshipCategoryPb.HARDSHIP_CATEGORY_LONG_TERM_UNEMPLOYED,
  'released-state-enterprise-worker': HardshipCategoryPb.HARDSHIP_CATEGORY_RELEASED_STATE_ENTERPRISE_WORKER,
  'zero-employment-household': HardshipCategoryPb.HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD,
};
export const hardshipFromPb = invert(hardshipToPb);

export const sexToPb: Readonly<Record<SexName, SexPb>> = { male: SexPb.MALE, female: SexPb.FEMALE };
export const sexFromPb = invert(sexToPb);
