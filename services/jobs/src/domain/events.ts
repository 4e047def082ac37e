import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  ContractType as ContractTypePb,
  Education as EducationPb,
  type EmploymentStabilizedSchema,
  educationFromPb,
  educationToPb,
  employmentStatusFromPb,
  hardshipFromPb,
  hardshipToPb,
  type PlacementEndedSchema,
  PlacementEndReason as PlacementEndReasonPb,
  type PlacementMadeSchema,
  PublicWelfareCategory as PublicWelfareCategoryPb,
  type ReferralMadeSchema,
  sexFromPb,
  Topics,
  VacancyKind as VacancyKindPb,
  type VacancyPostedSchema,
  workCapacityFromPb,
} from '@employment/contracts';
import type {
  EmployerRef,
  PlacementDocument,
  ReferralDocument,
  VacancyDocument,
} from '../data-access/models.ts';
import { type IsoDate, startOfChinaDay } from './dates.ts';
import type { ContractType, PlacementEndReason, PublicWelfareCategory } from './vocabulary.ts';

export const JOBS_TOPIC = Topics.jobs;

export { educationFromPb, employmentStatusFromPb, hardshipFromPb, sexFromPb, workCapacityFromPb };

const publicWelfareCategoryToPb: Record<PublicWelfareCategory, PublicWelfareCategoryPb> = {
  cleaning: PublicWelfareCategoryPb.CLEANING,
  security: PublicWelfareCategoryPb.SECURITY,
  greening: PublicWelfareCategoryPb.GREENING,
  'facility-maintenance': PublicWelfareCategoryPb.FACILITY_MAINTENANCE,
  'traffic-assistance': PublicWelfareCategoryPb.TRAFFIC_ASSISTANCE,
  'elderly-care': PublicWelfareCategoryPb.ELDERLY_CARE,
  'employment-service-assistant': PublicWelfareCategoryPb.EMPLOYMENT_SERVICE_ASSISTANT,
  'social-security-supervisor': PublicWelfareCategoryPb.SOCIAL_SECURITY_SUPERVISOR,
  'health-assistant': PublicWelfareCategoryPb.HEALTH_ASSISTANT,
  'culture-sports': PublicWelfareCategoryPb.CULTURE_SPORTS,
};

export const contractTypeToPb: Record<ContractType, ContractTypePb> = {
  'fixed-term': ContractTypePb.FIXED_TERM,
  'open-ended': ContractTypePb.OPEN_ENDED,
  'task-based': ContractTypePb.TASK_BASED,
  'part-time': ContractTypePb.PART_TIME,
  'labour-dispatch': ContractTypePb.LABOUR_DISPATCH,
  'public-welfare-agreement': ContractTypePb.PUBLIC_WELFARE_AGREEMENT,
};

export const endReasonToPb: Record<PlacementEndReason, PlacementEndReasonPb> = {
  resigned: PlacementEndReasonPb.RESIGNED,
  dismissed: PlacementEndReasonPb.DISMISSED,
  'contract-expired': PlacementEndReasonPb.CONTRACT_EXPIRED,
  'employer-closed': PlacementEndReasonPb.EMPLOYER_CLOSED,
  'post-term-ended': PlacementEndReasonPb.POST_TERM_ENDED,
  health: PlacementEndReasonPb.HEALTH,
  family: PlacementEndReasonPb.FAMILY,
  other: PlacementEndReasonPb.OTHER,
};

/** A calendar date as protobuf: the Date message, for vacancy dates. */
const datePb = (date: IsoDate) => {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return { year, month, day };
};

/** A calendar date as a Timestamp: 00:00 of that day in China (UTC+08:00). */
export const dayTimestamp = (date: IsoDate) => timestampFromDate(startOfChinaDay(date));

const fen = (yuan: number) => ({ fen: BigInt(Math.round(yuan * 100)) });

const employerPb = (employer: EmployerRef) => ({
  employerId: employer.id,
  creditCode: employer.creditCode,
  name: employer.name,
});

export function vacancyPostedPayload(vacancy: VacancyDocument): MessageInitShape<typeof VacancyPostedSchema> {
  return {
    vacancyId: vacancy._id,
    communityCode: vacancy.communityCode,
    employer: employerPb(vacancy.employer),
    kind: vacancy.kind === 'public-welfare' ? VacancyKindPb.PUBLIC_WELFARE : VacancyKindPb.REGULAR,
    title: vacancy.title,
    occupation: vacancy.occupation.concept,
    requiredSkills: vacancy.requiredSkills.map((s) => s.concept),
    optionalSkills: vacancy.optionalSkills.map((s) => s.concept),
    minimumEducation: vacancy.minimumEducation
      ? educationToPb[vacancy.minimumEducation]
      : EducationPb.UNSPECIFIED,
    places: vacancy.places,
    wageMin: fen(vacancy.wageMin),
    wageMax: fen(vacancy.wageMax),
    opensOn: datePb(vacancy.opensOn),
    closesOn: datePb(vacancy.closesOn),
    publicWelfareCategory: vacancy.publicWelfare
      ? publicWelfareCategoryToPb[vacancy.publicWelfare.category]
      : PublicWelfareCategoryPb.UNSPECIFIED,
    eligibleGroups: (vacancy.publicWelfare?.eligibleGroups ?? []).map((g) => hardshipToPb[g]),
    postedBy: vacancy.createdBy,
  };
}

export function referralMadePayload(referral: ReferralDocument): MessageInitShape<typeof ReferralMadeSchema> {
  return {
    referralId: referral._id,
    vacancyId: referral.vacancyId,
    residentId: referral.residentId,
    communityCode: referral.communityCode,
    vacancyCommunityCode: referral.vacancyCommunityCode,
    employer: employerPb(referral.employer),
    score: referral.match.score,
    priority: referral.match.priority,
    referredBy: referral.createdBy,
  };
}

export function placementMadePayload(
  placement: PlacementDocument,
): MessageInitShape<typeof PlacementMadeSchema> {
  return {
    placementId: placement._id,
    residentId: placement.residentId,
    communityCode: placement.communityCode,
    employer: employerPb(placement.employer),
    vacancyId: placement.vacancyId,
    referralId: placement.referralId ?? '',
    startDate: dayTimestamp(placement.startDate),
    contractType: contractTypeToPb[placement.contractType],
    wage: fen(placement.monthlyWage),
    publicWelfare: placement.publicWelfare,
    householdId: placement.householdId ?? '',
    placedBy: placement.createdBy,
  };
}

export function placementEndedPayload(
  placement: PlacementDocument,
): MessageInitShape<typeof PlacementEndedSchema> {
  const ended = placement.ended!;
  return {
    placementId: placement._id,
    residentId: placement.residentId,
    communityCode: placement.communityCode,
    endedOn: dayTimestamp(ended.endedOn),
    reason: endReasonToPb[ended.reason],
    reasonDetail: ended.detail ?? '',
    withinSixMonths: ended.withinSixMonths,
    startDate: dayTimestamp(placement.startDate),
    employerId: placement.employer.id,
    vacancyId: placement.vacancyId,
    householdId: placement.householdId ?? '',
  };
}

export function employmentStabilizedPayload(
  placement: PlacementDocument,
): MessageInitShape<typeof EmploymentStabilizedSchema> {
  return {
    placementId: placement._id,
    residentId: placement.residentId,
    communityCode: placement.communityCode,
    startDate: dayTimestamp(placement.startDate),
    confirmedOn: dayTimestamp(placement.stabilizedOn!),
    employerId: placement.employer.id,
    vacancyId: placement.vacancyId,
    householdId: placement.householdId ?? '',
  };
}
