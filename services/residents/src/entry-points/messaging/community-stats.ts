import {
  CertificateIssuedSchema,
  CertificateRevokedSchema,
  EmploymentStatusChangedSchema,
  HouseholdRegisteredSchema,
  HouseholdStatusChangedSchema,
  ResidentProfileChangedSchema,
  ResidentRegisteredSchema,
  ServiceDeliveredSchema,
  SurveyOutcome,
  SurveyRecordedSchema,
  WarningRaisedSchema,
  WarningResolvedSchema,
} from '@employment/contracts';
import { forEachLimited, isDuplicateKeyError } from '@employment/core';
import {
  type ConsumerDefinition,
  decodePayload,
  type EventContext,
  envelopeOccurredAt,
} from '@employment/messaging';
import type { Connection } from 'mongoose';
import {
  COLLECTIONS,
  type CommunityStatsDocument,
  type SurveyCoverageMark,
} from '../../data-access/models.ts';
import { employmentStatusFromPb, serviceKindFromPb } from '../../domain/events.ts';

/** The service's consumer groups, under a prefix (tests give each run its own). */
export function consumerGroups(prefix: string) {
  return {
    communityStats: `${prefix}-community-stats`,
    households: `${prefix}-households`,
    placements: `${prefix}-placements`,
  };
}

export const COMMUNITY_STATS_GROUP = consumerGroups('residents').communityStats;

const isCommunity = (code: string) => /^\d{12}$/.test(code);

/**
 * Counters per community, kept from the registry's own events rather than counted with
 * aggregations over the whole registry (which the store would answer by scanning it): people by
 * employment status, households, zero-employment and double-unemployed households, surveys and
 * surveyed households per year, certificates, help delivered, open warnings. The idempotent
 * consumer makes a redelivered event count once. The counters of a community are kept per
 * partition of the topic (see bumpRange) and added up when read.
 */
