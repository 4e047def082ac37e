import { changeSlotOf } from '@employment/store';
import type { Connection } from 'mongoose';
import { Schema } from 'mongoose';
import type { IsoDate } from '../domain/dates.ts';
import type { SkillRef } from '../domain/skills.ts';
import type {
  ContractType,
  DistanceLevel,
  Education,
  EmploymentStatus,
  FollowUpCheckpoint,
  FollowUpMethod,
  HardshipCategory,
  PlacementEndReason,
  PlacementStatus,
  PublicWelfareCategory,
  PublicWelfareGroup,
  VacancyKind,
  VacancyState,
  WorkCapacity,
} from '../domain/vocabulary.ts';

export const COLLECTIONS = {
  employers: 'employers',
  vacancies: 'vacancies',
  candidates: 'candidates',
  households: 'households',
  referrals: 'referrals',
  placements: 'placements',
  audit: 'audit_log',
} as const;

export interface EmployerContact {
  id: string;
  name: string;
  role: string | null;
  phone: string | null;
  email: string | null;
}

/** A steady hiring relationship between an employer and a community (稳定的用工联系). */
export interface HiringLink {
  communityCode: string;
  since: IsoDate;
  note: string | null;
  recordedBy: string;
  recordedAt: Date;
}

export interface EmployerDocument {
  _id: string;
  /** Unified social credit code (统一社会信用代码), normalized; unique. */
  creditCode: string;
  name: string;
  /** The community that registered the employer; the employer's own address may lie elsewhere. */
  communityCode: string;
  address: string | null;
  industry: string | null;
  contacts: EmployerContact[];
  hiringLinks: HiringLink[];
  version: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
}

export interface PublicWelfareTerms {
  category: PublicWelfareCategory;
  eligibleGroups: PublicWelfareGroup[];
  /** The post's term: how long one person may hold it. */
  termMonths: number;
  funding: { source: string; from: IsoDate; until: IsoDate };
}

/** The employer as a vacancy, referral or placement names it (a snapshot taken when posted). */
export interface EmployerRef {
  id: string;
  name: string;
  creditCode: string;
}

export interface VacancyDocument {
  _id: string;
  kind: VacancyKind;
  employer: EmployerRef;
  /** The workplace's community. */
  communityCode: string;
  title: string;
  description: string | null;
  occupation: SkillRef;
  requiredSkills: SkillRef[];
  optionalSkills: SkillRef[];
  minimumEducation: Education | null;
  ageMin: number | null;
  ageMax: number | null;
  /** Whether people able to work only partly (部分劳动能力) may apply. */
  acceptsPartialCapacity: boolean;
  /** Monthly wage range, yuan. */
  wageMin: number;
  wageMax: number;
  places: number;
  placed: number;
  placementIds: string[];
  opensOn: IsoDate;
  closesOn: IsoDate;
  state: VacancyState;
  closedReason: string | null;
  publicWelfare: PublicWelfareTerms | null;
  version: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
}

export interface CandidatePreferences {
  occupations: SkillRef[];
  maxDistance: DistanceLevel | null;
  minMonthlyWage: number | null;
  updatedAt: Date;
  updatedBy: string;
}

/**
 * A person as jobs knows them: a read model built from residents' events (never from the
 * residents database), plus what jobs itself records (preferences, the placement held).
 */
export interface CandidateDocument {
  _id: string;
  communityCode: string;
  fullName: string;
  sex: 'male' | 'female' | null;
  birthDate: IsoDate | null;
  education: Education | null;
  workCapacity: WorkCapacity | null;
  hardshipCategories: HardshipCategory[];
  skills: string[];
  occupation: string | null;
  householdId: string | null;
  employmentStatus: EmploymentStatus | null;
  statusSince: Date | null;
  /** Residents' aggregate version of the profile and of the status held here; older events are ignored. */
  profileVersion: number;
  statusVersion: number;
  preferences: CandidatePreferences | null;
  preferencesVersion: number;
  activePlacementId: string | null;
  registeredAt: Date | null;
  /** When this record last changed, for other replicas' pools to pick it up. */
  syncedAt: Date;
  /** The one-second slot of `syncedAt` (see syncStamp). */
  syncSlot?: number;
}

/** A household's zero-employment status (零就业家庭), from residents' HouseholdStatusChanged. */
export interface HouseholdDocument {
  _id: string;
  communityCode: string;
  zeroEmployment: boolean;
  doubleUnemployed: boolean;
  memberResidentIds: string[];
  since: Date | null;
  version: number;
  syncedAt: Date;
  syncSlot?: number;
}

