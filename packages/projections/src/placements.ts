import {
  ContractTypeSchema,
  EmploymentStabilizedSchema,
  type PlacementEnded,
  PlacementEndedSchema,
  PlacementEndReasonSchema,
  type PlacementMade,
  PlacementMadeSchema,
} from '@employment/contracts';
import type { IsoDate, Page } from '@employment/core';
import {
  type BatchEventHandler,
  decodePayload,
  type EventContext,
  type EventHandler,
  envelopeOccurredAt,
} from '@employment/messaging';
import type { Connection } from 'mongoose';
import {
  applyFact,
  applyFacts,
  chinaDayOf,
  enumName,
  type Fact,
  pageOfArea,
  registerReadModel,
  requireFields,
  withoutBookkeeping,
} from './read-model.ts';

export const PLACEMENTS_COLLECTION = 'read_placements';

/**
 * A placement (安置就业) as jobs' events describe it. Each event writes its own part once: the
 * placement made, its end, the six-month confirmation of stable employment (稳定就业). A placement
 * may be both stabilized and, later, ended. Whatever order they come in, the record ends the
 * same: an end is never undone by a late PlacementMade.
 */
export interface PlacementRecord {
  _id: string;
  residentId: string;
  /** The person's community. */
  communityCode: string;
  /** The employer; only the id is known until PlacementMade has been seen. */
  employer: { id: string; creditCode: string | null; name: string | null } | null;
  vacancyId: string | null;
  referralId: string | null;
  householdId: string | null;
  startDate: IsoDate | null;
  /** e.g. `fixed-term`, `public-welfare-agreement` (jobs' contract types). */
  contractType: string | null;
  /** Agreed monthly wage, in fen. */
  wageFen: number | null;
  publicWelfare: boolean | null;
  /** When PlacementMade happened; null until it has been seen. */
  madeAt: Date | null;
  status: 'active' | 'ended';
  endedOn: IsoDate | null;
  /** e.g. `resigned`, `contract-expired` (jobs' end reasons). */
  endReason: string | null;
  endReasonDetail: string | null;
  /** The end fell before the six-month mark: the employment was not stable. */
  endedWithinSixMonths: boolean | null;
  /** The day the six-month follow-up confirmed stable employment. */
  stabilizedOn: IsoDate | null;
}

export type Placement = Omit<PlacementRecord, '_id'> & { id: string };

const unknownPlacement = (residentId: string, communityCode: string): Omit<PlacementRecord, '_id'> => ({
  residentId,
  communityCode,
  employer: null,
  vacancyId: null,
  referralId: null,
  householdId: null,
  startDate: null,
  contractType: null,
  wageFen: null,
  publicWelfare: null,
  madeAt: null,
  status: 'active',
  endedOn: null,
  endReason: null,
  endReasonDetail: null,
  endedWithinSixMonths: null,
  stabilizedOn: null,
});

export function placementMadeFact(event: PlacementMade, occurredAt: Date): Fact {
  const made = {
    residentId: event.residentId,
    communityCode: event.communityCode,
    employer: event.employer
      ? {
          id: event.employer.employerId,
          creditCode: event.employer.creditCode || null,
          name: event.employer.name || null,
        }
      : null,
    vacancyId: event.vacancyId || null,
    referralId: event.referralId || null,
    householdId: event.householdId || null,
    startDate: chinaDayOf(event.startDate),
    contractType: enumName(ContractTypeSchema, event.contractType),
    wageFen: event.wage ? Number(event.wage.fen) : null,
    publicWelfare: event.publicWelfare,
    madeAt: occurredAt,
  };
  return {
    id: event.placementId,
    created: { ...unknownPlacement(event.residentId, event.communityCode), ...made },
    facets: [{ guard: { madeAt: null }, set: made }],
  };
}

export function placementEndedFact(event: PlacementEnded): Fact {
  const ended = {
    status: 'ended',
    endedOn: chinaDayOf(event.endedOn),
    endReason: enumName(PlacementEndReasonSchema, event.reason),
    endReasonDetail: event.reasonDetail || null,
    endedWithinSixMonths: event.withinSixMonths,
  };
  return {
    id: event.placementId,
    created: {
      ...unknownPlacement(event.residentId, event.communityCode),
      employer: event.employerId ? { id: event.employerId, creditCode: null, name: null } : null,
      vacancyId: event.vacancyId || null,
      householdId: event.householdId || null,
      startDate: chinaDayOf(event.startDate),
      ...ended,
    },
    facets: [{ guard: { endedOn: null }, set: ended }],
  };
}

