import { EmploymentStatusChangedSchema, ResidentProfileChangedSchema } from '@employment/contracts';
import { AppError, assertInArea, canAccessArea, type FieldProblem, type Principal } from '@employment/core';
import { ageOn } from '@employment/identifiers';
import { COLLECTIONS, type ResidentDocument, type StatusPeriod } from '../data-access/models.ts';
import type { ResidentsRepository } from '../data-access/residents-repository.ts';
import type { AreaRegistry } from './areas.ts';
import {
  type Actor,
  auditEntry,
  type ChangeWriter,
  commitOne,
  insertAudit,
  LostRace,
  madeBySameRequest,
  staleVersion,
  withRetries,
} from './changes.ts';
import { employmentStatusToPb, residentProfileChangedPayload, timestamp } from './events.ts';
import type { Households } from './households.ts';
import { checkHardship, checkStatusAge } from './registration.ts';
import { describeProblems, type Registry } from './registry.ts';
import { type ResidentView, toResidentView } from './views.ts';
import type { Education, EmploymentStatus, HardshipCategory, WorkCapacity } from './vocabulary.ts';

export interface ProfilePatch {
  version: number;
  fullName?: string;
  phone?: string | null;
  address?: string | null;
  education?: Education | null;
  workCapacity?: WorkCapacity;
  hardshipCategories?: HardshipCategory[];
  skills?: string[];
  occupation?: string | null;
  communityCode?: string;
}

export interface StatusChange {
  status: EmploymentStatus;
  /** When the new status began; default now. Not before the current status began, not in the future. */
  since?: Date;
  reason?: string;
  placementId?: string | null;
  /** The version the caller read; omitted by the service's own consumers, which read it fresh. */
  version?: number;
}

export interface StatusHistoryView {
  status: EmploymentStatus;
  since: string;
  reason: string | null;
  placementId: string | null;
  recordedBy: string;
  recordedAt: string | null;
}

/** How far in the future a status may be dated (clock differences between systems). */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

const PROFILE_FIELDS = [
  'fullName',
  'phone',
  'address',
  'education',
  'workCapacity',
  'hardshipCategories',
  'skills',
  'occupation',
  'communityCode',
] as const;

/** Changes to a registered person: the declared profile, and the employment status with its history. */
export class People {
  private readonly deps: {
    repository: ResidentsRepository;
    writer: ChangeWriter;
    registry: Registry;
    households: Households;
    areas: AreaRegistry;
    topic: string;
    now: () => Date;
  };

  constructor(deps: People['deps']) {
    this.deps = deps;
  }