/** The fields that mark a record changed now, for other replicas' pools (see changeSlotOf). */
export function syncStamp(at: Date): { syncedAt: Date; syncSlot: number } {
  return { syncedAt: at, syncSlot: changeSlotOf(at) };
}

export const REFERRAL_STATES = ['proposed', 'sent', 'interviewed', 'hired', 'rejected', 'no-show'] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];

export interface ReferralStep {
  id: string;
  from: ReferralState | null;
  to: ReferralState;
  at: Date;
  by: string;
  note: string | null;
}

export interface ReferralDocument {
  _id: string;
  vacancyId: string;
  residentId: string;
  /** The person's community: the area the referral is scoped by. */
  communityCode: string;
  vacancyCommunityCode: string;
  vacancyTitle: string;
  vacancyKind: VacancyKind;
  employer: EmployerRef;
  state: ReferralState;
  history: ReferralStep[];
  /** The match when referred: score and whether the two priorities applied. */
  match: { score: number; priority: boolean; priorityGroups: string[] };
  note: string | null;
  placementId: string | null;
  version: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
}

export interface FollowUp {
  id: string;
  checkpoint: FollowUpCheckpoint;
  dueOn: IsoDate;
  contactedOn: IsoDate;
  method: FollowUpMethod;
  stillEmployed: boolean;
  note: string | null;
  recordedBy: string;
  recordedAt: Date;
}

export interface PlacementEnd {
  endedOn: IsoDate;
  reason: PlacementEndReason;
  detail: string | null;
  withinSixMonths: boolean;
  recordedBy: string;
  recordedAt: Date;
}

export interface PlacementDocument {
  _id: string;
  residentId: string;
  /** The person's community. */
  communityCode: string;
  householdId: string | null;
  vacancyId: string;
  vacancyCommunityCode: string;
  referralId: string | null;
  employer: EmployerRef;
  publicWelfare: boolean;
  startDate: IsoDate;
  contractType: ContractType;
  contractEndDate: IsoDate | null;
  monthlyWage: number;
  status: PlacementStatus;
  /** The follow-up due next (3 months, then 6 months after the start); null once stable or ended. */
  nextFollowUp: { checkpoint: FollowUpCheckpoint; dueOn: IsoDate } | null;
  followUps: FollowUp[];
  /** The six-month follow-up day that confirmed stable employment (稳定就业). */
  stabilizedOn: IsoDate | null;
  ended: PlacementEnd | null;
  version: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
}

export type { AuditEntry } from '@employment/messaging';

export function registerModels(connection: Connection): void {
  const model = (name: string, collection: string, indexes: Array<[Record<string, 1>, object]>) => {
    const schema = new Schema({ _id: String }, { collection, strict: false, versionKey: false });
    for (const [fields, options] of indexes) schema.index(fields, options);
    connection.model(name, schema);
  };
  // One employer per credit code: the unique index refuses a second registration.
  model('Employer', COLLECTIONS.employers, [
    [{ creditCode: 1 }, { unique: true, name: 'creditCode_unique' }],
    [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
  ]);
  model('Vacancy', COLLECTIONS.vacancies, [
    [{ state: 1, _id: 1 }, { name: 'state_id' }],
    [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
    [{ 'employer.id': 1, _id: 1 }, { name: 'employer_id' }],
  ]);
  model('Candidate', COLLECTIONS.candidates, [
    [{ syncSlot: 1 }, { name: 'syncSlot' }],
    [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
  ]);
  model('Household', COLLECTIONS.households, [[{ syncSlot: 1 }, { name: 'syncSlot' }]]);
  // One referral of a person to a vacancy.
  model('Referral', COLLECTIONS.referrals, [
    [
      { vacancyId: 1, residentId: 1 },
      { unique: true, name: 'vacancy_resident_unique' },
    ],
    [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
    [{ residentId: 1 }, { name: 'resident' }],
  ]);
  model('Placement', COLLECTIONS.placements, [
    [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
    [{ residentId: 1 }, { name: 'resident' }],
    [{ status: 1, 'nextFollowUp.dueOn': 1 }, { name: 'status_followUpDue' }],
  ]);
  model('AuditEntry', COLLECTIONS.audit, [
    [{ subjectId: 1, at: 1 }, { name: 'subject_at' }],
    [{ actor: 1, at: 1 }, { name: 'actor_at' }],
  ]);
}
