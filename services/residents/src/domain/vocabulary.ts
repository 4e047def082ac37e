/** Closed vocabularies of the registry, as the API spells them (kebab-case). */

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
export type EmploymentStatus = (typeof EMPLOYMENT_STATUSES)[number];

/** Statuses that count as having work (for household zero-employment status). */
export const WORKING_STATUSES: ReadonlySet<EmploymentStatus> = new Set([
  'employed',
  'flexibly-employed',
  'self-employed',
]);

export const EDUCATION_LEVELS = [
  'primary',
  'junior-secondary',
  'senior-secondary',
  'vocational-secondary',
  'junior-college',
  'bachelor',
  'postgraduate',
] as const;
export type Education = (typeof EDUCATION_LEVELS)[number];

export const WORK_CAPACITIES = ['full', 'partial', 'none'] as const;
export type WorkCapacity = (typeof WORK_CAPACITIES)[number];

/** Hardship groups (困难群体). `4050` is derived from age and sex, the rest are declared. */
export const HARDSHIP_CATEGORIES = [
  '4050',
  'disabled',
  'minimum-living-allowance',
  'long-term-unemployed',
  'released-state-enterprise-worker',
  'zero-employment-household',
] as const;
export type HardshipCategory = (typeof HARDSHIP_CATEGORIES)[number];