  async updateProfile(actor: Actor, residentId: string, patch: ProfilePatch): Promise<ResidentView> {
    const person = await this.deps.registry.find(actor.principal, residentId);
    if (patch.version !== person.version) throw staleVersion(person.version);
    const now = this.deps.now();
    const problems: FieldProblem[] = [];
    const next: Partial<ResidentDocument> = {};
    if (patch.fullName !== undefined) next.fullName = patch.fullName.trim();
    if (patch.phone !== undefined) next.phone = patch.phone;
    if (patch.address !== undefined) next.address = patch.address?.trim() || null;
    if (patch.education !== undefined) next.education = patch.education;
    if (patch.workCapacity !== undefined) next.workCapacity = patch.workCapacity;
    if (patch.occupation !== undefined) next.occupation = patch.occupation?.trim() || null;
    if (patch.skills !== undefined)
      next.skills = [...new Set(patch.skills.map((s) => s.trim()).filter(Boolean))];
    if (patch.hardshipCategories !== undefined) {
      const checked = checkHardship(patch.hardshipCategories, person.sex, ageOn(person.birthDate, now));
      problems.push(...checked.problems);
      next.hardshipCategories = checked.categories;
    }
    if (problems.length > 0) {
      throw new AppError('validation-failed', describeProblems(problems), { errors: problems });
    }
    if (patch.communityCode !== undefined && patch.communityCode !== person.communityCode) {
      assertInArea(actor.principal, patch.communityCode);
      await this.deps.areas.requireCommunity(patch.communityCode);
      if (person.householdId) {
        throw new AppError(
          'conflict',
          `the person belongs to household ${person.householdId}; remove them from it before moving them`,
          { extensions: { householdId: person.householdId } },
        );
      }
      next.communityCode = patch.communityCode;
    }
    const changed = PROFILE_FIELDS.filter(
      (f) => f in next && JSON.stringify(next[f]) !== JSON.stringify(person[f] ?? null),
    );
    if (changed.length === 0) return toResidentView(person);

    const set = Object.fromEntries(changed.map((f) => [f, next[f]]));
    const after: ResidentDocument = {
      ...person,
      ...set,
      version: person.version + 1,
      updatedAt: now,
      updatedBy: actor.principal.clientId,
    };
    const change = this.deps.writer.change(
      [
        {
          op: 'update',
          collection: COLLECTIONS.residents,
          filter: { _id: person._id, version: person.version },
          update: {
            $set: { ...set, version: after.version, updatedAt: now, updatedBy: actor.principal.clientId },
          },
        },
        insertAudit(
          auditEntry(
            actor,
            'resident.profile-changed',
            { type: 'resident', id: person._id, communityCode: after.communityCode },
            Object.fromEntries(changed.map((f) => [f, person[f] ?? null])),
            { ...set, version: after.version },
            now,
          ),
        ),
      ],
      [
        {
          topic: this.deps.topic,
          subject: person._id,
          communityCode: after.communityCode,
          schema: ResidentProfileChangedSchema,
          payload: residentProfileChangedPayload(
            after,
            person.communityCode,
            changed,
            actor.principal.clientId,
          ),
          occurredAt: now,
        },
      ],
    );
    const outcome = await commitOne(this.deps.writer, change);
    if (outcome.status === 'rejected') throw staleVersion(person.version + 1);
    if (after.householdId && (changed.includes('workCapacity') || changed.includes('fullName'))) {
      await this.deps.households.syncMember(actor, after.householdId, after, 'member-capacity', now);
    }
    return toResidentView(after);
  }

