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
import {
  type ConsumerDefinition,
  decodePayload,
  envelopeOccurredAt,
  isDuplicateKeyError,
} from '@employment/kit';
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
 * consumer makes a redelivered event count once.
 */
export function communityStatsConsumer(
  store: Connection,
  options: { topic: string; groupId: string },
): ConsumerDefinition {
  const stats = store.collection<CommunityStatsDocument>(COLLECTIONS.communityStats);
  const coverage = store.collection<SurveyCoverageMark>(COLLECTIONS.surveyCoverage);
  const bump = (community: string, inc: Record<string, number>, at: Date) =>
    stats.updateOne({ _id: community }, { $inc: inc, $set: { updatedAt: at } }, { upsert: true });

  return {
    groupId: options.groupId,
    topics: [options.topic],
    handlers: {
      [ResidentRegisteredSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(ResidentRegisteredSchema, envelope);
        if (!isCommunity(event.communityCode)) {
          throw new Error(`ResidentRegistered ${envelope.eventId} has no valid community code`);
        }
        const status = employmentStatusFromPb.get(event.employmentStatus);
        if (!status)
          throw new Error(`ResidentRegistered ${envelope.eventId} has an unknown employment status`);
        await bump(
          event.communityCode,
          { registered: 1, [`byStatus.${status}`]: 1 },
          envelopeOccurredAt(envelope),
        );
      },
      [EmploymentStatusChangedSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(EmploymentStatusChangedSchema, envelope);
        const from = employmentStatusFromPb.get(event.previousStatus);
        const to = employmentStatusFromPb.get(event.status);
        if (!isCommunity(event.communityCode) || !from || !to || from === to) return;
        await bump(
          event.communityCode,
          { [`byStatus.${from}`]: -1, [`byStatus.${to}`]: 1 },
          envelopeOccurredAt(envelope),
        );
      },
      [ResidentProfileChangedSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(ResidentProfileChangedSchema, envelope);
        const moved = event.previousCommunityCode && event.previousCommunityCode !== event.communityCode;
        const status = employmentStatusFromPb.get(event.employmentStatus);
        if (!moved || !status || !isCommunity(event.communityCode)) return;
        const at = envelopeOccurredAt(envelope);
        await bump(event.previousCommunityCode, { registered: -1, [`byStatus.${status}`]: -1 }, at);
        await bump(event.communityCode, { registered: 1, [`byStatus.${status}`]: 1 }, at);
      },
      [HouseholdRegisteredSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(HouseholdRegisteredSchema, envelope);
        if (isCommunity(event.communityCode))
          await bump(event.communityCode, { households: 1 }, envelopeOccurredAt(envelope));
      },
      [HouseholdStatusChangedSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(HouseholdStatusChangedSchema, envelope);
        const inc: Record<string, number> = {};
        if (event.zeroEmployment !== event.previousZeroEmployment)
          inc.zeroEmploymentHouseholds = event.zeroEmployment ? 1 : -1;
        if (event.doubleUnemployed !== event.previousDoubleUnemployed)
          inc.doubleUnemployedHouseholds = event.doubleUnemployed ? 1 : -1;
        if (Object.keys(inc).length > 0 && isCommunity(event.communityCode))
          await bump(event.communityCode, inc, envelopeOccurredAt(envelope));
      },
      [SurveyRecordedSchema.typeName]: async ({ envelope }) => {
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
        await bump(event.communityCode, inc, at);
      },
      [CertificateIssuedSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(CertificateIssuedSchema, envelope);
        if (isCommunity(event.communityCode))
          await bump(
            event.communityCode,
            { certificatesIssued: 1, certificatesActive: 1 },
            envelopeOccurredAt(envelope),
          );
      },
      [CertificateRevokedSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(CertificateRevokedSchema, envelope);
        // Only an issued certificate (one with a number) was counted as active.
        if (isCommunity(event.communityCode) && event.number)
          await bump(event.communityCode, { certificatesActive: -1 }, envelopeOccurredAt(envelope));
      },
      [ServiceDeliveredSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(ServiceDeliveredSchema, envelope);
        const kind = serviceKindFromPb[event.kind];
        if (isCommunity(event.communityCode) && kind)
          await bump(event.communityCode, { [`deliveries.${kind}`]: 1 }, envelopeOccurredAt(envelope));
      },
      [WarningRaisedSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(WarningRaisedSchema, envelope);
        if (isCommunity(event.communityCode))
          await bump(event.communityCode, { openWarnings: 1 }, envelopeOccurredAt(envelope));
      },
      [WarningResolvedSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(WarningResolvedSchema, envelope);
        if (isCommunity(event.communityCode))
          await bump(event.communityCode, { openWarnings: -1 }, envelopeOccurredAt(envelope));
      },
    },
  };
}
