import type { Connection } from 'mongoose';
import { Schema } from 'mongoose';
import type { Education, EmploymentStatus, HardshipCategory, WorkCapacity } from '../domain/vocabulary.ts';

export interface StatusPeriod {
  status: EmploymentStatus;
  since: Date;
  recordedBy: string;
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
  statusHistory: StatusPeriod[];
  education: Education | null;
  workCapacity: WorkCapacity;
  hardshipCategories: HardshipCategory[];
  skills: string[];
  occupation: string | null;
  householdId: string | null;
  version: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
}

/** Who did what to which record, when, with the state before and after (never an ID number). */
export interface AuditEntry {
  _id: string;
  at: Date;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  communityCode: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
}

/** Registration counters per community, kept from the registry's own events. */
export interface CommunityStatsDocument {
  _id: string;
  registered: number;
  byStatus: Partial<Record<EmploymentStatus, number>>;
  updatedAt: Date;
}

export const COLLECTIONS = {
  residents: 'residents',
  audit: 'audit_log',
  communityStats: 'community_stats',
} as const;

export function registerModels(connection: Connection): void {
  const residents = new Schema<ResidentDocument>(
    { _id: String, idHash: String, communityCode: String },
    { collection: COLLECTIONS.residents, strict: false, versionKey: false },
  );
  // One person, one record, however the number was written: the unique keyed hash refuses a second.
  residents.index({ idHash: 1 }, { unique: true, name: 'idHash_unique' });
  residents.index({ communityCode: 1, _id: 1 }, { name: 'community_id' });
  residents.index({ householdId: 1 }, { name: 'household' });
  connection.model('Resident', residents);

  const audit = new Schema<AuditEntry>(
    { _id: String, subjectId: String, actor: String, at: Date },
    { collection: COLLECTIONS.audit, strict: false, versionKey: false },
  );
  audit.index({ subjectId: 1, at: 1 }, { name: 'subject_at' });
  audit.index({ actor: 1, at: 1 }, { name: 'actor_at' });
  connection.model('AuditEntry', audit);

  const stats = new Schema<CommunityStatsDocument>(
    { _id: String },
    { collection: COLLECTIONS.communityStats, strict: false, versionKey: false },
  );
  connection.model('CommunityStats', stats);
}
