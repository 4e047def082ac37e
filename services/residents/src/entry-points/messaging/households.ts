import { EmploymentStatusChangedSchema, ResidentProfileChangedSchema } from '@employment/contracts';
import { type ConsumerDefinition, decodePayload, envelopeOccurredAt } from '@employment/messaging';
import type { ResidentsRepository } from '../../data-access/residents-repository.ts';
import { systemActor } from '../../domain/changes.ts';
import type { Households } from '../../domain/households.ts';

/**
 * The safety net of household status: a person's status or household changes in one write and
 * the household follows in the next (the store has no multi-document transactions). If the
 * process dies in between, this consumer of the person's own event brings the household up to
 * date. It reads the person as they are now, and the household ignores facts it already has, so
 * in the usual case (the request already did it) it changes nothing. Since it derives from the
 * person as they are now, the household's change carries the reason those facts give (a person
 * no longer in the household has left it, whatever the event said) and the event's time or, when
 * the person changed again meanwhile, the time of their current status or of their last change.
 */
export function householdsConsumer(deps: {
  topic: string;
  groupId: string;
  repository: ResidentsRepository;
  households: Households;
}): ConsumerDefinition {
  const follow = async (
    residentId: string,
    householdIds: string[],
    reason: string,
    eventAt: Date,
    eventId: string,
  ) => {
    const person = await deps.repository.findById(residentId);
    if (!person) return; // not in this registry (or a test's other database): nothing to follow
    const actor = systemActor('residents:household-follower', eventId);
    for (const id of new Set([...householdIds, person.householdId].filter((h): h is string => Boolean(h)))) {
      // The reason is what the person's current facts say of this household: a late event of
      // joining, for someone who has left since, must not record the leaving as a joining.
      const current =
        person.householdId !== id ? 'member-left' : reason === 'member-left' ? 'member-joined' : reason;
      const at = current === reason ? latest(eventAt, person.statusSince) : latest(eventAt, person.updatedAt);
      await deps.households.syncMember(actor, id, person, current, at);
    }
  };
  return {
    groupId: deps.groupId,
    topics: [deps.topic],
    handlers: {
      [EmploymentStatusChangedSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(EmploymentStatusChangedSchema, envelope);
        if (!event.householdId) return;
        const eventSince = event.since
          ? new Date(Number(event.since.seconds) * 1000 + Math.floor(event.since.nanos / 1e6))
          : envelopeOccurredAt(envelope);
        await follow(event.residentId, [event.householdId], 'member-status', eventSince, envelope.eventId);
      },
      [ResidentProfileChangedSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(ResidentProfileChangedSchema, envelope);
        const relevant = ['householdId', 'householdRelation', 'workCapacity', 'fullName'];
        if (!event.changedFields.some((f) => relevant.includes(f))) return;
        const reason = event.changedFields.includes('householdId')
          ? event.householdId
            ? 'member-joined'
            : 'member-left'
          : 'member-capacity';
        const households = [event.householdId, event.previousHouseholdId].filter(Boolean);
        await follow(event.residentId, households, reason, envelopeOccurredAt(envelope), envelope.eventId);
      },
    },
  };
}

const latest = (a: Date, b: Date | undefined): Date =>
  b && new Date(b).getTime() > a.getTime() ? new Date(b) : a;
