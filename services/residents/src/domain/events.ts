import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  Education as EducationPb,
  EmploymentStatus as EmploymentStatusPb,
  HardshipCategory as HardshipCategoryPb,
  type ResidentRegisteredSchema,
  Sex as SexPb,
  Topics,
  WorkCapacity as WorkCapacityPb,
} from '@employment/contracts';
import type { ResidentDocument } from '../data-access/models.ts';
import type { Education, EmploymentStatus, HardshipCategory, WorkCapacity } from './vocabulary.ts';

export const RESIDENTS_TOPIC = Topics.residents;

export const employmentStatusToPb: Record<EmploymentStatus, EmploymentStatusPb> = {
  employed: EmploymentStatusPb.EMPLOYED,
  unemployed: EmploymentStatusPb.UNEMPLOYED,
  'laid-off': EmploymentStatusPb.LAID_OFF,
  'flexibly-employed': EmploymentStatusPb.FLEXIBLY_EMPLOYED,
  'self-employed': EmploymentStatusPb.SELF_EMPLOYED,
  retired: EmploymentStatusPb.RETIRED,
  student: EmploymentStatusPb.STUDENT,
  'not-in-labour-force': EmploymentStatusPb.NOT_IN_LABOUR_FORCE,
};

export const employmentStatusFromPb = Object.fromEntries(
  Object.entries(employmentStatusToPb).map(([k, v]) => [v, k]),
) as Record<EmploymentStatusPb, EmploymentStatus>;

const educationToPb: Record<Education, EducationPb> = {
  primary: EducationPb.PRIMARY,
  'junior-secondary': EducationPb.JUNIOR_SECONDARY,
  'senior-secondary': EducationPb.SENIOR_SECONDARY,
  'vocational-secondary': EducationPb.VOCATIONAL_SECONDARY,
  'junior-college': EducationPb.JUNIOR_COLLEGE,
  bachelor: EducationPb.BACHELOR,
  postgraduate: EducationPb.POSTGRADUATE,
};

const workCapacityToPb: Record<WorkCapacity, WorkCapacityPb> = {
  full: WorkCapacityPb.FULL,
  partial: WorkCapacityPb.PARTIAL,
  none: WorkCapacityPb.NONE,
};

const hardshipToPb: Record<HardshipCategory, HardshipCategoryPb> = {
  '4050': HardshipCategoryPb.HARDSHIP_CATEGORY_4050,
  disabled: HardshipCategoryPb.HARDSHIP_CATEGORY_DISABLED,
  'minimum-living-allowance': HardshipCategoryPb.HARDSHIP_CATEGORY_MINIMUM_LIVING_ALLOWANCE,
  'long-term-unemployed': HardshipCategoryPb.HARDSHIP_CATEGORY_LONG_TERM_UNEMPLOYED,
  'released-state-enterprise-worker': HardshipCategoryPb.HARDSHIP_CATEGORY_RELEASED_STATE_ENTERPRISE_WORKER,
  'zero-employment-household': HardshipCategoryPb.HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD,
};

export function residentRegisteredPayload(
  resident: ResidentDocument,
): MessageInitShape<typeof ResidentRegisteredSchema> {
  const [year, month, day] = resident.birthDate.split('-').map(Number) as [number, number, number];
  return {
    residentId: resident._id,
    communityCode: resident.communityCode,
    fullName: resident.fullName,
    sex: resident.sex === 'male' ? SexPb.MALE : SexPb.FEMALE,
    birthDate: { year, month, day },
    employmentStatus: employmentStatusToPb[resident.employmentStatus],
    education: resident.education ? educationToPb[resident.education] : EducationPb.UNSPECIFIED,
    workCapacity: workCapacityToPb[resident.workCapacity],
    hardshipCategories: resident.hardshipCategories.map((h) => hardshipToPb[h]),
    skills: resident.skills,
    occupation: resident.occupation ?? '',
    householdId: resident.householdId ?? '',
    registeredBy: resident.createdBy,
  };
}
