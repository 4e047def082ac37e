import {
  EmploymentStatusChangedSchema,
  HouseholdStatusChangedSchema,
  ResidentProfileChangedSchema,
  ResidentRegisteredSchema,
} from '@employment/contracts';
import {
  type ConsumerDefinition,
  decodePayload,
  type EventContext,
  envelopeOccurredAt,
  PoisonEventError,
} from '@employment/messaging';
import type { CandidateDocument, HouseholdDocument } from '../../data-access/models.ts';
import type { JobsRepository } from '../../data-access/repository.ts';
import type { CandidatePool } from '../../domain/candidate-pool.ts';
import {
  fromEmploymentStatusChanged,
  fromHouseholdStatusChanged,
  fromProfileChanged,
  fromRegistered,
  type VersionedUpdate,
} from '../../domain/candidates.ts';

const COMMUNITY_CODE = /^\d{12}$/;

/**
 * Builds the candidate read model from residents' events: each event is applied to the store
 * (guarded by the resident's version, so a stale or repeated event changes nothing) and then to
 * this replica's in-memory pool. The kit's idempotent consumer already skips redelivered event
 * ids; the version guard also covers events replayed under new ids or arriving out of order.
 * A malformed event (a broken contract) goes to the group's dead-letter topic at once.
 */
export function candidatesConsumer(options: {
  groupId: string;
  topic: string;
  repository: JobsRepository;
  pool: CandidatePool;
}): ConsumerDefinition {
  const { repository, pool } = options;

  const applyCandidate = async (ctx: EventContext, residentId: string, change: VersionedUpdate) => {
    const doc = await repository.applyVersioned<CandidateDocument>(
      'candidates',
      residentId,
      change.versionField,
      change.version,
      change.update,
    );
    if (doc) pool.putCandidate(doc);
    else ctx.logger.debug({ residentId, version: change.version }, 'stale resident event ignored');
  };

  const requireIds = (ctx: EventContext, fields: Record<string, string>) => {
    for (const [name, value] of Object.entries(fields)) {
      if (name === 'communityCode' ? !COMMUNITY_CODE.test(value) : !value)
        throw new PoisonEventError(`${ctx.envelope.eventType} ${ctx.envelope.eventId} has no valid ${name}`);
    }
  };

  const registered = (ctx: EventContext) => {
    const event = decodePayload(ResidentRegisteredSchema, ctx.envelope);
    requireIds(ctx, { residentId: event.residentId, communityCode: event.communityCode });
    return {
      residentId: event.residentId,
      change: fromRegistered(event, envelopeOccurredAt(ctx.envelope), new Date()),
    };
  };

  return {
    groupId: options.groupId,
    topics: [options.topic],
    batchHandlers: {
      // A run of registrations is one insert; a person already held takes the versioned path.
      [ResidentRegisteredSchema.typeName]: async (contexts) => {
        const changes = contexts.map(registered);
        const docs = changes.map(
          ({ residentId, change }) =>
            ({
              _id: residentId,
              ...change.update.$setOnInsert,
              ...change.update.$set,
            }) as unknown as CandidateDocument,
        );
        const refused = new Set(await repository.insertCandidates(docs));
        for (let i = 0; i < docs.length; i++) {
          if (!refused.has(i)) pool.putCandidate(docs[i]!);
          else await applyCandidate(contexts[i]!, changes[i]!.residentId, changes[i]!.change);
        }
      },
    },
    handlers: {
      [ResidentRegisteredSchema.typeName]: async (ctx) => {
        const { residentId, change } = registered(ctx);
        await applyCandidate(ctx, residentId, change);
      },
      [ResidentProfileChangedSchema.typeName]: async (ctx) => {
        const event = decodePayload(ResidentProfileChangedSchema, ctx.envelope);
        requireIds(ctx, { residentId: event.residentId, communityCode: event.communityCode });
        if (event.version < 1)
          throw new PoisonEventError(`ResidentProfileChanged ${ctx.envelope.eventId} has no version`);
        await applyCandidate(ctx, event.residentId, fromProfileChanged(event, new Date()));
      },
      [EmploymentStatusChangedSchema.typeName]: async (ctx) => {
        const event = decodePayload(EmploymentStatusChangedSchema, ctx.envelope);
        requireIds(ctx, { residentId: event.residentId, communityCode: event.communityCode });
        if (event.version < 1)
          throw new PoisonEventError(`EmploymentStatusChanged ${ctx.envelope.eventId} has no version`);
        await applyCandidate(
          ctx,
          event.residentId,
          fromEmploymentStatusChanged(event, envelopeOccurredAt(ctx.envelope), new Date()),
        );
      },
      [HouseholdStatusChangedSchema.typeName]: async (ctx) => {
        const event = decodePayload(HouseholdStatusChangedSchema, ctx.envelope);
        requireIds(ctx, { householdId: event.householdId, communityCode: event.communityCode });
        if (event.version < 1)
          throw new PoisonEventError(`HouseholdStatusChanged ${ctx.envelope.eventId} has no version`);
        const change = fromHouseholdStatusChanged(event, new Date());
        const doc = await repository.applyVersioned<HouseholdDocument>(
          'households',
          event.householdId,
          change.versionField,
          change.version,
          change.update,
        );
        if (doc) pool.putHousehold(doc);
      },
    },
  };
}
