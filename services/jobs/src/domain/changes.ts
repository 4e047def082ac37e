import { type Actor, AppError, assertInArea, assertVisible, bodyProblem } from '@employment/core';
import {
  type AuditEntry,
  auditInsert,
  type Change,
  type ChangeOutcome,
  type EventDraft,
  auditEntry as kitAuditEntry,
  type Mutation,
} from '@employment/messaging';

/** Who is calling: the authenticated client and the request, for audit entries. */
export type Caller = Actor;

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
  const subject = { type: entry.subjectType, id: entry.subjectId, communityCode: entry.communityCode };
  return kitAuditEntry(caller, entry.action, subject, entry.before, entry.after, at);
}

export { assertInArea, assertVisible, auditInsert, bodyProblem };
