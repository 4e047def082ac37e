import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AreaLevel as AreaLevelPb,
  Education as EducationPb,
  educationToPb,
  employmentStatusFromPb,
  employmentStatusToPb,
  HelperRole as HelperRolePb,
  HouseholdRelation as HouseholdRelationPb,
  type HouseholdStatusChangedSchema,
  hardshipToPb,
  type ResidentProfileChangedSchema,
  type ResidentRegisteredSchema,
  ServiceKind as ServiceKindPb,
  Sex as SexPb,
  SurveyOutcome as SurveyOutcomePb,
  Topics,
  WarningKind as WarningKindPb,
  WarningLevel as WarningLevelPb,
  workCapacityToPb,
} from '@employment/contracts';
import type { HouseholdDocument, ResidentDocument } from '../data-access/models.ts';
import type {
  AreaLevel,
  HelperRole,
  HouseholdRelation,
  ServiceKind,
  SurveyOutcome,
  WarningKind,
  WarningLevel,
} from './vocabulary.ts';

/** The default topic; the service publishes to `config.RESIDENTS_EVENTS_TOPIC` (tests use their own). */
export const RESIDENTS_TOPIC = Topics.residents;

export { educationToPb, employmentStatusFromPb, employmentStatusToPb, hardshipToPb, workCapacityToPb };

/** Inverts a mapping to protobuf enum values, for decoding. */
const invert = <K extends string, V extends number>(map: Record<K, V>) =>
  Object.fromEntries(Object.entries(map).map(([k, v]) => [v, k])) as Record<V, K>;

export const relationToPb: Record<HouseholdRelation, HouseholdRelationPb> = {
  head: HouseholdRelationPb.HEAD,
  spouse: HouseholdRelationPb.SPOUSE,
  child: HouseholdRelationPb.CHILD,
  'child-in-law': HouseholdRelationPb.CHILD_IN_LAW,
  parent: HouseholdRelationPb.PARENT,
  'parent-in-law': HouseholdRelationPb.PARENT_IN_LAW,
  grandchild: HouseholdRelationPb.GRANDCHILD,
  grandparent: HouseholdRelationPb.GRANDPARENT,
  sibling: HouseholdRelationPb.SIBLING,
  other: HouseholdRelationPb.OTHER,
};

export const areaLevelToPb: Record<AreaLevel, AreaLevelPb> = {
  city: AreaLevelPb.CITY,
  district: AreaLevelPb.DISTRICT,
  street: AreaLevelPb.STREET,
  community: AreaLevelPb.COMMUNITY,
  building: AreaLevelPb.BUILDING,
};

export const surveyOutcomeToPb: Record<SurveyOutcome, SurveyOutcomePb> = {
  completed: SurveyOutcomePb.COMPLETED,
  'nobody-home': SurveyOutcomePb.NOBODY_HOME,
  refused: SurveyOutcomePb.REFUSED,
  'moved-away': SurveyOutcomePb.MOVED_AWAY,
};
export const surveyOutcomeFromPb = invert(surveyOutcomeToPb);

export const serviceKindToPb: Record<ServiceKind, ServiceKindPb> = {
  policy: ServiceKindPb.POLICY,
  job: ServiceKindPb.JOB,
  skill: ServiceKindPb.SKILL,
  service: ServiceKindPb.SERVICE,
};
export const serviceKindFromPb = invert(serviceKindToPb);

export const helperRoleToPb: Record<HelperRole, HelperRolePb> = {
  'street-leader': HelperRolePb.STREET_LEADER,
  'social-security-officer': HelperRolePb.SOCIAL_SECURITY_OFFICER,
  'community-director': HelperRolePb.COMMUNITY_DIRECTOR,
  'community-worker': HelperRolePb.COMMUNITY_WORKER,
  'party-member-helper': HelperRolePb.PARTY_MEMBER_HELPER,
};

export const warningKindToPb: Record<WarningKind, WarningKindPb> = {
  'zero-employment-household': WarningKindPb.ZERO_EMPLOYMENT_HOUSEHOLD,
  'zero-employment-not-placed': WarningKindPb.ZERO_EMPLOYMENT_NOT_PLACED,
  'certificate-check-overdue': WarningKindPb.CERTIFICATE_CHECK_OVERDUE,
  'job-lost-within-six-months': WarningKindPb.JOB_LOST_WITHIN_SIX_MONTHS,
};

export const warningLevelToPb: Record<WarningLevel, WarningLevelPb> = {
  community: WarningLevelPb.COMMUNITY,
  street: WarningLevelPb.STREET,
  district: WarningLevelPb.DISTRICT,
  city: WarningLevelPb.CITY,
};

export const timestamp = (date: Date | null | undefined) => (date ? timestampFromDate(date) : undefined);

/** A 'YYYY-MM-DD' date as the contracts' Date message. */
export function pbDate(date: string | null | undefined) {
  if (!date) return undefined;
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return { year, month, day };
}

export function residentRegisteredPayload(
  resident: ResidentDocument,
): MessageInitShape<typeof ResidentRegisteredSchema> {
  return {
    residentId: resident._id,
    communityCode: resident.communityCode,
    fullName: resident.fullName,
    sex: resident.sex === 'male' ? SexPb.MALE : SexPb.FEMALE,
    birthDate: pbDate(resident.birthDate),
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

export function residentProfileChangedPayload(
  resident: ResidentDocument,
  previousCommunityCode: string,
  changedFields: string[],
  changedBy: string,
  previousHouseholdId: string | null = resident.householdId,
): MessageInitShape<typeof ResidentProfileChangedSchema> {
  return {
    residentId: resident._id,
    communityCode: resident.communityCode,
    fullName: resident.fullName,
    education: resident.education ? educationToPb[resident.education] : EducationPb.UNSPECIFIED,
    workCapacity: workCapacityToPb[resident.workCapacity],
    hardshipCategories: resident.hardshipCategories.map((h) => hardshipToPb[h]),
    skills: resident.skills,
    occupation: resident.occupation ?? '',
    householdId: resident.householdId ?? '',
    version: resident.version,
    previousCommunityCode,
    employmentStatus: employmentStatusToPb[resident.employmentStatus],
    householdRelation: resident.householdRelation
      ? relationToPb[resident.householdRelation]
      : HouseholdRelationPb.UNSPECIFIED,
    changedFields,
    changedBy,
    previousHouseholdId: previousHouseholdId ?? '',
  };
}

export function householdStatusChangedPayload(
  household: HouseholdDocument,
  previous: { zeroEmployment: boolean; doubleUnemployed: boolean },
  reason: string,
): MessageInitShape<typeof HouseholdStatusChangedSchema> {
  return {
    householdId: household._id,
    communityCode: household.communityCode,
    zeroEmployment: household.status.zeroEmployment,
    doubleUnemployed: household.status.doubleUnemployed,
    since: timestamp(household.status.since),
    memberResidentIds: household.members.map((m) => m.residentId),
    previousZeroEmployment: previous.zeroEmployment,
    previousDoubleUnemployed: previous.doubleUnemployed,
    version: household.version,
    reason,
    members: household.members.map((m) => ({
      residentId: m.residentId,
      relation: relationToPb[m.relation],
      employmentStatus: employmentStatusToPb[m.employmentStatus],
    })),
    buildingCode: household.buildingCode ?? '',
    placementDueAt: timestamp(household.status.placementDueAt),
  };
}
