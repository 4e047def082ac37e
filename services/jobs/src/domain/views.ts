import type {
  AuditEntry,
  CandidateDocument,
  EmployerDocument,
  PlacementDocument,
  ReferralDocument,
  VacancyDocument,
} from '../data-access/models.ts';
import type { CandidateFacts } from './candidates.ts';
import type { IsoDate } from './dates.ts';
import type { SkillRef, SkillVocabulary } from './skills.ts';
import { PUBLIC_WELFARE_CATEGORY_LABELS, type VacancyState } from './vocabulary.ts';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export function toEmployerView(employer: EmployerDocument) {
  return {
    id: employer._id,
    creditCode: employer.creditCode,
    name: employer.name,
    communityCode: employer.communityCode,
    address: employer.address,
    industry: employer.industry,
    contacts: employer.contacts,
    hiringLinks: employer.hiringLinks.map((l) => ({
      communityCode: l.communityCode,
      since: l.since,
      note: l.note,
      recordedBy: l.recordedBy,
      recordedAt: iso(l.recordedAt),
    })),
    version: employer.version,
    createdAt: iso(employer.createdAt),
    updatedAt: iso(employer.updatedAt),
  };
}

export const skillView = (vocabulary: SkillVocabulary, ref: SkillRef) => ({
  label: ref.label,
  concept: ref.concept,
  known: ref.known,
  name: vocabulary.describe(ref),
});

/** The state as of `today`: an open vacancy past its closing date is closed. */
export const effectiveState = (vacancy: VacancyDocument, today: IsoDate): VacancyState =>
  vacancy.state === 'open' && vacancy.closesOn < today ? 'closed' : vacancy.state;

export function toVacancyView(vocabulary: SkillVocabulary, vacancy: VacancyDocument, today: IsoDate) {
  const pw = vacancy.publicWelfare;
  return {
    id: vacancy._id,
    kind: vacancy.kind,
    employer: vacancy.employer,
    communityCode: vacancy.communityCode,
    title: vacancy.title,
    description: vacancy.description,
    occupation: skillView(vocabulary, vacancy.occupation),
    requiredSkills: vacancy.requiredSkills.map((s) => skillView(vocabulary, s)),
    optionalSkills: vacancy.optionalSkills.map((s) => skillView(vocabulary, s)),
    minimumEducation: vacancy.minimumEducation,
    ageMin: vacancy.ageMin,
    ageMax: vacancy.ageMax,
    acceptsPartialCapacity: vacancy.acceptsPartialCapacity,
    wage: { min: vacancy.wageMin, max: vacancy.wageMax },
    places: vacancy.places,
    placed: vacancy.placed,
    opensOn: vacancy.opensOn,
    closesOn: vacancy.closesOn,
    state: effectiveState(vacancy, today),
    closedReason: vacancy.closedReason,
    publicWelfare: pw
      ? {
          category: pw.category,
          categoryName: PUBLIC_WELFARE_CATEGORY_LABELS[pw.category],
          eligibleGroups: pw.eligibleGroups,
          termMonths: pw.termMonths,
          funding: pw.funding,
        }
      : null,
    version: vacancy.version,
    createdAt: iso(vacancy.createdAt),
    updatedAt: iso(vacancy.updatedAt),
  };
}

export const vacancySummary = (vacancy: VacancyDocument, today: IsoDate) => ({
  id: vacancy._id,
  kind: vacancy.kind,
  title: vacancy.title,
  employer: vacancy.employer,
  communityCode: vacancy.communityCode,
  occupation: vacancy.occupation.label,
  wage: { min: vacancy.wageMin, max: vacancy.wageMax },
  places: vacancy.places,
  placed: vacancy.placed,
  closesOn: vacancy.closesOn,
  state: effectiveState(vacancy, today),
  publicWelfareCategory: vacancy.publicWelfare?.category ?? null,
});

/** What a match list shows of a person: no birth date, no identity number (jobs never has one). */
export const candidateSummary = (candidate: CandidateDocument, facts: CandidateFacts) => ({
  residentId: candidate._id,
  fullName: candidate.fullName,
  communityCode: candidate.communityCode,
  sex: candidate.sex,
  age: facts.age,
  education: candidate.education,
  employmentStatus: candidate.employmentStatus,
  hardshipCategories: [...facts.groups].sort(),
  zeroEmploymentHousehold: facts.zeroEmploymentHousehold,
});

export function toCandidateView(
  vocabulary: SkillVocabulary,
  candidate: CandidateDocument,
  facts: CandidateFacts,
  concepts: ReadonlySet<string>,
) {
  return {
    ...candidateSummary(candidate, facts),
    workCapacity: candidate.workCapacity,
    householdId: candidate.householdId,
    skills: candidate.skills,
    occupation: candidate.occupation,
    recognisedSkills: [...concepts]
      .filter((c) => !c.startsWith('text:'))
      .map((c) => {
        const concept = vocabulary.concept(c)!;
        return { concept: c, name: `${concept.en} (${concept.zh})` };
      }),
    preferences: candidate.preferences
      ? {
          occupations: candidate.preferences.occupations.map((o) => skillView(vocabulary, o)),
          maxDistance: candidate.preferences.maxDistance,
          minMonthlyWage: candidate.preferences.minMonthlyWage,
          updatedAt: iso(candidate.preferences.updatedAt),
        }
      : null,
    activePlacementId: candidate.activePlacementId,
    statusSince: iso(candidate.statusSince),
    versions: {
      profile: candidate.profileVersion,
      status: candidate.statusVersion,
      preferences: candidate.preferencesVersion,
    },
    syncedAt: iso(candidate.syncedAt),
  };
}

export function toReferralView(referral: ReferralDocument) {
  return {
    id: referral._id,
    vacancyId: referral.vacancyId,
    residentId: referral.residentId,
    communityCode: referral.communityCode,
    vacancyCommunityCode: referral.vacancyCommunityCode,
    vacancyTitle: referral.vacancyTitle,
    vacancyKind: referral.vacancyKind,
    employer: referral.employer,
    state: referral.state,
    history: referral.history.map((h) => ({ ...h, at: iso(h.at) })),
    match: referral.match,
    note: referral.note,
    placementId: referral.placementId,
    version: referral.version,
    createdAt: iso(referral.createdAt),
    createdBy: referral.createdBy,
    updatedAt: iso(referral.updatedAt),
  };
}

export function toPlacementView(placement: PlacementDocument) {
  return {
    id: placement._id,
    residentId: placement.residentId,
    communityCode: placement.communityCode,
    householdId: placement.householdId,
    vacancyId: placement.vacancyId,
    vacancyCommunityCode: placement.vacancyCommunityCode,
    referralId: placement.referralId,
    employer: placement.employer,
    publicWelfare: placement.publicWelfare,
    startDate: placement.startDate,
    contractType: placement.contractType,
    contractEndDate: placement.contractEndDate,
    monthlyWage: placement.monthlyWage,
    status: placement.status,
    nextFollowUp: placement.nextFollowUp,
    followUps: placement.followUps.map((f) => ({ ...f, recordedAt: iso(f.recordedAt) })),
    stabilizedOn: placement.stabilizedOn,
    ended: placement.ended ? { ...placement.ended, recordedAt: iso(placement.ended.recordedAt) } : null,
    version: placement.version,
    createdAt: iso(placement.createdAt),
    createdBy: placement.createdBy,
    updatedAt: iso(placement.updatedAt),
  };
}

export function toAuditView(entry: AuditEntry) {
  return { id: entry._id, ...entry, _id: undefined, at: iso(entry.at) };
}
