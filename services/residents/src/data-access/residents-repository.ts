import { isDuplicateKeyError } from '@employment/core';
import { GroupedInsert } from '@employment/store';
import type { Collection, Connection, mongo } from 'mongoose';
import {
  type AssignmentDocument,
  type AssignmentSlotDocument,
  type AuditEntry,
  type CertificateDocument,
  COLLECTIONS,
  type CommunityStatsDocument,
  type CounterDocument,
  type HouseholdDocument,
  type KnownPlacementDocument,
  type ResidentDocument,
  type ServiceDeliveryDocument,
  type SurveyDocument,
  type TrackingCardDocument,
  type WarningDocument,
} from './models.ts';

type Doc = { _id: string };

/** Rows after a cursor, in id order (UUIDv7 ids sort by creation time). */
async function page<T extends Doc>(
  collection: Collection<T>,
  filter: Record<string, unknown>,
  after: string | undefined,
  limit: number,
): Promise<T[]> {
  const query = after ? { ...filter, _id: { $gt: after } } : filter;
  return (await collection
    .find(query as mongo.Filter<T>)
    .sort({ _id: 1 })
    .limit(limit)
    .toArray()) as T[];
}

/**
 * Reads of the registry. Writes go through the outbox as mutations (see domain/changes.ts). On the
 * local store every find is a scan: request paths read one record by key, never `$in` or counts
 * over the big collections (people, households).
 */
export class ResidentsRepository {
  readonly residents: Collection<ResidentDocument>;
  readonly households: Collection<HouseholdDocument>;
  readonly surveys: Collection<SurveyDocument>;
  readonly cards: Collection<TrackingCardDocument>;
  readonly deliveries: Collection<ServiceDeliveryDocument>;
  readonly slots: Collection<AssignmentSlotDocument>;
  readonly assignments: Collection<AssignmentDocument>;
  readonly certificates: Collection<CertificateDocument>;
  readonly warnings: Collection<WarningDocument>;
  readonly audit: Collection<AuditEntry>;
  readonly stats: Collection<CommunityStatsDocument>;
  readonly counters: Collection<CounterDocument>;
  readonly numbers: Collection<{ _id: string; owner: string; at: Date }>;
  readonly placements: Collection<KnownPlacementDocument>;
  /** Reads are audited as they happen; concurrent reads share one insert. */
  private readonly accessLog: GroupedInsert<AuditEntry>;

  constructor(connection: Connection) {
    this.residents = connection.collection<ResidentDocument>(COLLECTIONS.residents);
    this.households = connection.collection<HouseholdDocument>(COLLECTIONS.households);
    this.surveys = connection.collection<SurveyDocument>(COLLECTIONS.surveys);
    this.cards = connection.collection<TrackingCardDocument>(COLLECTIONS.trackingCards);
    this.deliveries = connection.collection<ServiceDeliveryDocument>(COLLECTIONS.deliveries);
    this.slots = connection.collection<AssignmentSlotDocument>(COLLECTIONS.assignmentSlots);
    this.assignments = connection.collection<AssignmentDocument>(COLLECTIONS.assignments);
    this.certificates = connection.collection<CertificateDocument>(COLLECTIONS.certificates);
    this.warnings = connection.collection<WarningDocument>(COLLECTIONS.warnings);
    this.audit = connection.collection<AuditEntry>(COLLECTIONS.audit);
    this.stats = connection.collection<CommunityStatsDocument>(COLLECTIONS.communityStats);
    this.counters = connection.collection<CounterDocument>(COLLECTIONS.counters);
    this.numbers = connection.collection<{ _id: string; owner: string; at: Date }>(COLLECTIONS.numbers);
    this.placements = connection.collection<KnownPlacementDocument>(COLLECTIONS.placements);
    this.accessLog = new GroupedInsert((entries) => this.audit.insertMany(entries, { ordered: false }));
  }

  private static byId<T extends Doc>(collection: Collection<T>, id: string): Promise<T | null> {
    return collection.findOne({ _id: id } as mongo.Filter<T>) as Promise<T | null>;
  }

  findById(id: string): Promise<ResidentDocument | null> {
    return ResidentsRepository.byId(this.residents, id);
  }

  /** Who holds an ID number's hash: enough to answer a refused registration without reading the person. */
  async findIdByIdHash(
    idHash: string,
  ): Promise<Pick<ResidentDocument, '_id' | 'communityCode' | 'householdId' | 'requestStamp'> | null> {
    return this.residents.findOne(
      { idHash },
      { projection: { _id: 1, communityCode: 1, householdId: 1, requestStamp: 1 } },
    ) as Promise<Pick<ResidentDocument, '_id' | 'communityCode' | 'householdId' | 'requestStamp'> | null>;
  }

  findByIdHash(idHash: string): Promise<ResidentDocument | null> {
    return this.residents.findOne({ idHash });
  }

  /** One page of a community's people in id (= registration time, UUIDv7) order. */
  listByCommunity(options: {
    communityCode: string;
    after: string | undefined;
    limit: number;
    employmentStatus: string | undefined;
  }): Promise<ResidentDocument[]> {
    const filter: Record<string, unknown> = { communityCode: options.communityCode };
    if (options.employmentStatus) filter.employmentStatus = options.employmentStatus;
    return page(this.residents, filter, options.after, options.limit);
  }

  findHousehold(id: string): Promise<HouseholdDocument | null> {
    return ResidentsRepository.byId(this.households, id);
  }

  listHouseholds(filter: Record<string, unknown>, after: string | undefined, limit: number) {
    return page(this.households, filter, after, limit);
  }

  listSurveys(householdId: string, after: string | undefined, limit: number) {
    return page(this.surveys, { householdId }, after, limit);
  }

