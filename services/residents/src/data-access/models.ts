import type { AuditEntry } from '@employment/messaging';
import type { Connection } from 'mongoose';
import { Schema } from 'mongoose';
import type {
  AreaLevel,
  AssignmentTargetType,
  CertificateState,
  Education,
  EmploymentStatus,
  HardshipCategory,
  HelperRole,
  HouseholdRelation,
  ServiceKind,
  ServiceOutcome,
  SurveyOutcome,
  WarningKind,
  WarningLevel,
  WarningState,
  WorkCapacity,
} from '../domain/vocabulary.ts';

export interface StatusPeriod {
  status: EmploymentStatus;
  since: Date;
  recordedBy: string;
  recordedAt?: Date;
  reason?: string | null;
  placementId?: string | null;
  /** The stamp of the keyed request that recorded it (see domain/changes.ts `Actor`). */
  requestStamp?: string | null;
}

/** A person in the registry. The ID number is stored only encrypted, found by its keyed hash. */
export interface ResidentDocument {
  _id: string;
  idHash: string;
  idCipher: string;
  idMasked: string;
  fullName: string;
  sex: 'male' | 'female';
  birthDate: string;
  communityCode: string;
  phone: string | null;
  address: string | null;
  employmentStatus: EmploymentStatus;
  /** When the current status began (absent on records made before it was kept: see statusHistory). */
  statusSince?: Date;
  /** The jobs placement behind an `employed` status, if it came from one. */
  placementId?: string | null;
  statusHistory: StatusPeriod[];
  education: Education | null;
  workCapacity: WorkCapacity;
  hardshipCategories: HardshipCategory[];
  skills: string[];
  occupation: string | null;
  householdId: string | null;
  householdRelation?: HouseholdRelation | null;
  version: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy?: string;
  /** The stamp of the keyed request that registered the person (see domain/changes.ts `Actor`). */
  requestStamp?: string | null;
}

export type { AuditEntry };

/** Counters per community, kept from the registry's own events. */
export interface CommunityStatsDocument {
  /** `<community>/<partition>`: one document per community and partition of the topic. */
  _id: string;
  communityCode?: string;
  registered: number;
  byStatus: Partial<Record<EmploymentStatus, number>>;
  households?: number;
  zeroEmploymentHouseholds?: number;
  doubleUnemployedHouseholds?: number;
  surveys?: number;
  /** Households with a completed survey, per year. */
  surveyedHouseholds?: Record<string, number>;
  certificatesIssued?: number;
  certificatesActive?: number;
  deliveries?: Partial<Record<ServiceKind, number>>;
  openWarnings?: number;
  updatedAt: Date;
  /** Per `<topic>:<partition>` of the events counted here, the last offset counted. */
  applied?: Record<string, number>;
}

/** A node of the administrative tree: city, district, street, community or building (楼院). */
export interface AreaDocument {
  _id: string;
  level: AreaLevel;
  name: string;
  parentCode: string | null;
  version: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  /** The wall-clock change slot of the last write, for other replicas' polls (changeSlotOf). */
  updatedSlot?: number;
  /** The stamp of the keyed request that defined the node (see domain/changes.ts `Actor`). */
  requestStamp?: string | null;
  /** The stamp of the keyed request that last renamed it. */
  renameStamp?: string | null;
}

/** What a household keeps of each member: enough to derive its status without reading them. */
export interface HouseholdMemberFacts {
  residentId: string;
  fullName: string;
  relation: HouseholdRelation;
  sex: 'male' | 'female';
  birthDate: string;
  employmentStatus: EmploymentStatus;
  workCapacity: WorkCapacity;
  /** The person's version these facts come from: older facts never replace newer ones. */
  version: number;
}

export interface HouseholdStatus {
  zeroEmployment: boolean;
  doubleUnemployed: boolean;
  /** When this status began. */
  since: Date;
  /** For a zero-employment household: by when someone should be placed. */
  placementDueAt: Date | null;
}

export interface HouseholdStatusPeriod extends HouseholdStatus {
  version: number;
  reason: string;
}

/** A household (家庭/户): its members' facts and its derived status, with the status history. */
export interface HouseholdDocument {
  _id: string;
  communityCode: string;
  buildingCode: string | null;
  address: string | null;
  members: HouseholdMemberFacts[];
  /** The last version seen of people who left, so a late, older fact cannot bring them back. */
  departed: Array<{ residentId: string; version: number }>;
  status: HouseholdStatus;
  statusHistory: HouseholdStatusPeriod[];
  /** Years (China time) with a completed survey. */
  surveyedYears: number[];
  lastSurveyedAt: Date | null;
  version: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  /** The stamp of the keyed request that created the household (see domain/changes.ts `Actor`). */
  requestStamp?: string | null;
}

