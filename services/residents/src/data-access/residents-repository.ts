import type { Connection, Model } from 'mongoose';
import type { AuditEntry, CommunityStatsDocument, ResidentDocument } from './models.ts';

/** Reads of the registry. Writes go through the outbox as mutations (see domain/registry.ts). */
export class ResidentsRepository {
  private readonly residents: Model<ResidentDocument>;
  private readonly audit: Model<AuditEntry>;
  private readonly stats: Model<CommunityStatsDocument>;

  constructor(connection: Connection) {
    this.residents = connection.model<ResidentDocument>('Resident');
    this.audit = connection.model<AuditEntry>('AuditEntry');
    this.stats = connection.model<CommunityStatsDocument>('CommunityStats');
  }

  async findById(id: string): Promise<ResidentDocument | null> {
    return this.residents.findById(id).lean<ResidentDocument>().exec();
  }

  async findIdByIdHash(idHash: string): Promise<{ _id: string; communityCode: string } | null> {
    return this.residents
      .findOne({ idHash }, { _id: 1, communityCode: 1 })
      .lean<{ _id: string; communityCode: string }>()
      .exec();
  }

  /** One page of a community's people in id (= registration time, UUIDv7) order. */
  async listByCommunity(options: {
    communityCode: string;
    after: string | undefined;
    limit: number;
    employmentStatus: string | undefined;
  }): Promise<ResidentDocument[]> {
    const filter: Record<string, unknown> = { communityCode: options.communityCode };
    if (options.after) filter._id = { $gt: options.after };
    if (options.employmentStatus) filter.employmentStatus = options.employmentStatus;
    return this.residents
      .find(filter)
      .sort({ _id: 1 })
      .limit(options.limit)
      .lean<ResidentDocument[]>()
      .exec();
  }

  async recordAccess(entries: AuditEntry[]): Promise<void> {
    if (entries.length > 0) await this.audit.insertMany(entries, { ordered: false, lean: true });
  }

  async auditTrail(subjectId: string): Promise<AuditEntry[]> {
    return this.audit.find({ subjectId }).sort({ at: 1 }).lean<AuditEntry[]>().exec();
  }

  async communityStats(communityCode: string): Promise<CommunityStatsDocument | null> {
    return this.stats.findById(communityCode).lean<CommunityStatsDocument>().exec();
  }
}
