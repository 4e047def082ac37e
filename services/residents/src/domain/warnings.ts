import {
  WarningAcknowledgedSchema,
  WarningEscalatedSchema,
  WarningRaisedSchema,
  WarningResolvedSchema,
} from '@employment/contracts';
import { AppError, canAccessArea, type Principal } from '@employment/core';
import { type EventDraft, type Mutation, newId } from '@employment/messaging';
import { COLLECTIONS, type WarningDocument } from '../data-access/models.ts';
import type { ResidentsRepository } from '../data-access/residents-repository.ts';
import type { WorkingCalendar } from './calendar.ts';
import {
  type Actor,
  auditEntry,
  type ChangeWriter,
  claim,
  commitOne,
  insertAudit,
  LostRace,
  staleVersion,
  withRetries,
} from './changes.ts';
import { timestamp, warningKindToPb, warningLevelToPb } from './events.ts';
import { WARNING_LEVELS, type WarningKind, type WarningLevel } from './vocabulary.ts';

/** The area code a level of a community's warning is with. */
export function levelCode(communityCode: string, level: WarningLevel): string {
  return communityCode.slice(0, { community: 12, street: 9, district: 6, city: 4 }[level]);
}

export function nextLevel(level: WarningLevel): WarningLevel | undefined {
  return WARNING_LEVELS[WARNING_LEVELS.indexOf(level) + 1];
}

export interface RaiseWarning {
  kind: WarningKind;
  subjectType: WarningDocument['subjectType'];
  subjectId: string;
  communityCode: string;
  /** What makes this occurrence distinct (e.g. when the household's status began). */
  episode: string;
  detail: string;
  placementDueAt?: Date | null;
}

export interface WarningView {
  id: string;
  kind: WarningKind;
  subjectType: string;
  subjectId: string;
  communityCode: string;
  level: WarningLevel;
  levelCode: string;
  state: string;
  detail: string;
  raisedAt: string;
  escalateAt: string | null;
  placementDueAt: string | null;
  escalations: Array<{ from: WarningLevel; to: WarningLevel; at: string }>;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  acknowledgementNote: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: string | null;
  version: number;
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

/** The audited state of a warning as it is raised. */
function warningAuditView(w: WarningDocument): Record<string, unknown> {
  return {
    kind: w.kind,
    subjectType: w.subjectType,
    subjectId: w.subjectId,
    level: w.level,
    levelCode: w.levelCode,
    state: w.state,
    detail: w.detail,
    escalateAt: w.escalateAt,
    placementDueAt: w.placementDueAt,
    version: w.version,
  };
}

export function toWarningView(w: WarningDocument): WarningView {
  return {
    id: w._id,
    kind: w.kind,
    subjectType: w.subjectType,
    subjectId: w.subjectId,
    communityCode: w.communityCode,
    level: w.level,
    levelCode: w.levelCode,
    state: w.state,
    detail: w.detail,
    raisedAt: iso(w.raisedAt)!,
    escalateAt: iso(w.escalateAt),
    placementDueAt: iso(w.placementDueAt),
    escalations: w.escalations.map((e) => ({ ...e, at: iso(e.at)! })),
    acknowledgedAt: iso(w.acknowledgedAt),
    acknowledgedBy: w.acknowledgedBy,
    acknowledgementNote: w.acknowledgementNote,
    resolvedAt: iso(w.resolvedAt),
    resolvedBy: w.resolvedBy,
    resolution: w.resolution,
    version: w.version,
  };
}

/**
 * Early warnings (预警预报): raised when a household becomes zero-employment, when it is not placed
 * in time, when a certificate's annual check is overdue, when a placed person loses the job within
 * six months. Each is raised once per kind, subject and episode (a unique key), acknowledged and
 * resolved by people, resolved by the registry when its cause ends, and climbs one level of the
 * tree (community → street → district → city) each time it stays unresolved past its deadline.
 */
export class Warnings {
  private readonly deps: {
    repository: ResidentsRepository;
    writer: ChangeWriter;
    topic: string;
    calendar: WorkingCalendar;
    escalationWorkingDays: number;
    now: () => Date;
  };

  constructor(deps: Warnings['deps']) {
    this.deps = deps;
  }

  private event(
    w: WarningDocument,
    draft: Omit<EventDraft, 'topic' | 'subject' | 'communityCode'>,
  ): EventDraft {
    return { topic: this.deps.topic, subject: w._id, communityCode: w.communityCode, ...draft };
  }