/** Jobs' placements, as one read model. */
export class PlacementsProjection {
  private readonly placements;

  /** Registers the read model's collection and indexes on a service's connection (its `models`). */
  static register(connection: Connection): void {
    registerReadModel(connection, 'ReadPlacement', PLACEMENTS_COLLECTION, [
      [{ residentId: 1 }, { name: 'resident' }],
      [{ communityCode: 1, _id: 1 }, { name: 'community_id' }],
      [{ 'employer.id': 1 }, { name: 'employer' }],
    ]);
  }

  constructor(connection: Connection) {
    this.placements = connection.collection<PlacementRecord>(PLACEMENTS_COLLECTION);
  }

  /**
   * The handlers, by event type, to put into a ConsumerDefinition that reads jobs' topic. Each is
   * safe to repeat and to receive out of order; a malformed event is dead-lettered.
   */
  get handlers(): Record<string, EventHandler> {
    return {
      [PlacementMadeSchema.typeName]: (ctx) => applyFact(this.placements, made(ctx)),
      [PlacementEndedSchema.typeName]: async (ctx) => {
        const event = decodePayload(PlacementEndedSchema, ctx.envelope);
        requireFields(ctx, {
          placementId: event.placementId,
          residentId: event.residentId,
          communityCode: event.communityCode,
        });
        await applyFact(this.placements, placementEndedFact(event));
      },
      [EmploymentStabilizedSchema.typeName]: async (ctx) => {
        const event = decodePayload(EmploymentStabilizedSchema, ctx.envelope);
        requireFields(ctx, {
          placementId: event.placementId,
          residentId: event.residentId,
          communityCode: event.communityCode,
        });
        const stabilized = { stabilizedOn: chinaDayOf(event.confirmedOn) };
        await applyFact(this.placements, {
          id: event.placementId,
          created: {
            ...unknownPlacement(event.residentId, event.communityCode),
            employer: event.employerId ? { id: event.employerId, creditCode: null, name: null } : null,
            vacancyId: event.vacancyId || null,
            householdId: event.householdId || null,
            startDate: chinaDayOf(event.startDate),
            ...stabilized,
          },
          facets: [{ guard: { stabilizedOn: null }, set: stabilized }],
        });
      },
    };
  }

  /** A run of placements made (e.g. a job fair's hires) is one insert. */
  get batchHandlers(): Record<string, BatchEventHandler> {
    return {
      [PlacementMadeSchema.typeName]: (contexts) => applyFacts(this.placements, contexts.map(made)),
    };
  }

  async placement(id: string): Promise<Placement | null> {
    const record = await this.placements.findOne({ _id: id });
    return record ? withoutBookkeeping(record) : null;
  }

  /** A person's placements, the latest start first. */
  async placementsOf(residentId: string): Promise<Placement[]> {
    const records = await this.placements.find({ residentId }).toArray();
    return records
      .map((r) => withoutBookkeeping(r))
      .sort((a, b) => (b.startDate ?? '').localeCompare(a.startDate ?? ''));
  }

  /** The placement a person works in now (made and not ended), if any. */
  async activePlacementOf(residentId: string): Promise<Placement | null> {
    return (await this.placementsOf(residentId)).find((p) => p.status === 'active' && p.madeAt) ?? null;
  }

  /**
   * The placements of people whose community lies in `area`, a page in id order. The caller
   * checks that `area` lies in its scope.
   */
  placementsOfArea(
    area: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<Placement>> {
    return pageOfArea<PlacementRecord, Placement>(this.placements, area, options, (r) =>
      withoutBookkeeping(r),
    );
  }
}

function made(ctx: EventContext): Fact {
  const event = decodePayload(PlacementMadeSchema, ctx.envelope);
  requireFields(ctx, {
    placementId: event.placementId,
    residentId: event.residentId,
    communityCode: event.communityCode,
  });
  return placementMadeFact(event, envelopeOccurredAt(ctx.envelope));
}
