import { type Actor, AppError, keyCursor } from '@employment/core';
import type { ApplicationDeps } from './file.ts';
import type { ApplicationRecord } from './rules.ts';

/** One application of the caller's areas; one outside them does not exist for the caller (404). */
export async function readApplication(deps: ApplicationDeps, actor: Actor, id: string): Promise<ApplicationRecord> {
  const application = await deps.applications.find(actor.principal, id);
  if (!application) throw new AppError('not-found', 'no such application in your area');
  return application;
}

export function listApplications(
  deps: ApplicationDeps,
  actor: Actor,
  query: { area?: string | undefined; limit: number; cursor?: string | undefined },
) {
  // Strict: a cursor this service did not write is a 400.
  const after = keyCursor.decode(query.cursor)?.after;
  return deps.applications.list(actor.principal, { area: query.area, after, limit: query.limit });
}
