import { areaFilter, keyCursor, type Principal, toPage } from '@employment/core';
import { AUDIT_COLLECTION, type AuditEntry } from '@employment/messaging';
import type { Router } from 'express';
import { z } from 'zod';
import { bind, type Operation, operation } from './contract.ts';

const AuditEntryView = z
  .object({
    id: z.string(),
    at: z.iso.datetime(),
    actor: z.string().meta({ description: 'The client that acted (or the service itself).' }),
    action: z.string(),
    subjectType: z.string(),
    subjectId: z.string(),
    communityCode: z.string().nullable().meta({ description: 'Null for a record bound to no area.' }),
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });

const AuditPage = z
  .object({
    items: z.array(AuditEntryView),
    nextCursor: z.string().nullable().meta({ description: 'Where the next page starts; null on the last.' }),
  })
  .meta({ id: 'AuditPage' });

const auditQuery = z.object({
  subjectId: z.string().min(1).max(100).meta({ description: 'The record whose trail is read.' }),
  limit: z.int().min(1).max(200).default(50),
  cursor: z.string().max(300).optional().meta({ description: 'The `nextCursor` of the previous page.' }),
});

export type AuditLogOperation = Operation<
  z.ZodObject<Record<never, never>>,
  typeof auditQuery,
  z.ZodUndefined
>;

/**
 * The `/v1/audit-log` operation every service serves: the trail of one record, oldest entry
 * first, a page at a time. `role` is the service's read role; `operationId` keeps a service's
 * published name.
 */
export function auditLogOperation(options: {
  tag: string;
  role: string;
  operationId?: string;
}): AuditLogOperation {
  return operation({
    method: 'get',
    path: '/v1/audit-log',
    operationId: options.operationId ?? 'listAuditEntries',
    tags: [options.tag],
    summary: 'The audit trail of a record: who did what, when, the state before and after',
    description:
      'Oldest entry first. Only entries about records in the caller’s areas, and entries about records bound to no area (e.g. an employer); the others are left out, as if they did not exist.',
    role: options.role,
    query: auditQuery,
    responses: { 200: { description: 'A page of entries, oldest first.', body: AuditPage } },
  });
}

/** What the audit log reads: the audit collection of the service's store (a driver collection). */
export interface AuditStore {
  collection(name: string): {
    find(filter: Record<string, unknown>): {
      sort(order: Record<string, 1 | -1>): { limit(count: number): { toArray(): Promise<unknown[]> } };
    };
  };
}

/**
 * The caller's part of a record's trail, as one query: entries whose community lies in the
 * caller's areas, or that have none. The scope is in the query, not a filter of its answer, so a
 * page is never cut short by entries the caller may not see (a person who moved between districts
 * has entries in both).
 */
export function auditTrailFilter(
  principal: Principal,
  subjectId: string,
  after?: string,
): Record<string, unknown> {
  const scope = areaFilter(principal);
  const ranges = '$or' in scope ? (scope.$or as object[]) : [scope];
  return {
    subjectId,
    ...(Object.keys(scope).length > 0 ? { $or: [{ communityCode: null }, ...ranges] } : {}),
    ...(after ? { _id: { $gt: after } } : {}),
  };
}

/** Serves the audit log from the service's store (`runtime.store`). */
export function bindAuditLog(router: Router, op: AuditLogOperation, store: AuditStore): void {
  const entries = store.collection(AUDIT_COLLECTION);
  bind(router, op, async ({ query, actor }) => {
    const after = keyCursor.decode(query.cursor)?.after;
    // Ids are UUIDv7: their order is the order the entries were written in.
    const rows = (await entries
      .find(auditTrailFilter(actor.principal, query.subjectId, after))
      .sort({ _id: 1 })
      .limit(query.limit + 1)
      .toArray()) as AuditEntry[];
    const page = toPage(rows, query.limit, (last) => last._id);
    return { body: { items: page.items.map(auditEntryView), nextCursor: page.nextCursor } };
  });
}

function auditEntryView(entry: AuditEntry): z.output<typeof AuditEntryView> {
  // `_changes` is the outbox's bookkeeping, not part of the entry.
  const { _id, at, _changes: _c, ...rest } = entry as AuditEntry & { _changes?: unknown };
  return { id: _id, ...rest, at: new Date(at).toISOString() };
}
