import { isDuplicateKeyError } from '@employment/core';
import { changeSlotsSince, GroupedInsert, insertManyRefusingDuplicates } from '@employment/store';
import type { Connection, Model } from 'mongoose';
import type {
  AuditEntry,
  CandidateDocument,
  EmployerDocument,
  HouseholdDocument,
  PlacementDocument,
  ReferralDocument,
  VacancyDocument,
} from './models.ts';

type Filter = Record<string, unknown>;

/**
 * Reads of the jobs service's own store, as plain objects. Writes of the service's aggregates go
 * through the outbox as mutations (see domain/); the candidate read model is written here by the
 * consumer of residents' events.
 */
export class JobsRepository {
  private readonly employers: Model<EmployerDocument>;
  private readonly vacancies: Model<VacancyDocument>;
  private readonly candidates: Model<CandidateDocument>;
  private readonly households: Model<HouseholdDocument>;
  private readonly referrals: Model<ReferralDocument>;
  private readonly placements: Model<PlacementDocument>;
  private readonly audit: Model<AuditEntry>;
  /** Reads are audited as they happen; concurrent reads share one insert. */
  private readonly accessLog: GroupedInsert<AuditEntry>;

  constructor(connection: Connection) {
    this.employers = connection.model<EmployerDocument>('Employer');
    this.vacancies = connection.model<VacancyDocument>('Vacancy');
    this.candidates = connection.model<CandidateDocument>('Candidate');
    this.households = connection.model<HouseholdDocument>('Household');
    this.referrals = connection.model<ReferralDocument>('Referral');
    this.placements = connection.model<PlacementDocument>('Placement');
    this.audit = connection.model<AuditEntry>('AuditEntry');
    this.accessLog = new GroupedInsert((entries) =>
      this.audit.insertMany(entries, { ordered: false, lean: true }),
    );
  }

  // Employers

  findEmployer(id: string): Promise<EmployerDocument | null> {
    return this.employers.findById(id).lean<EmployerDocument>().exec();
  }

  findEmployerIdByCreditCode(creditCode: string): Promise<{ _id: string } | null> {
    return this.employers.findOne({ creditCode }, { _id: 1 }).lean<{ _id: string }>().exec();
  }

  listEmployers(filter: Filter, after: string | undefined, limit: number): Promise<EmployerDocument[]> {
    return this.page(this.employers, filter, after, limit);
  }

  // Vacancies

  findVacancy(id: string): Promise<VacancyDocument | null> {
    return this.vacancies.findById(id).lean<VacancyDocument>().exec();
  }

  listVacancies(filter: Filter, after: string | undefined, limit: number): Promise<VacancyDocument[]> {
    return this.page(this.vacancies, filter, after, limit);
  }

  /** Vacancies taking applications on `today`: open, opened, not past their closing date. */
  openVacancies(today: string): Promise<VacancyDocument[]> {
    return this.vacancies
      .find({ state: 'open', opensOn: { $lte: today }, closesOn: { $gte: today } })
      .lean<VacancyDocument[]>()
      .exec();
  }

  // Candidates (the read model)

  findCandidate(id: string): Promise<CandidateDocument | null> {
    return this.candidates.findById(id).lean<CandidateDocument>().exec();
  }

  listCandidates(filter: Filter, after: string | undefined, limit: number): Promise<CandidateDocument[]> {
    return this.page(this.candidates, filter, after, limit);
  }

  allCandidates(): AsyncIterable<CandidateDocument> {
    return this.candidates.find({}).lean<CandidateDocument>().batchSize(2_000).cursor();
  }

  candidatesChangedSince(since: Date): Promise<CandidateDocument[]> {
    return this.changedSince(this.candidates, since);
  }

  allHouseholds(): Promise<HouseholdDocument[]> {
    return this.households.find({}).lean<HouseholdDocument[]>().exec();
  }

  householdsChangedSince(since: Date): Promise<HouseholdDocument[]> {
    return this.changedSince(this.households, since);
  }

