import { type Actor, AppError, canAccessArea, conflict } from '@employment/core';
import { type ChangeWriter, commitOne, newId } from '@employment/messaging';
import type { PeopleProjection } from '@employment/projections';
import type { ApplicationInput } from './contract.ts';
import { decideFiling } from './rules.ts';
import type { ApplicationStore } from './store.ts';

export interface ApplicationDeps {
  applications: ApplicationStore;
  people: PeopleProjection;
  writer: ChangeWriter;
  /** The topic the service publishes to. */
  topic: string;
}

/** Files an application: read the person, decide, write the application, its audit entry and its event as one change. */
export async function fileApplication(deps: ApplicationDeps, actor: Actor, input: ApplicationInput) {
  const person = await deps.people.person(input.personId);
  // A person of another area is answered as one this service does not know: the answer never
  // tells another district that they exist.
  if (!person || !canAccessArea(actor.principal, person.communityCode)) {
    throw new AppError('not-found', 'no such person in your area', {
      errors: [{ in: 'body', pointer: '/personId', detail: 'is not a person of your area known to this service' }],
    });
  }
  const { application, event } = decideFiling(input, person, actor, {
    id: newId(),
    now: new Date(),
    topic: deps.topic,
  });
  const outcome = await commitOne(
    deps.writer,
    deps.writer.change(deps.applications.filing(application, actor), [event]),
  );
  if (outcome.status === 'rejected') throw conflict('the person already has an application');
  return application;
}
