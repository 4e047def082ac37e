import { AppError } from '@employment/core';
import { type Mutation, newId } from '@employment/messaging';
import { type ClaimDocument, COLLECTIONS } from '../data-access/models.ts';

export { type Actor, LostRace, systemActor, withRetries } from '@employment/core';
export { auditEntry, auditInsert as insertAudit, type ChangeWriter, commitOne } from '@employment/messaging';

/**
 * The guard of a change that creates a record under a natural or client-chosen id (an area code,
 * a household id from an import file, the one tracking card of a household).
 *
 * Such a change starts with a claim: a document with a fresh `_id` and the natural key under a
 * unique index. A second writer's claim is refused, and the record itself follows as an
 * idempotent later mutation, so the claim also names who created the record (`key` → change).
 */
export function claim(key: string, at: Date): Mutation {
  const document: ClaimDocument = { _id: newId(), key, at };
  return { op: 'insert', collection: COLLECTIONS.claims, document };
}

/** 409 for a write based on a version the record no longer has. */
export function staleVersion(current: number): AppError {
  return new AppError('conflict', `the record has changed (it is at version ${current}); read it and retry`, {
    extensions: { currentVersion: current },
  });
}
