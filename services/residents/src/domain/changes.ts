import { createHash } from 'node:crypto';
import { AppError, type Actor as KitActor } from '@employment/core';
import { type Mutation, newId } from '@employment/messaging';
import { type ClaimDocument, COLLECTIONS } from '../data-access/models.ts';

export { LostRace, systemActor, withRetries } from '@employment/core';
export { auditEntry, auditInsert as insertAudit, type ChangeWriter, commitOne } from '@employment/messaging';

/**
 * Who acts. A keyed HTTP request also has its stamp (the kit's `requestStamp`: the same for every
 * attempt of the request): records it creates carry it, so a retry after a crash knows them as
 * its own and answers as a first, successful attempt would.
 */
export interface Actor extends KitActor {
  requestStamp?: string | null;
}

/** Whether a stored record was created by an earlier attempt of the actor's own request. */
export function madeBySameRequest(actor: Actor, record: { requestStamp?: string | null } | null): boolean {
  return Boolean(actor.requestStamp) && record?.requestStamp === actor.requestStamp;
}

/**
 * The id of a record a request creates under an id of its choosing: derived from the request's
 * stamp (and what tells its records apart, e.g. a row's index), so every attempt of a keyed
 * request chooses the same id and a retry finds what a crashed attempt stored; a fresh id otherwise.
 */
export function requestScopedId(actor: Actor, ...parts: Array<string | number>): string {
  if (!actor.requestStamp) return newId();
  const hex = createHash('sha256')
    .update([actor.requestStamp, ...parts].join('\n'))
    .digest('hex')
    .slice(0, 32)
    .split('');
  hex[12] = '8'; // a UUID of version 8 (custom), with the RFC 9562 variant
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

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
