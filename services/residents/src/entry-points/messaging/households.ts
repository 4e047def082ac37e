import { EmploymentStatusChangedSchema, ResidentProfileChangedSchema } from '@employment/contracts';
import { type ConsumerDefinition, decodePayload } from '@employment/messaging';
import type { ResidentsRepository } from '../../data-access/residents-repository.ts';
import type { Households } from '../../domain/households.ts';

/**
 * The safety net of household status: a person's status or household changes in one write and
 * the household follows in the next (the store has no multi-document transactions). If the
 * process dies in between, this consumer of the person's own event brings the household up to
 * date. It reads the person as they are now, and the household ignores facts it already has, so
 * in the usual case (the request already did it) it changes nothing.
 *
 * It may also get there first: handling an older event of the person while a request is still
 * between the person's write and the household's. So it does not take the reason from the event
 * it handles: the household's change is derived from the person and the household as they are
 * (joined, left, a new status, other facts), with the start and the actor the request itself
 * gives it (`Households.follow`), and the outcome is the same whichever of the two writes it.
 */
export function householdsConsumer(deps: {
  topic: string;
  groupId: string;
  repository: ResidentsRepository;
  households: Households;
}): ConsumerDefinition {
  const follow = async (residentId: string, householdIds: string[], eventId: string) => {
    const person = await deps.repository.findById(residentId);
    if (!person) return; // not in this registry (or a test's other database): nothing to follow
    for (const id of new Set([...householdIds, person.householdId].filter((h): h is string => Boolean(h)))) {
      await deps.households.follow(eventId, id, person);
    }
  };
  return {
    groupId: deps.groupId,
    topics: [deps.topic],
    handlers: {
      [EmploymentStatusChangedSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(EmploymentStatusChangedSchema, envelope);
        if (!event.householdId) return;
        await follow(event.residentId, [event.householdId], envelope.eventId);
      },
      [ResidentProfileChangedSchema.typeName]: async ({ envelope }) => {
        const event = decodePayload(ResidentProfileChangedSchema, envelope);
        const relevant = ['householdId', 'householdRelation', 'workCapacity', 'fullName'];
        if (!event.changedFields.some((f) => relevant.includes(f))) return;
        const households = [event.householdId, event.previousHouseholdId].filter(Boolean);
        await follow(event.residentId, households, envelope.eventId);
      },
    },
  };
}
