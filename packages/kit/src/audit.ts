import type { Principal } from './auth/principal.ts';
import { newId } from './messaging/events.ts';
import type { Mutation } from './messaging/outbox.ts';

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

/** Who acts: a caller over HTTP, or the service itself (a consumer, a timer). */
export interface Actor {
  principal: Principal;
  /** The request id, or the id of the event a consumer handles. */
  requestId: string | null;
}

/** The service acting on its own (timers, consumers): city-wide, every role. */
export function systemActor(clientId: string, requestId: string | null = null): Actor {
  return { principal: { clientId, subject: clientId, roles: new Set(['admin']), areas: ['*'] }, requestId };
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
