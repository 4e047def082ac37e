import { AppError, type Change, type Mutation, newId } from '@employment/kit';
import { type ClaimDocument, COLLECTIONS } from '../data-access/models.ts';

export {
  type Actor,
  auditEntry,
  auditInsert as insertAudit,
  type ChangeWriter,
  commitOne,
  LostRace,
  systemActor,
  withRetries,
} from '@employment/kit';

/**
 * The guard of a change that creates a record under a natural or client-chosen id (an area code,
 * a household id from an import file, the one tracking card of a household).
 *
 * The kit takes a refused guard insert whose `_id` already exists for a replay of the same change
 * and reports it applied, which is right for ids it made itself (UUIDv7) and wrong for an id two
 * writers can both choose. So such a change starts with a claim: a document with a fresh `_id`
 * and the natural key under a unique index. A second writer's claim is refused (not "replayed"),
 * and the record itself follows as an idempotent later mutation.
 */
export function claim(key: string, at: Date): Mutation {
  const document: ClaimDocument = { _id: newId(), key, at };
  return { op: 'insert', collection: COLLECTIONS.claims, document };
}

/**
 * Makes later `$inc` updates of a change safe to replay: the kit marks every updated document with
 * the change id (`_changes`), so filtering on its absence lets a replay match nothing.
 */
export function incrementOnce(change: Change): Change {
  change.mutations.forEach((m, i) => {
    if (i > 0 && m.op === 'update' && '$inc' in m.update) {
      (m.filter as Record<string, unknown>)._changes = { $ne: change.id };
    }
  });
  return change;
}

/** 409 for a write based on a version the record no longer has. */
export function staleVersion(current: number): AppError {
  return new AppError('conflict', `the record has changed (it is at version ${current}); read it and retry`, {
    extensions: { currentVersion: current },
  });
}
