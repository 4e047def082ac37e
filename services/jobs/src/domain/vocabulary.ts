/** Closed vocabularies of the jobs service, as the API spells them (kebab-case). */

import type { EducationName, EmploymentStatusName, HardshipCategoryName } from '@employment/contracts';

export type {
  EducationName as Education,
  EmploymentStatusName as EmploymentStatus,
  HardshipCategoryName as HardshipCategory,
  WorkCapacityName as WorkCapacity,
} from '@employment/contracts';
// The vocabularies every service shares live in the contracts.
export {
  EDUCATION_LEVELS,
  EMPLOYMENT_STATUSES,
  HARDSHIP_CATEGORIES,
  WORK_CAPACITIES,
} from '@employment/contracts';

type Education = EducationName;
type EmploymentStatus = EmploymentStatusName;
type HardshipCategory = HardshipCategoryName;

/** Education levels ranked for comparison. */

/** Senior and vocational secondary school are the same stage (高中/中专), so they rank the same. */
export const EDUCATION_RANK: Readonly<Record<Education, number>> = {
  primary: 1,
  'junior-secondary': 2,
  'senior-secondary': 3,
  'vocational-secondary': 3,
  'junior-college': 4,
  bachelor: 5,
  postgraduate: 6,
};

/**
 * Who is looking for work and is matched: the registered unemployed, laid-off workers, and people
 * in flexible employment (灵活就业) who want a steady job.
 */
export const JOB_SEEKING_STATUSES: ReadonlySet<EmploymentStatus> = new Set([
  'unemployed',
  'laid-off',
  'flexibly-employed',
]);

/**
 * The groups a public-welfare post (公益性岗位) may be opened to: the hardship groups the policy
 * names and members of zero-employment households. A post lists the ones it admits.
 */
export const PUBLIC_WELFARE_GROUPS = [
  '4050',
  'disabled',
  'minimum-living-allowance',
  'zero-employment-household',
  'long-term-unemployed',
] as const satisfies readonly HardshipCategory[];
export type PublicWelfareGroup = (typeof PUBLIC_WELFARE_GROUPS)[number];

export const HARDSHIP_LABELS: Readonly<Record<HardshipCategory, string>> = {
  '4050': '4050 person (4050人员: a woman over 40 or a man over 50)',
  disabled: 'disabled person (残疾人)',
  'minimum-living-allowance': 'minimum-living-allowance household (低保户)',
  'long-term-unemployed': 'long-term unemployed (长期失业人员)',
  'released-state-enterprise-worker': 'released state-enterprise worker (并轨人员)',
  'zero-employment-household': 'member of a zero-employment household (零就业家庭成员)',
};

/**
 * The ten fields of public-welfare posts. The report says the city widened them "from four to
 * ten" (从四类扩展到十类) and names two in passing (the community employment-service assistant and
 * social-security supervisor posts); the other eight follow the fields such programmes commonly
 * fund: the original four "保" posts (cleaning, security, greening, upkeep) and six community
 * services.
 */
export const PUBLIC_WELFARE_CATEGORIES = [
  'cleaning',
  'security',
  'greening',
  'facility-maintenance',
  'traffic-assistance',
  'elderly-care',
  'employment-service-assistant',
  'social-security-supervisor',
  'health-assistant',
  'culture-sports',
] as const;
export type PublicWelfareCategory = (typeof PUBLIC_WELFARE_CATEGORIES)[number];

export const PUBLIC_WELFARE_CATEGORY_LABELS: Readonly<Record<PublicWelfareCategory, string>> = {
  cleaning: 'Community cleaning and sanitation (社区保洁)',
  security: 'Community security and patrol (社区保安、治安巡防)',
  greening: 'Greening and upkeep of green spaces (社区保绿)',
  'facility-maintenance': 'Maintenance of public facilities (社区保养、公共设施维护)',
  'traffic-assistance': 'Traffic and parking assistance (交通协管、停车管理)',
  'elderly-care': 'Elderly and home care services (社区养老服务、居家照料)',
  'employment-service-assistant': 'Community employment service assistant (社区就业服务协管员)',
  'social-security-supervisor': 'Community social-security supervisor (社区社保监督员)',
  'health-assistant': 'Community health and family-planning assistant (社区卫生计生服务)',
  'culture-sports': 'Culture, sports and library services (社区文体、图书服务)',
};

export const VACANCY_KINDS = ['regular', 'public-welfare'] as const;
export type VacancyKind = (typeof VACANCY_KINDS)[number];

export const VACANCY_STATES = ['open', 'filled', 'closed'] as const;
export type VacancyState = (typeof VACANCY_STATES)[number];

export const CONTRACT_TYPES = [
  'fixed-term',
  'open-ended',
  'task-based',
  'part-time',
  'labour-dispatch',
  'public-welfare-agreement',
] as const;
export type ContractType = (typeof CONTRACT_TYPES)[number];

export const PLACEMENT_END_REASONS = [
  'resigned',
  'dismissed',
  'contract-expired',
  'employer-closed',
  'post-term-ended',
  'health',
  'family',
  'other',
] as const;
export type PlacementEndReason = (typeof PLACEMENT_END_REASONS)[number];

export const PLACEMENT_STATUSES = ['active', 'stable', 'ended'] as const;
export type PlacementStatus = (typeof PLACEMENT_STATUSES)[number];

export const FOLLOW_UP_CHECKPOINTS = ['3-months', '6-months'] as const;
export type FollowUpCheckpoint = (typeof FOLLOW_UP_CHECKPOINTS)[number];

export const FOLLOW_UP_METHODS = [
  'visit',
  'phone',
  'employer-confirmation',
  'social-insurance-record',
] as const;
export type FollowUpMethod = (typeof FOLLOW_UP_METHODS)[number];

/**
 * How far apart two communities are, by the administrative tree their codes encode: the same
 * community, the same street (first 9 digits), district (6), city (4), or farther.
 */
export const DISTANCE_LEVELS = ['community', 'street', 'district', 'city', 'beyond'] as const;
export type DistanceLevel = (typeof DISTANCE_LEVELS)[number];