export function communityStatsConsumer(
  store: Connection,
  options: { topic: string; groupId: string },
): ConsumerDefinition {
  const stats = store.collection<CommunityStatsDocument>(COLLECTIONS.communityStats);
  const coverage = store.collection<SurveyCoverageMark>(COLLECTIONS.surveyCoverage);
  /**
   * Adds `inc` to a community's counters for the events at offsets `first`..`last` of one
   * partition. Each counter document keeps, per partition, the last offset it counted
   * (`applied.<topic>:<partition>`): events at or below it were counted, so a redelivery after a
   * crash, or a run handled again one by one, never counts twice. (A partition is read in order.)
   */
  const bumpRange = async (
    ctx: EventContext,
    community: string,
    inc: Record<string, number>,
    at: Date,
    first: number,
    last: number,
  ) => {
    const mark = `applied.${ctx.topic.replace(/\./g, '_')}:${ctx.partition}`;
    try {
      // One counter document per community and partition: only the consumer that owns the
      // partition writes it, one update at a time, so no two writers ever update one document at
      // once (FerretDB v1 applies an update as a read then a write: two concurrent $inc of one
      // document lose one). Readers add the partitions' documents up.
      await stats.updateOne(
        {
          _id: `${community}/${ctx.partition}`,
          $or: [{ [mark]: { $exists: false } }, { [mark]: { $lt: first } }],
        },
        { $inc: inc, $set: { communityCode: community, updatedAt: at, [mark]: last } },
        { upsert: true },
      );
    } catch (err) {
      // The counters exist and counted these offsets already: the upsert collided with them.
      if (!isDuplicateKeyError(err)) throw err;
    }
  };
  const bump = (ctx: EventContext, community: string, inc: Record<string, number>, at: Date) =>
    bumpRange(ctx, community, inc, at, Number(ctx.offset), Number(ctx.offset));

  const registered = (ctx: EventContext) => {
    const { envelope } = ctx;
    const event = decodePayload(ResidentRegisteredSchema, envelope);
    if (!isCommunity(event.communityCode)) {
      throw new Error(`ResidentRegistered ${envelope.eventId} has no valid community code`);
    }
    const status = employmentStatusFromPb.get(event.employmentStatus);
    if (!status) throw new Error(`ResidentRegistered ${envelope.eventId} has an unknown employment status`);
    return { community: event.communityCode, status, at: envelopeOccurredAt(envelope) };
  };

  return {
    groupId: options.groupId,
    topics: [options.topic],
    batchHandlers: {
      // A run of registrations: one update per community, for all its people in the run.
      [ResidentRegisteredSchema.typeName]: async (contexts) => {
        const byCommunity = new Map<
          string,
          { inc: Record<string, number>; at: Date; first: number; last: number }
        >();
        for (const ctx of contexts) {
          const { community, status, at } = registered(ctx);
          const offset = Number(ctx.offset);
          const held = byCommunity.get(community) ?? { inc: {}, at, first: offset, last: offset };
          held.inc.registered = (held.inc.registered ?? 0) + 1;
          held.inc[`byStatus.${status}`] = (held.inc[`byStatus.${status}`] ?? 0) + 1;
          if (at > held.at) held.at = at;
          held.last = offset;
          byCommunity.set(community, held);
        }
        const first = contexts[0]!;
        // A few at a time: a run spans hundreds of communities, and the store's pool is shared.
        await forEachLimited([...byCommunity], 8, ([community, c]) =>
          bumpRange(first, community, c.inc, c.at, c.first, c.last),
        );
      },
    },
    handlers: {
      [ResidentRegisteredSchema.typeName]: async (ctx) => {
        const { community, status, at } = registered(ctx);
        await bump(ctx, community, { registered: 1, [`byStatus.${status}`]: 1 }, at);
      },
      [EmploymentStatusChangedSchema.typeName]: async (ctx) => {
        const { envelope } = ctx;
        const event = decodePayload(EmploymentStatusChangedSchema, envelope);
        const from = employmentStatusFromPb.get(event.previousStatus);
        const to = employmentStatusFromPb.get(event.status);
        if (!isCommunity(event.communityCode) || !from || !to || from === to) return;
        await bump(
          ctx,
          event.communityCode,
          { [`byStatus.${from}`]: -1, [`byStatus.${to}`]: 1 },
          envelopeOccurredAt(envelope),
        );
      },
      [ResidentProfileChangedSchema.typeName]: async (ctx) => {
        const { envelope } = ctx;
        const event = decodePayload(ResidentProfileChangedSchema, envelope);
        const moved = event.previousCommunityCode && event.previousCommunityCode !== event.communityCode;
        const status = employmentStatusFromPb.get(event.employmentStatus);
        if (!moved || !status || !isCommunity(event.communityCode)) return;
        const at = envelopeOccurredAt(envelope);
        await bump(ctx, event.previousCommunityCode, { registered: -1, [`byStatus.${status}`]: -1 }, at);
        await bump(ctx, event.communityCode, { registered: 1, [`byStatus.${status}`]: 1 }, at);
      },
      [HouseholdRegisteredSchema.typeName]: async (ctx) => {
        const { envelope } = ctx;
        const event = decodePayload(HouseholdRegisteredSchema, envelope);
        if (isCommunity(event.communityCode))
          await bump(ctx, event.communityCode, { households: 1 }, envelopeOccurredAt(envelope));
      },
      [HouseholdStatusChangedSchema.typeName]: async (ctx) => {
        const { envelope } = ctx;
        const event = decodePayload(HouseholdStatusChangedSchema, envelope);
        const inc: Record<string, number> = {};
        if (event.zeroEmployment !== event.previousZeroEmployment)
          inc.zeroEmploymentHouseholds = event.zeroEmployment ? 1 : -1;
        if (event.doubleUnemployed !== event.previousDoubleUnemployed)
          inc.doubleUnemployedHouseholds = event.doubleUnemployed ? 1 : -1;
        if (Object.keys(inc).length > 0 && isCommunity(event.communityCode))
          await bump(ctx, event.communityCode, inc, envelopeOccurredAt(envelope));
      },
      [SurveyRecordedSchema.typeName]: async (ctx) => {
        const { envelope } = ctx;
        const event = decodePayload(SurveyRecordedSchema, envelope);
        if (!isCommunity(event.communityCode)) return;
        const at = envelopeOccurredAt(envelope);
        const inc: Record<string, number> = { surveys: 1 };
        if (event.outcome === SurveyOutcome.COMPLETED) {
          // A household counts once a year, however often it is visited: the mark's id is unique.
          try {
            await coverage.insertOne({
              _id: `${event.year}:${event.householdId}`,
              communityCode: event.communityCode,
              at,
            });
            inc[`surveyedHouseholds.${event.year}`] = 1;
          } catch (err) {
            if (!isDuplicateKeyError(err)) throw err;
          }
        }
        await bump(ctx, event.communityCode, inc, at);
      },
      [CertificateIssuedSchema.typeName]: async (ctx) => {
        const { envelope } = ctx;
        const event = decodePayload(CertificateIssuedSchema, envelope);
        if (isCommunity(event.communityCode))
          await bump(
            ctx,
            event.communityCode,
            { certificatesIssued: 1, certificatesActive: 1 },
            envelopeOccurredAt(envelope),
          );
      },
      [CertificateRevokedSchema.typeName]: async (ctx) => {
        const { envelope } = ctx;
        const event = decodePayload(CertificateRevokedSchema, envelope);
        // Only an issued certificate (one with a number) was counted as active.
        if (isCommunity(event.communityCode) && event.number)
          await bump(ctx, event.communityCode, { certificatesActive: -1 }, envelopeOccurredAt(envelope));
      },
      [ServiceDeliveredSchema.typeName]: async (ctx) => {
        const { envelope } = ctx;
        const event = decodePayload(ServiceDeliveredSchema, envelope);
        const kind = serviceKindFromPb[event.kind];
        if (isCommunity(event.communityCode) && kind)
          await bump(ctx, event.communityCode, { [`deliveries.${kind}`]: 1 }, envelopeOccurredAt(envelope));
      },
      [WarningRaisedSchema.typeName]: async (ctx) => {
        const { envelope } = ctx;
        const event = decodePayload(WarningRaisedSchema, envelope);
        if (isCommunity(event.communityCode))
          await bump(ctx, event.communityCode, { openWarnings: 1 }, envelopeOccurredAt(envelope));
      },
      [WarningResolvedSchema.typeName]: async (ctx) => {
        const { envelope } = ctx;
        const event = decodePayload(WarningResolvedSchema, envelope);
        if (isCommunity(event.communityCode))
          await bump(ctx, event.communityCode, { openWarnings: -1 }, envelopeOccurredAt(envelope));
      },
    },
  };
}
