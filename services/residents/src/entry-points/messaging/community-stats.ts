import { ResidentRegisteredSchema } from '@employment/contracts';
import { type ConsumerDefinition, decodePayload, envelopeOccurredAt } from '@employment/kit';
import type { Connection } from 'mongoose';
import { COLLECTIONS, type CommunityStatsDocument } from '../../data-access/models.ts';
import { employmentStatusFromPb, RESIDENTS_TOPIC } from '../../domain/events.ts';

export const COMMUNITY_STATS_GROUP = 'residents-community-stats';

/**
 * Per-community registration counters, kept from the registry's own events rather than counted
 * with aggregations over the whole registry (which the store would answer by scanning it). The
 * idempotent consumer makes a redelivered event count once.
 */
export function communityStatsConsumer(store: Connection): ConsumerDefinition {
  const stats = store.collection<CommunityStatsDocument>(COLLECTIONS.communityStats);
  return {
    groupId: COMMUNITY_STATS_GROUP,
    topics: [RESIDENTS_TOPIC],
    handlers: {
      [ResidentRegisteredSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(ResidentRegisteredSchema, envelope);
        if (!/^\d{12}$/.test(event.communityCode)) {
          throw new Error(`ResidentRegistered ${envelope.eventId} has no valid community code`);
        }
        const status = employmentStatusFromPb[event.employmentStatus];
        if (!status)
          throw new Error(`ResidentRegistered ${envelope.eventId} has an unknown employment status`);
        await stats.updateOne(
          { _id: event.communityCode },
          {
            $inc: { registered: 1, [`byStatus.${status}`]: 1 },
            $set: { updatedAt: envelopeOccurredAt(envelope) },
          },
          { upsert: true },
        );
      },
    },
  };
}