  /**
   * Records stamped at or after `since`: one equality lookup per change slot since then (a poll
   * that far behind reads by `syncedAt` instead).
   */
  private async changedSince<T extends { syncedAt: Date }>(model: Model<T>, since: Date): Promise<T[]> {
    const slots = changeSlotsSince(since);
    if (!slots) {
      return model
        .find({ syncedAt: { $gte: since } } as never)
        .lean<T[]>()
        .exec();
    }
    const found = await Promise.all(
      slots.map((syncSlot) =>
        model
          .find({ syncSlot } as never)
          .lean<T[]>()
          .exec(),
      ),
    );
    return found.flat().filter((doc) => new Date(doc.syncedAt).getTime() >= since.getTime());
  }

  /**
   * Creates candidate records at once (registrations: one insert for many). The positions refused
   * because the record exists already are returned, for the versioned path.
   */
  insertCandidates(docs: CandidateDocument[]): Promise<number[]> {
    return insertManyRefusingDuplicates(this.candidates.collection, docs);
  }

  /**
   * Applies a newer version of part of a candidate (or household) record: the filter keeps only
   * records holding an older version, and an upsert creates the record if none exists. When the
   * record holds this version or a newer one, the upsert collides with the existing `_id` and the
   * event is stale: null is returned and nothing changes.
   */
  async applyVersioned<T extends CandidateDocument | HouseholdDocument>(
    collection: 'candidates' | 'households',
    id: string,
    versionField: string,
    version: number,
    update: { $set: Record<string, unknown>; $setOnInsert?: Record<string, unknown> },
  ): Promise<T | null> {
    const model = (collection === 'candidates' ? this.candidates : this.households) as unknown as Model<T>;
    // First try to create the record: the common case (a registration) then costs an insert,
    // which both stores do at index speed, instead of an update that FerretDB finds by scanning.
    const created = { _id: id, ...update.$setOnInsert, ...update.$set };
    try {
      await model.collection.insertOne(created as never);
      return created as unknown as T;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    try {
      return await model
        .findOneAndUpdate({ _id: id, [versionField]: { $lt: version } } as never, update as never, {
          upsert: true,
          returnDocument: 'after',
        })
        .lean<T>()
        .exec();
    } catch (err) {
      if (isDuplicateKeyError(err)) return null;
      throw err;
    }
  }

  // Referrals

  findReferral(id: string): Promise<ReferralDocument | null> {
    return this.referrals.findById(id).lean<ReferralDocument>().exec();
  }

  findReferralFor(vacancyId: string, residentId: string): Promise<ReferralDocument | null> {
    return this.referrals.findOne({ vacancyId, residentId }).lean<ReferralDocument>().exec();
  }

  referralStatesForVacancy(
    vacancyId: string,
  ): Promise<Array<Pick<ReferralDocument, '_id' | 'residentId' | 'state'>>> {
    return this.referrals
      .find({ vacancyId }, { _id: 1, residentId: 1, state: 1 })
      .lean<Array<Pick<ReferralDocument, '_id' | 'residentId' | 'state'>>>()
      .exec();
  }

  listReferrals(filter: Filter, after: string | undefined, limit: number): Promise<ReferralDocument[]> {
    return this.page(this.referrals, filter, after, limit);
  }

  // Placements

  findPlacement(id: string): Promise<PlacementDocument | null> {
    return this.placements.findById(id).lean<PlacementDocument>().exec();
  }

  activePlacementOf(residentId: string): Promise<PlacementDocument | null> {
    return this.placements
      .findOne({ residentId, status: { $in: ['active', 'stable'] } })
      .lean<PlacementDocument>()
      .exec();
  }

  listPlacements(filter: Filter, after: string | undefined, limit: number): Promise<PlacementDocument[]> {
    return this.page(this.placements, filter, after, limit);
  }

  // Audit

  recordAccess(entries: AuditEntry[]): Promise<void> {
    return this.accessLog.insert(entries);
  }

  auditTrail(filter: Filter, after: string | undefined, limit: number): Promise<AuditEntry[]> {
    return this.page(this.audit, filter, after, limit);
  }

  /** One page in `_id` order (UUIDv7: creation order), after the cursor's id. */
  private page<T>(model: Model<T>, filter: Filter, after: string | undefined, limit: number): Promise<T[]> {
    const query = after ? { $and: [filter, { _id: { $gt: after } }] } : filter;
    return model
      .find(query as never)
      .sort({ _id: 1 })
      .limit(limit)
      .lean<T[]>()
      .exec() as Promise<T[]>;
  }
}