  /**
   * Records a new employment status with when it began, keeps the history, and brings the
   * person's household up to date (which may make it zero-employment, or end that).
   */
  async changeStatus(actor: Actor, residentId: string, input: StatusChange): Promise<ResidentView> {
    const now = this.deps.now();
    const since = input.since ?? now;
    if (since.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
      throw invalidField('/since', 'is in the future');
    }
    const attempt = async (): Promise<{ after: ResidentDocument; changed: boolean; since: Date }> => {
      const person = await this.deps.registry.find(actor.principal, residentId);
      const last = person.statusHistory.at(-1);
      if (last && madeBySameRequest(actor, last)) {
        // Recorded by an earlier attempt of this request: its answer (and its household's step).
        return { after: person, changed: true, since: new Date(last.since) };
      }
      if (input.version !== undefined && input.version !== person.version) throw staleVersion(person.version);
      const ageProblem = checkStatusAge(input.status, ageOn(person.birthDate, now), '/status');
      if (ageProblem)
        throw new AppError('validation-failed', describeProblems([ageProblem]), { errors: [ageProblem] });
      const currentSince = currentStatusSince(person);
      if (since.getTime() < currentSince.getTime()) {
        throw invalidField(
          '/since',
          `is before the current status began (${currentSince.toISOString()}); statuses are recorded in order`,
        );
      }
      const placementId = input.placementId ?? null;
      if (person.employmentStatus === input.status && (person.placementId ?? null) === placementId) {
        return { after: person, changed: false, since };
      }
      if (placementId && placementId !== person.placementId)
        await this.requirePlacement(actor, placementId, person);
      const period: StatusPeriod = {
        status: input.status,
        since,
        reason: input.reason ?? null,
        placementId,
        recordedBy: actor.principal.clientId,
        recordedAt: now,
        ...(actor.requestStamp ? { requestStamp: actor.requestStamp } : {}),
      };
      const after: ResidentDocument = {
        ...person,
        employmentStatus: input.status,
        statusSince: since,
        placementId,
        statusHistory: [...person.statusHistory, period],
        version: person.version + 1,
        updatedAt: now,
        updatedBy: actor.principal.clientId,
      };
      const change = this.deps.writer.change(
        [
          {
            op: 'update',
            collection: COLLECTIONS.residents,
            filter: { _id: person._id, version: person.version },
            update: {
              $set: {
                employmentStatus: input.status,
                statusSince: since,
                placementId,
                version: after.version,
                updatedAt: now,
                updatedBy: actor.principal.clientId,
              },
              $push: { statusHistory: period },
            },
          },
          insertAudit(
            auditEntry(
              actor,
              'resident.employment-status-changed',
              { type: 'resident', id: person._id, communityCode: person.communityCode },
              {
                employmentStatus: person.employmentStatus,
                statusSince: currentSince,
                placementId: person.placementId ?? null,
                version: person.version,
              },
              {
                employmentStatus: input.status,
                statusSince: since,
                placementId,
                reason: period.reason,
                version: after.version,
              },
              now,
            ),
          ),
        ],
        [
          {
            topic: this.deps.topic,
            subject: person._id,
            communityCode: person.communityCode,
            schema: EmploymentStatusChangedSchema,
            payload: {
              residentId: person._id,
              communityCode: person.communityCode,
              householdId: person.householdId ?? '',
              previousStatus: employmentStatusToPb[person.employmentStatus],
              status: employmentStatusToPb[input.status],
              since: timestamp(since),
              reason: input.reason ?? '',
              placementId: placementId ?? '',
              version: after.version,
            },
            occurredAt: now,
          },
        ],
      );
      const outcome = await commitOne(this.deps.writer, change);
      if (outcome.status === 'rejected') {
        if (input.version !== undefined) throw staleVersion(person.version + 1);
        throw new LostRace();
      }
      return { after, changed: true, since };
    };
    const done = input.version === undefined ? await withRetries(attempt) : await attempt();
    const { after, changed } = done;
    if (changed && after.householdId) {
      await this.deps.households.syncMember(actor, after.householdId, after, 'member-status', done.since);
    }
    return toResidentView(after);
  }

  /**
   * A placement a status cites must be one the caller may see (404 otherwise, as reading it in
   * jobs would answer) and the person's own: the registry knows placements from jobs' PlacementMade.
   */
  private async requirePlacement(actor: Actor, placementId: string, person: ResidentDocument): Promise<void> {
    const placement = await this.deps.repository.findPlacement(placementId);
    if (!placement || !canAccessArea(actor.principal, placement.communityCode))
      throw new AppError('not-found', 'no such placement in your area');
    if (placement.residentId !== person._id)
      throw invalidField('/placementId', 'is a placement of another person');
  }

  async history(principal: Principal, residentId: string): Promise<StatusHistoryView[]> {
    const person = await this.deps.registry.find(principal, residentId);
    return person.statusHistory.map((p) => ({
      status: p.status,
      since: new Date(p.since).toISOString(),
      reason: p.reason ?? null,
      placementId: p.placementId ?? null,
      recordedBy: p.recordedBy,
      recordedAt: p.recordedAt ? new Date(p.recordedAt).toISOString() : null,
    }));
  }
}

export function currentStatusSince(person: ResidentDocument): Date {
  return new Date(person.statusSince ?? person.statusHistory.at(-1)?.since ?? person.createdAt);
}

function invalidField(pointer: string, detail: string): AppError {
  return new AppError('validation-failed', `${pointer}: ${detail}`, {
    errors: [{ in: 'body', pointer, detail }],
  });
}