/** A door-to-door visit (入户调查) and what it found. */
export interface SurveyDocument {
  _id: string;
  householdId: string;
  communityCode: string;
  visitedAt: Date;
  year: number;
  visitedBy: { name: string; staffId: string | null };
  outcome: SurveyOutcome;
  findings: {
    summary: string | null;
    needs: string[];
    membersPresent: number | null;
    notes: string | null;
  };
  recordedBy: string;
  createdAt: Date;
}

/** Marks a household surveyed in a year, so coverage counts each household once (unique _id). */
export interface SurveyCoverageMark {
  _id: string;
  communityCode: string;
  at: Date;
}

/** A household's dynamic tracking card (动态跟踪服务卡); one per household. */
export interface TrackingCardDocument {
  _id: string;
  householdId: string;
  communityCode: string;
  openedAt: Date;
  openedBy: string;
  counts: Record<ServiceKind, number>;
  lastDeliveredAt: Date | null;
  version: number;
  updatedAt: Date;
}

/** One help delivered to the door: policy, job, skill or service. */
export interface ServiceDeliveryDocument {
  _id: string;
  cardId: string;
  householdId: string;
  residentId: string | null;
  communityCode: string;
  kind: ServiceKind;
  deliveredAt: Date;
  deliveredBy: { name: string; staffId: string | null };
  description: string;
  outcome: ServiceOutcome;
  outcomeNote: string | null;
  recordedBy: string;
  createdAt: Date;
}

/** Who currently holds a responsibility for a target; its version guards a change of holder. */
export interface AssignmentSlotDocument {
  _id: string;
  role: HelperRole;
  targetType: AssignmentTargetType;
  targetId: string;
  communityCode: string;
  currentAssignmentId: string | null;
  version: number;
  updatedAt: Date;
}

/** One person's term in a "four contacts, one helper" responsibility (四包一帮). */
export interface AssignmentDocument {
  _id: string;
  role: HelperRole;
  targetType: AssignmentTargetType;
  targetId: string;
  /** The community of the target (for a street: the street's code), for area scope. */
  communityCode: string;
  helper: { name: string; staffId: string | null; phone: string | null };
  since: Date;
  until: Date | null;
  previousAssignmentId: string | null;
  assignedBy: string;
  endedBy: string | null;
  endReason: string | null;
  createdAt: Date;
}

export interface CertificateCheck {
  year: number;
  passed: boolean;
  note: string | null;
  checkedBy: string;
  checkedAt: Date;
}

/** A Reemployment Preferential Certificate (再就业优惠证), from application to revocation. */
export interface CertificateDocument {
  _id: string;
  residentId: string;
  communityCode: string;
  /** The resident id while the certificate is live (applied, approved, issued), unique: one per person. */
  holderKey: string;
  /** The certificate number once issued (unique); `pending:<id>` before. */
  number: string;
  state: CertificateState;
  basis: HardshipCategory[];
  employmentStatusAtApplication: EmploymentStatus;
  applicationNote: string | null;
  appliedAt: Date;
  appliedBy: string;
  review: { approved: boolean; note: string | null; reviewedBy: string; reviewedAt: Date } | null;
  issuedOn: string | null;
  issuedBy: string | null;
  nextCheckDue: string | null;
  checks: CertificateCheck[];
  revokedAt: Date | null;
  revokedBy: string | null;
  revocationReason: string | null;
  /** The open overdue-check warning, so the timer raises one per due date. */
  overdueWarningId: string | null;
  history: Array<{ state: CertificateState; at: Date; by: string }>;
  version: number;
  updatedAt: Date;
  /** The stamp of the keyed request that applied for it (see domain/changes.ts `Actor`). */
  requestStamp?: string | null;
}

/** An early warning (预警预报), raised once per kind, subject and episode (its unique key). */
export interface WarningDocument {
  _id: string;
  /** kind, subject and episode (e.g. when the household's status began): unique, so one replica raises it. */
  key: string;
  kind: WarningKind;
  subjectType: 'household' | 'resident' | 'certificate';
  subjectId: string;
  communityCode: string;
  level: WarningLevel;
  levelCode: string;
  state: WarningState;
  detail: string;
  raisedAt: Date;
  escalateAt: Date | null;
  /** For a zero-employment household: the placement deadline, and the follow-up warning once raised. */
  placementDueAt: Date | null;
  followUpWarningId: string | null;
  escalations: Array<{ from: WarningLevel; to: WarningLevel; at: Date }>;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  acknowledgementNote: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolution: string | null;
  version: number;
  updatedAt: Date;
}

/** A natural key taken by a record (see domain/changes.ts `claim`); unique. */
export interface ClaimDocument {
  _id: string;
  key: string;
  at: Date;
}

/**
 * A jobs placement the registry learnt of (PlacementMade): whose it is and in which community, so
 * a status change citing it is checked against the caller's area. Insert-only, keyed by its id.
 */
export interface KnownPlacementDocument {
  _id: string;
  residentId: string;
  communityCode: string;
  at: Date;
}

