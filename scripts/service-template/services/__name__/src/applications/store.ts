import { type Actor, type Page, type Principal, areaFilter, toPage } from '@employment/core';
import { type Mutation, auditEntry, auditInsert } from '@employment/messaging';
import { type Connection, Schema } from 'mongoose';
import type { ApplicationRecord } from './rules.ts';

const COLLECTION = 'applications';

/** The aggregate's storage: its model, its queries, and its decisions turned into the kit's mutations. */
export class ApplicationStore {
  private readonly applications;

  static register(connection: Connection): void {
    const schema = new Schema({ _id: String }, { collection: COLLECTION, strict: false, versionKey: false });
    schema.index({ communityCode: 1, _id: 1 }, { name: 'community_id' });
    // One application per person: the unique index refuses a second on insert.
    schema.index({ personId: 1 }, { name: 'person_unique', unique: true });
    connection.model('Application', schema);
  }

  constructor(connection: Connection) {
    this.applications = connection.collection<ApplicationRecord>(COLLECTION);
  }

  /**
   * Filing, as mutations: the insert first (its guard: the unique index on the person), then the
   * audit entry (keyed by its id, so a replay adds nothing).
   */
  filing(application: ApplicationRecord, actor: Actor): Mutation[] {
    const entry = auditEntry(
      actor,
      'application.filed',
      { type: 'application', id: application._id, communityCode: application.communityCode },
      null,
      application,
      application.filedAt,
    );
    return [{ op: 'insert', collection: COLLECTION, document: application }, auditInsert(entry)];
  }

  /** An application, only if it lies in the caller's areas (the scope is part of the query). */
  find(principal: Principal, id: string): Promise<ApplicationRecord | null> {
    return this.applications.findOne({ _id: id, ...areaFilter(principal) });
  }

  /** The applications in the caller's areas (and in `area`, when given), a page in id order. */
  async list(
    principal: Principal,
    options: { area?: string | undefined; after?: string | undefined; limit: number },
  ): Promise<Page<ApplicationRecord>> {
    const filters: Record<string, unknown>[] = [areaFilter(principal)];
    if (options.area) filters.push({ communityCode: { $gte: options.area, $lt: `${options.area}\uffff` } });
    if (options.after) filters.push({ _id: { $gt: options.after } });
    // A city-wide caller's scope is `{}`: left out, so every part of the query is a real condition.
    const conditions = filters.filter((f) => Object.keys(f).length > 0);
    const rows = await this.applications
      .find((conditions.length > 0 ? { $and: conditions } : {}) as never)
      .sort({ _id: 1 })
      .limit(options.limit + 1)
      .toArray();
    return toPage(rows, options.limit, (last) => last._id);
  }
}