  /**
   * A warning document, its insert, its audit entry (a later mutation) and its WarningRaised event,
   * to put in any change.
   */
  prepareRaise(
    actor: Actor,
    input: RaiseWarning,
    at: Date,
  ): { warning: WarningDocument; mutation: Mutation; audit: Mutation; event: EventDraft } {
    const warning: WarningDocument = {
      _id: newId(),
      key: `${input.kind}:${input.subjectId}:${input.episode}`,
      kind: input.kind,
      subjectType: input.subjectType,
      subjectId: input.subjectId,
      communityCode: input.communityCode,
      level: 'community',
      levelCode: input.communityCode,
      state: 'raised',
      detail: input.detail,
      raisedAt: at,
      escalateAt: this.deps.calendar.deadline(at, this.deps.escalationWorkingDays),
      placementDueAt: input.placementDueAt ?? null,
      followUpWarningId: null,
      escalations: [],
      acknowledgedAt: null,
      acknowledgedBy: null,
      acknowledgementNote: null,
      resolvedAt: null,
      resolvedBy: null,
      resolution: null,
      version: 1,
      updatedAt: at,
    };
    return {
      warning,
      mutation: { op: 'insert', collection: COLLECTIONS.warnings, document: warning },
      audit: insertAudit(
        auditEntry(
          actor,
          'warning.raised',
          { type: 'warning', id: warning._id, communityCode: warning.communityCode },
          null,
          warningAuditView(warning),
          at,
        ),
      ),
      event: this.event(warning, {
        schema: WarningRaisedSchema,
        payload: {
          warningId: warning._id,
          kind: warningKindToPb[warning.kind],
          subjectType: warning.subjectType,
          subjectId: warning.subjectId,
          communityCode: warning.communityCode,
          level: warningLevelToPb.community,
          levelCode: warning.levelCode,
          raisedAt: timestamp(at),
          escalateAt: timestamp(warning.escalateAt),
          detail: warning.detail,
        },
        occurredAt: at,
      }),
    };
  }

  /**
   * Raises a warning on its own (the insert under its unique key is the guard). When it was raised
   * before, by this replica or another, the earlier one is returned with `raised: false`.
   * `alsoApply` adds idempotent mutations to the same change.
   */
  async raise(
    actor: Actor,
    input: RaiseWarning,
    alsoApply: (warning: WarningDocument) => Mutation[] = () => [],
  ): Promise<{ raised: boolean; warning: WarningDocument | null }> {
    const at = this.deps.now();
    const { warning, mutation, audit, event } = this.prepareRaise(actor, input, at);
    const change = this.deps.writer.change([mutation, ...alsoApply(warning), audit], [event]);
    const outcome = await commitOne(this.deps.writer, change);
    if (outcome.status === 'applied') return { raised: true, warning };
    return { raised: false, warning: await this.deps.repository.warnings.findOne({ key: warning.key }) };
  }

  async read(principal: Principal, id: string): Promise<WarningDocument> {
    const warning = await this.deps.repository.findWarning(id);
    if (!warning || !canAccessArea(principal, warning.communityCode))
      throw new AppError('not-found', 'no such warning in your area');
    return warning;
  }

  async acknowledge(
    actor: Actor,
    id: string,
    input: { version: number; note?: string },
  ): Promise<WarningDocument> {
    const warning = await this.read(actor.principal, id);
    if (warning.version !== input.version) throw staleVersion(warning.version);
    if (warning.state !== 'raised') {
      throw new AppError(
        'conflict',
        `the warning is ${warning.state}; only a raised warning can be acknowledged`,
        {
          extensions: { state: warning.state },
        },
      );
    }
    const at = this.deps.now();
    const set = {
      state: 'acknowledged' as const,
      acknowledgedAt: at,
      acknowledgedBy: actor.principal.clientId,
      acknowledgementNote: input.note ?? null,
      version: warning.version + 1,
      updatedAt: at,
    };
    await this.updateOrConflict(actor, warning, set, 'warning.acknowledged', [
      this.event(warning, {
        schema: WarningAcknowledgedSchema,
        payload: {
          warningId: warning._id,
          kind: warningKindToPb[warning.kind],
          subjectId: warning.subjectId,
          communityCode: warning.communityCode,
          acknowledgedBy: actor.principal.clientId,
          note: input.note ?? '',
        },
        occurredAt: at,
      }),
    ]);
    return { ...warning, ...set };
  }

  async resolve(
    actor: Actor,
    id: string,
    input: { version: number; resolution: string },
  ): Promise<WarningDocument> {
    const warning = await this.read(actor.principal, id);
    if (warning.version !== input.version) throw staleVersion(warning.version);
    if (warning.state === 'resolved') {
      throw new AppError('conflict', 'the warning is already resolved', {
        extensions: { state: warning.state },
      });
    }
    try {
      return await this.close(actor, warning, input.resolution, false);
    } catch (err) {
      if (err instanceof LostRace) throw staleVersion(warning.version + 1);
      throw err;
    }
  }

