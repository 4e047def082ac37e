import { type Actor, AppError } from '@employment/core';
import type { ApplicationInput } from './contract.ts';
import { applicationFiled } from './events.ts';

// Pure decisions: they read nothing and write nothing (core only). Use cases give them what they
// need and store what they decide.

/** An application as the service keeps it. */
export interface ApplicationRecord {
  _id: string;
  personId: string;
  communityCode: string;
  note: string | null;
  status: 'filed';
  filedAt: Date;
  filedBy: string;
  version: number;
}

/** What the rules need to know of a person (from the people read model). */
export interface Applicant {
  id: string;
  communityCode: string;
  employmentStatus: string | null;
}

/** Employment statuses that cannot apply: the programme is for people out of work. */
const INELIGIBLE = new Set(['employed', 'retired', 'student']);

/** Why a person may not apply, or null when they may. */
export function ineligibility(person: Pick<Applicant, 'employmentStatus'>): string | null {
  if (person.employmentStatus && INELIGIBLE.has(person.employmentStatus))
    return `a person who is ${person.employmentStatus} cannot apply`;
  return null;
}

/** The application to store and the event that says so, or a 422 naming the rule that refuses it. */
export function decideFiling(
  input: ApplicationInput,
  person: Applicant,
  actor: Actor,
  ids: { id: string; now: Date; topic: string },
) {
  const refused = ineligibility(person);
  if (refused) throw new AppError('unprocessable', refused);
  const application: ApplicationRecord = {
    _id: ids.id,
    personId: person.id,
    communityCode: person.communityCode,
    note: input.note?.trim() || null,
    status: 'filed',
    filedAt: ids.now,
    filedBy: actor.principal.clientId,
    version: 1,
  };
  return { application, event: applicationFiled(application, ids.topic) };
}
