import {
  AppError,
  type Change,
  type ChangeOutcome,
  canAccessArea,
  type EventDraft,
  type Mutation,
  newId,
  type Principal,
} from '@employment/kit';
import { type AuditEntry, COLLECTIONS } from '../data-access/models.ts';

/** Who is calling: the authenticated client and the request, for audit entries. */
export interface Caller {
  principal: Principal;
  requestId: string;
}

/** How use cases write: a change through the kit's outbox (ServiceRuntime.change / outbox.commit). */
export interface Writer {
  change: (mutations: Mutation[], events: EventDraft[]) => Change;
  commit: (changes: Change[]) => Promise<ChangeOutcome[]>;
}

export async function commitOne(
  writer: Writer,
  mutations: Mutation[],
  events: EventDraft[],
): Promise<ChangeOutcome> {
  const [outcome] = await writer.commit([writer.change(mutations, events)]);
  return outcome ?? { status: 'applied' };
}

/**
 * Runs a read-decide-write step again when its guard (the aggregate's version) was taken by a
 * concurrent write: the next attempt reads the new state and decides again, so a rule checked on
 * stale data is never written. After a few collisions the caller is told to retry.
 */
export async function withRetries<T>(attempt: () => Promise<T | 'conflict'>, what: string): Promise<T> {
  for (let i = 0; i < 4; i++) {
    const result = await attempt();
    if (result !== 'conflict') return result;
  }
  throw new AppError('conflict', `${what} was changed by another request meanwhile; retry`);
}

/** An audit entry, written as a later (idempotent, keyed by `_id`) mutation of the same change. */
export function auditEntry(
  caller: Caller,
  at: Date,
  entry: {
    action: string;
    subjectType: string;
    subjectId: string;
    communityCode: string | null;
    before: object | null;
    after: object | null;
  },
): AuditEntry {
  return {
    _id: newId(),
    at,
    actor: caller.principal.clientId,
    requestId: caller.requestId,
    ...entry,
    before: entry.before ? stripInternals(entry.before) : null,
    after: entry.after ? stripInternals(entry.after) : null,
  };
}

export const auditInsert = (entry: AuditEntry): Mutation => ({
  op: 'insert',
  collection: COLLECTIONS.audit,
  document: entry,
});

/** The kit's replay marks are bookkeeping, not state: keep them out of the audit trail. */
function stripInternals(doc: object): Record<string, unknown> {
  const { _changes: _c, ...rest } = doc as Record<string, unknown>;
  return rest;
}

/** Records of people outside the caller's area do not exist for the caller: 404, not 403. */
export function assertVisible(principal: Principal, communityCode: string, what: string): void {
  if (!canAccessArea(principal, communityCode))
    throw new AppError('not-found', `no such ${what} in your area`);
}

/** Writing into a community needs an area scope covering it. */
export function assertInArea(principal: Principal, communityCode: string): void {
  if (!canAccessArea(principal, communityCode)) {
    throw new AppError('forbidden', `community ${communityCode} lies outside this client's area`);
  }
}

export function bodyProblem(pointer: string, detail: string): AppError {
  return new AppError('validation-failed', `${pointer}: ${detail}`, {
    errors: [{ in: 'body', pointer, detail }],
  });
}
