import type { Actor } from '@employment/core';
import { newId } from './events.ts';
import type { Mutation } from './outbox.ts';

/** The collection every service keeps its audit trail in. */
export const AUDIT_COLLECTION = 'audit_log';

/** Who did what to which record, when, with the state before and after (never an ID number). */
export interface AuditEntry {
  _id: string;
  at: Date;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  communityCode: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
}

export interface AuditSubject {
  type: string;
  id: string;
  communityCode: string | null;
}

/** An audit entry; states are stored without the kit's bookkeeping fields. */
export function auditEntry(
  actor: Actor,
  action: string,
  subject: AuditSubject,
  before: object | null,
  after: object | null,
  at: Date = new Date(),
): AuditEntry {
  return {
    _id: newId(),
    at,
    actor: actor.principal.clientId,
    action,
    subjectType: subject.type,
    subjectId: subject.id,
    communityCode: subject.communityCode,
    before: before ? withoutBookkeeping(before) : null,
    after: after ? withoutBookkeeping(after) : null,
    requestId: actor.requestId,
  };
}

/** The audit entry as a later mutation of the change it records (idempotent: keyed by `_id`). */
export const auditInsert = (entry: AuditEntry): Mutation => ({
  op: 'insert',
  collection: AUDIT_COLLECTION,
  document: entry,
});

function withoutBookkeeping(doc: object): Record<string, unknown> {
  const { _changes: _c, ...rest } = doc as Record<string, unknown>;
  return rest;
}
