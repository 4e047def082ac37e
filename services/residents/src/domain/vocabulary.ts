/** Closed vocabularies of the registry, as the API spells them (kebab-case). */

import type { EmploymentStatusName } from '@employment/contracts';

export type {
  EducationName as Education,
  EmploymentStatusName as EmploymentStatus,
  HardshipCategoryName as HardshipCategory,
  WorkCapacityName as WorkCapacity,
} from '@employment/contracts';
// The vocabularies every service shares live in the contracts; `4050` is derived from age and sex
// and `zero-employment-household` from the household, the other hardship categories are declared.
export {
  EDUCATION_LEVELS,
  EMPLOYMENT_STATUSES,
  HARDSHIP_CATEGORIES,
  WORK_CAPACITIES,
} from '@employment/contracts';

type EmploymentStatus = EmploymentStatusName;

/** Statuses that count as having work (for household zero-employment status). */
export const WORKING_STATUSES: ReadonlySet<EmploymentStatus> = new Set([
  'employed',
  'flexibly-employed',
  'self-employed',
]);

/** Statuses of people looking for work (for zero-employment and double-unemployed households). */
export const SEEKING_STATUSES: ReadonlySet<EmploymentStatus> = new Set(['unemployed', 'laid-off']);

/** A person's relation to the head of the household (与户主关系). */
export const HOUSEHOLD_RELATIONS = [
  'head',
  'spouse',
  'child',
  'child-in-law',
  'parent',
  'parent-in-law',
  'grandchild',
  'grandparent',
  'sibling',
  'other',
] as const;
export type HouseholdRelation = (typeof HOUSEHOLD_RELATIONS)[number];

/** Levels of the administrative tree, with the length of their codes. */
export const AREA_LEVELS = ['city', 'district', 'street', 'community', 'building'] as const;
export type AreaLevel = (typeof AREA_LEVELS)[number];
export const AREA_CODE_LENGTH: Readonly<Record<AreaLevel, number>> = {
  city: 4,
  district: 6,
  street: 9,
  community: 12,
  building: 15,
};

export const SURVEY_OUTCOMES = ['completed', 'nobody-home', 'refused', 'moved-away'] as const;
export type SurveyOutcome = (typeof SURVEY_OUTCOMES)[number];

/** What a household may ask for in a survey. */
export const SURVEY_NEEDS = [
  'job',
  'training',
  'policy',
  'subsidy',
  'loan',
  'public-welfare-post',
  'care-service',
  'other',
] as const;

/** The four kinds of help delivered to the door (送政策、送岗位、送技能、送服务). */
export const SERVICE_KINDS = ['policy', 'job', 'skill', 'service'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

export const SERVICE_OUTCOMES = [
  'accepted',
  'declined',
  'in-progress',
  'completed',
  'placed',
  'no-effect',
] as const;
export type ServiceOutcome = (typeof SERVICE_OUTCOMES)[number];

/** "Four contacts, one helper" (四包一帮), with the levels each responsibility is held for. */
export const HELPER_ROLES = [
  'street-leader',
  'social-security-officer',
  'community-director',
  'community-worker',
  'party-member-helper',
] as const;
export type HelperRole = (typeof HELPER_ROLES)[number];
export type AssignmentTargetType = 'street' | 'community' | 'building' | 'household';
export const HELPER_TARGETS: Readonly<Record<HelperRole, readonly AssignmentTargetType[]>> = {
  'street-leader': ['street', 'community'],
  'social-security-officer': ['community'],
  'community-director': ['building'],
  'community-worker': ['household'],
  'party-member-helper': ['household'],
};

export const CERTIFICATE_STATES = ['applied', 'approved', 'rejected', 'issued', 'revoked'] as const;
export type CertificateState = (typeof CERTIFICATE_STATES)[number];

export const WARNING_KINDS = [
  'zero-employment-household',
  'zero-employment-not-placed',
  'certificate-check-overdue',
  'job-lost-within-six-months',
] as const;
export type WarningKind = (typeof WARNING_KINDS)[number];

/** Where a warning sits; an overdue one climbs community → street → district → city. */
export const WARNING_LEVELS = ['community', 'street', 'district', 'city'] as const;
export type WarningLevel = (typeof WARNING_LEVELS)[number];

export const WARNING_STATES = ['raised', 'acknowledged', 'resolved'] as const;
export type WarningState = (typeof WARNING_STATES)[number];