  /** Resolves the open warnings of these kinds about a subject whose cause has ended. */
  async resolveOpen(
    actor: Actor,
    subjectId: string,
    kinds: WarningKind[],
    resolution: string,
  ): Promise<void> {
    const open = (await this.deps.repository.openWarningsOf(subjectId)).filter((w) => kinds.includes(w.kind));
    for (const w of open) {
      await withRetries(async () => {
        const current = await this.deps.repository.findWarning(w._id);
        if (!current || current.state === 'resolved') return;
        await this.close(actor, current, resolution, true);
      });
    }
  }

  private async close(
    actor: Actor,
    warning: WarningDocument,
    resolution: string,
    automatic: boolean,
  ): Promise<WarningDocument> {
    const at = this.deps.now();
    const set = {
      state: 'resolved' as const,
      resolvedAt: at,
      resolvedBy: actor.principal.clientId,
      resolution,
      escalateAt: null,
      version: warning.version + 1,
      updatedAt: at,
    };
    await this.update(actor, warning, set, 'warning.resolved', [
      this.event(warning, {
        schema: WarningResolvedSchema,
        payload: {
          warningId: warning._id,
          kind: warningKindToPb[warning.kind],
          subjectId: warning.subjectId,
          communityCode: warning.communityCode,
          resolution,
          automatic,
          resolvedBy: actor.principal.clientId,
        },
        occurredAt: at,
      }),
    ]);
    return { ...warning, ...set };
  }

  /**
   * Moves an overdue warning one level up; false when another replica did it first. The guard is a
   * claim of (warning, level), not the warning's version: FerretDB applies two concurrent updates
   * filtered by the same version both (it finds, then writes by id), while a unique insert is
   * refused for the second writer. The update then applies on top of whatever a person did to the
   * warning meanwhile (an acknowledgement), unless it was resolved.
   */
  async escalate(actor: Actor, warning: WarningDocument): Promise<boolean> {
    const to = nextLevel(warning.level);
    if (!to) return false;
    const at = this.deps.now();
    const escalateAt = nextLevel(to)
      ? this.deps.calendar.deadline(at, this.deps.escalationWorkingDays)
      : null;
    const set = { level: to, levelCode: levelCode(warning.communityCode, to), escalateAt, updatedAt: at };
    const change = this.deps.writer.change(
      [
        claim(`warning-escalation:${warning._id}:${to}`, at),
        {
          op: 'update',
          collection: COLLECTIONS.warnings,
          filter: { _id: warning._id, level: warning.level, state: { $ne: 'resolved' } },
          update: {
            $set: set,
            $inc: { version: 1 },
            $push: { escalations: { from: warning.level, to, at } },
          },
        },
        insertAudit(
          auditEntry(
            actor,
            'warning.escalated',
            { type: 'warning', id: warning._id, communityCode: warning.communityCode },
            { level: warning.level, levelCode: warning.levelCode, escalateAt: warning.escalateAt },
            set,
            at,
          ),
        ),
      ],
      [
        this.event(warning, {
          schema: WarningEscalatedSchema,
          payload: {
            warningId: warning._id,
            kind: warningKindToPb[warning.kind],
            subjectId: warning.subjectId,
            communityCode: warning.communityCode,
            fromLevel: warningLevelToPb[warning.level],
            toLevel: warningLevelToPb[to],
            levelCode: set.levelCode,
            escalateAt: timestamp(escalateAt),
          },
          occurredAt: at,
        }),
      ],
    );
    const outcome = await commitOne(this.deps.writer, change);
    return outcome.status === 'applied';
  }

  private async updateOrConflict(...args: Parameters<Warnings['update']>): Promise<void> {
    try {
      await this.update(...args);
    } catch (err) {
      if (err instanceof LostRace) throw staleVersion(args[1].version + 1);
      throw err;
    }
  }

  private async update(
    actor: Actor,
    warning: WarningDocument,
    set: Partial<WarningDocument>,
    action: string,
    events: EventDraft[],
    push?: Record<string, unknown>,
  ): Promise<void> {
    const before = Object.fromEntries(Object.keys(set).map((k) => [k, warning[k as keyof WarningDocument]]));
    const change = this.deps.writer.change(
      [
        {
          op: 'update',
          collection: COLLECTIONS.warnings,
          filter: { _id: warning._id, version: warning.version },
          update: { $set: set, ...(push ? { $push: push } : {}) },
        },
        insertAudit(
          auditEntry(
            actor,
            action,
            { type: 'warning', id: warning._id, communityCode: warning.communityCode },
            before,
            { ...set },
            set.updatedAt ?? this.deps.now(),
          ),
        ),
      ],
      events,
    );
    const outcome = await commitOne(this.deps.writer, change);
    if (outcome.status === 'rejected') throw new LostRace();
  }
}
