import { newId } from '@employment/messaging';
import type { AuditEntry } from '../data-access/models.ts';
import type { Caller } from './changes.ts';

/** An audit entry for a read of people's records (data access by a district system is audited). */
export function accessEntry(
  caller: Caller,
  action: string,
  subjectType: string,
  subjectId: string,
  communityCode: string | null,
  at: Date,
  details: Record<string, unknown> | null = null,
): AuditEntry {
  return {
    _id: newId(),
    at,
    actor: caller.principal.clientId,
    action,
    subjectType,
    subjectId,
    communityCode,
    before: null,
    after: details,
    requestId: caller.requestId,
  };
}
