import { PlacementEndedSchema, PlacementMadeSchema } from '@employment/contracts';
import { type ConsumerDefinition, decodePayload, envelopeOccurredAt } from '@employment/messaging';
import type { ResidentsRepository } from '../../data-access/residents-repository.ts';
import { systemActor } from '../../domain/changes.ts';
import { currentStatusSince, type People } from '../../domain/people.ts';
import { WORKING_STATUSES } from '../../domain/vocabulary.ts';
import type { Warnings } from '../../domain/warnings.ts';

type Stamp = { seconds: bigint; nanos: number } | undefined;
const toDate = (t: Stamp, fallback: Date) =>
  t ? new Date(Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6)) : fallback;

/** A status begins no earlier than the current one (statuses stay in order) and no later than now. */
function clamp(date: Date, notBefore: Date, notAfter: Date): Date {
  return new Date(Math.min(Math.max(date.getTime(), notBefore.getTime()), notAfter.getTime()));
}

/**
 * What the jobs service's placements mean for the registry: a placement is noted (whose it is,
 * in which community: a status change citing it is checked against that) and makes the person
 * employed (which recomputes the household and resolves its zero-employment warnings); a
 * placement that ends within six months raises the "lost the job within six months" warning and,
 * if it was the job the person held, makes them unemployed again. Replays change nothing: the
 * status change is skipped when the person already holds that placement, and the warning is
 * raised once per placement (its unique key).
 */
export function placementsConsumer(deps: {
  topic: string;
  groupId: string;
  repository: ResidentsRepository;
  people: People;
  warnings: Warnings;
  now: () => Date;
}): ConsumerDefinition {
  return {
    groupId: deps.groupId,
    topics: [deps.topic],
    handlers: {
      [PlacementMadeSchema.typeName]: async ({ envelope, logger }) => {
        const event = decodePayload(PlacementMadeSchema, envelope);
        const person = await deps.repository.findById(event.residentId);
        if (!person) {
          logger.debug({ residentId: event.residentId }, 'placement of a person this registry does not hold');
          return;
        }
        // Known from now on: a status change citing it is checked against it (whose, which area).
        await deps.repository.recordPlacement({
          _id: event.placementId,
          residentId: person._id,
          communityCode: event.communityCode || person.communityCode,
          at: envelopeOccurredAt(envelope),
        });
        if (person.employmentStatus === 'employed' && person.placementId === event.placementId) return;
        const actor = systemActor('residents:placements', envelope.eventId);
        const now = deps.now();
        await deps.people.changeStatus(actor, person._id, {
          status: 'employed',
          since: clamp(
            toDate(event.startDate, envelopeOccurredAt(envelope)),
            currentStatusSince(person),
            now,
          ),
          reason: 'placement',
          placementId: event.placementId,
        });
      },
      [PlacementEndedSchema.typeName]: async ({ envelope, logger }) => {
        const event = decodePayload(PlacementEndedSchema, envelope);
        const person = await deps.repository.findById(event.residentId);
        if (!person) {
          logger.debug({ residentId: event.residentId }, 'placement of a person this registry does not hold');
          return;
        }
        const actor = systemActor('residents:placements', envelope.eventId);
        const endedOn = toDate(event.endedOn, envelopeOccurredAt(envelope));
        if (event.withinSixMonths) {
          await deps.warnings.raise(actor, {
            kind: 'job-lost-within-six-months',
            subjectType: 'resident',
            subjectId: person._id,
            communityCode: person.communityCode,
            episode: event.placementId,
            detail: `placement ${event.placementId} (started ${toDate(event.startDate, endedOn).toISOString().slice(0, 10)}) ended on ${endedOn.toISOString().slice(0, 10)}, within six months`,
          });
        }
        if (person.placementId === event.placementId && WORKING_STATUSES.has(person.employmentStatus)) {
          await deps.people.changeStatus(actor, person._id, {
            status: 'unemployed',
            since: clamp(endedOn, currentStatusSince(person), deps.now()),
            reason: 'placement-ended',
            placementId: null,
          });
        }
      },
    },
  };
}