  findCard(id: string) {
    return ResidentsRepository.byId(this.cards, id);
  }

  findCardOfHousehold(householdId: string) {
    return this.cards.findOne({ householdId });
  }

  listDeliveries(cardId: string, after: string | undefined, limit: number) {
    return page(this.deliveries, { cardId }, after, limit);
  }

  findSlot(id: string) {
    return ResidentsRepository.byId(this.slots, id);
  }

  findAssignment(id: string) {
    return ResidentsRepository.byId(this.assignments, id);
  }

  listAssignments(filter: Record<string, unknown>, after: string | undefined, limit: number) {
    return page(this.assignments, filter, after, limit);
  }

  findCertificate(id: string) {
    return ResidentsRepository.byId(this.certificates, id);
  }

  findCertificateByNumber(number: string) {
    return this.certificates.findOne({ number });
  }

  listCertificates(filter: Record<string, unknown>, after: string | undefined, limit: number) {
    return page(this.certificates, filter, after, limit);
  }

  findWarning(id: string) {
    return ResidentsRepository.byId(this.warnings, id);
  }

  listWarnings(filter: Record<string, unknown>, after: string | undefined, limit: number) {
    return page(this.warnings, filter, after, limit);
  }

  findPlacement(id: string): Promise<KnownPlacementDocument | null> {
    return ResidentsRepository.byId(this.placements, id);
  }

  /** Notes a jobs placement (insert-only: a redelivered event finds it there and changes nothing). */
  async recordPlacement(placement: KnownPlacementDocument): Promise<void> {
    try {
      await this.placements.insertOne(placement);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }

  /** The open warnings of one subject (the warnings collection holds only problems: it stays small). */
  openWarningsOf(subjectId: string): Promise<WarningDocument[]> {
    return this.warnings.find({ subjectId, state: { $ne: 'resolved' } }).toArray() as Promise<
      WarningDocument[]
    >;
  }

  recordAccess(entries: AuditEntry[]): Promise<void> {
    return this.accessLog.insert(entries);
  }

  /** A record's audit entries, with `scope` (e.g. the caller's areas) applied in the query. */
  auditTrail(
    subjectId: string,
    scope: Record<string, unknown>,
    after: string | undefined,
    limit: number,
  ): Promise<AuditEntry[]> {
    return page(this.audit, { ...scope, subjectId }, after, limit);
  }

  /** A community's counters: its partitions' documents added up; null when none counted yet. */
  async communityStats(communityCode: string): Promise<CommunityStatsDocument | null> {
    return (await this.statsUnder(communityCode))[0] ?? null;
  }

  /**
   * The counters of every community under an area, one document per community (a prefix range over
   * a small collection; a community's documents, one per partition, are added up).
   */
  async statsUnder(areaCode: string): Promise<CommunityStatsDocument[]> {
    const rows = (await this.stats
      .find({ _id: { $gte: areaCode, $lt: `${areaCode}\uffff` } })
      .toArray()) as CommunityStatsDocument[];
    const byCommunity = new Map<string, CommunityStatsDocument>();
    for (const row of rows) {
      const community = row.communityCode ?? row._id.split('/')[0]!;
      const held = byCommunity.get(community);
      byCommunity.set(community, held ? addCounters(held, row) : { ...row, _id: community });
    }
    return [...byCommunity.values()].sort((a, b) => a._id.localeCompare(b._id));
  }

  /**
   * Reserves the next free number of a sequence: `${prefix}` followed by `digits` digits. A number
   * is taken by inserting it under a unique id (the store's `findAndModify` is not atomic on
   * FerretDB, so a counter alone could hand one number to two writers); the counter only says
   * where to start looking. A reservation whose write then fails leaves a gap, never a repeat.
   */
  async reserveNumber(prefix: string, digits: number, owner: string): Promise<string> {
    const counter = await this.counters.findOne({ _id: prefix });
    let seq = (counter?.seq ?? 0) + 1;
    for (let attempt = 0; attempt < 1000; attempt++, seq++) {
      const number = `${prefix}${String(seq).padStart(digits, '0')}`;
      try {
        await this.numbers.insertOne({ _id: number, owner, at: new Date() });
      } catch (err) {
        if (isDuplicateKeyError(err)) continue;
        throw err;
      }
      await this.counters
        .updateOne({ _id: prefix, seq: { $lt: seq } }, { $set: { seq } }, { upsert: true })
        .catch((err) => {
          if (!isDuplicateKeyError(err)) throw err; // a concurrent writer moved it further: fine
        });
      return number;
    }
    throw new Error(`no free number found after ${prefix}${seq}`);
  }
}

/** Two counter documents of one community added up: numbers summed, maps by key, the later update. */
function addCounters(a: CommunityStatsDocument, b: CommunityStatsDocument): CommunityStatsDocument {
  const add = (x: unknown, y: unknown): unknown => {
    if (typeof x === 'number' || typeof y === 'number') return (Number(x) || 0) + (Number(y) || 0);
    if (x && y && typeof x === 'object' && typeof y === 'object') {
      const out: Record<string, unknown> = { ...(x as Record<string, unknown>) };
      for (const [k, v] of Object.entries(y)) out[k] = add(out[k], v);
      return out;
    }
    return x ?? y;
  };
  const { _id, updatedAt, applied: _a, communityCode, ...left } = a;
  const { _id: _b, updatedAt: bAt, applied: _c, communityCode: _d, ...right } = b;
  return {
    ...(add(left, right) as Omit<CommunityStatsDocument, '_id' | 'updatedAt'>),
    _id,
    ...(communityCode ? { communityCode } : {}),
    updatedAt: new Date(Math.max(new Date(updatedAt).getTime(), new Date(bAt).getTime())),
  };
}