/** Sequence counters (certificate numbers per district and year). */
export interface CounterDocument {
  _id: string;
  seq: number;
}

export const COLLECTIONS = {
  residents: 'residents',
  audit: 'audit_log',
  communityStats: 'community_stats',
  areas: 'areas',
  households: 'households',
  surveys: 'surveys',
  surveyCoverage: 'survey_coverage',
  trackingCards: 'tracking_cards',
  deliveries: 'service_deliveries',
  assignmentSlots: 'assignment_slots',
  assignments: 'assignments',
  certificates: 'certificates',
  warnings: 'warnings',
  counters: 'counters',
  claims: 'claims',
  numbers: 'reserved_numbers',
  placements: 'placements',
} as const;

function model<T>(
  connection: Connection,
  name: string,
  collection: string,
  indexes: Array<[Record<string, 1 | -1>, { name: string; unique?: boolean }]>,
): void {
  const schema = new Schema<T>({ _id: String } as never, { collection, strict: false, versionKey: false });
  for (const [fields, options] of indexes) schema.index(fields, options);
  connection.model(name, schema);
}

export function registerModels(connection: Connection): void {
  // One person, one record, however the number was written: the unique keyed hash refuses a second.
  model<ResidentDocument>(connection, 'Resident', COLLECTIONS.residents, [
    [{ idHash: 1 }, { name: 'idHash_unique', unique: true }],
    [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
    [{ householdId: 1 }, { name: 'household' }],
  ]);
  model<AuditEntry>(connection, 'AuditEntry', COLLECTIONS.audit, [
    [{ subjectId: 1, at: 1 }, { name: 'subject_at' }],
    [{ actor: 1, at: 1 }, { name: 'actor_at' }],
  ]);
  model<CommunityStatsDocument>(connection, 'CommunityStats', COLLECTIONS.communityStats, []);
  model<AreaDocument>(connection, 'Area', COLLECTIONS.areas, [
    [{ parentCode: 1, _id: 1 }, { name: 'parent_code' }],
    [{ updatedSlot: 1 }, { name: 'updatedSlot' }],
  ]);
  model<HouseholdDocument>(connection, 'Household', COLLECTIONS.households, [
    [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
    [{ 'status.zeroEmployment': 1, communityCode: 1 }, { name: 'zero_employment' }],
  ]);
  model<SurveyDocument>(connection, 'Survey', COLLECTIONS.surveys, [
    [{ householdId: 1, visitedAt: 1 }, { name: 'household_visited' }],
    [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
  ]);
  model<SurveyCoverageMark>(connection, 'SurveyCoverage', COLLECTIONS.surveyCoverage, []);
  // One card per household: the unique index refuses a second.
  model<TrackingCardDocument>(connection, 'TrackingCard', COLLECTIONS.trackingCards, [
    [{ householdId: 1 }, { name: 'household_unique', unique: true }],
    [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
  ]);
  model<ServiceDeliveryDocument>(connection, 'ServiceDelivery', COLLECTIONS.deliveries, [
    [{ cardId: 1, _id: 1 }, { name: 'card_id' }],
    [{ communityCode: 1, deliveredAt: 1 }, { name: 'community_delivered' }],
  ]);
  model<AssignmentSlotDocument>(connection, 'AssignmentSlot', COLLECTIONS.assignmentSlots, []);
  model<AssignmentDocument>(connection, 'Assignment', COLLECTIONS.assignments, [
    [{ targetId: 1, role: 1, since: 1 }, { name: 'target_role_since' }],
    [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
  ]);
  // One live certificate per person, and numbers unique: both by unique indexes on insert/update.
  model<CertificateDocument>(connection, 'Certificate', COLLECTIONS.certificates, [
    [{ holderKey: 1 }, { name: 'holder_unique', unique: true }],
    [{ number: 1 }, { name: 'number_unique', unique: true }],
    [{ residentId: 1 }, { name: 'resident' }],
    [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
    [{ state: 1, nextCheckDue: 1 }, { name: 'state_check_due' }],
  ]);
  model<WarningDocument>(connection, 'Warning', COLLECTIONS.warnings, [
    [{ key: 1 }, { name: 'key_unique', unique: true }],
    [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
    [{ state: 1, escalateAt: 1 }, { name: 'state_escalate' }],
    [{ subjectId: 1 }, { name: 'subject' }],
  ]);
  model<CounterDocument>(connection, 'Counter', COLLECTIONS.counters, []);
  model<{ _id: string }>(connection, 'ReservedNumber', COLLECTIONS.numbers, []);
  model<KnownPlacementDocument>(connection, 'KnownPlacement', COLLECTIONS.placements, []);
  model<ClaimDocument>(connection, 'Claim', COLLECTIONS.claims, [
    [{ key: 1 }, { name: 'key_unique', unique: true }],
  ]);
}
