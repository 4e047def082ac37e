import {
  HelperAssignedSchema,
  HelperUnassignedSchema,
  ServiceDeliveredSchema,
  TrackingCardOpenedSchema,
} from '@employment/contracts';
import { AppError, canAccessArea, type Principal } from '@employment/core';
import { type EventDraft, type Mutation, newId } from '@employment/messaging';
import {
  type AssignmentDocument,
  type AssignmentSlotDocument,
  COLLECTIONS,
  type HouseholdDocument,
  type ServiceDeliveryDocument,
  type TrackingCardDocument,
} from '../data-access/models.ts';
import type { ResidentsRepository } from '../data-access/residents-repository.ts';
import { type AreaRegistry, areaLevelOf } from './areas.ts';
import {
  type Actor,
  auditEntry,
  type ChangeWriter,
  claim,
  commitOne,
  insertAudit,
  LostRace,
  withRetries,
} from './changes.ts';
import { helperRoleToPb, serviceKindToPb, timestamp } from './events.ts';
import type { Households } from './households.ts';
import {
  type AssignmentTargetType,
  HELPER_TARGETS,
  type HelperRole,
  SERVICE_KINDS,
  type ServiceKind,
  type ServiceOutcome,
} from './vocabulary.ts';

export interface DeliveryInput {
  kind: ServiceKind;
  deliveredAt: string;
  deliveredBy: { name: string; staffId?: string };
  residentId?: string;
  description: string;
  outcome: ServiceOutcome;
  outcomeNote?: string;
}

export interface AssignmentInput {
  role: HelperRole;
  targetId: string;
  helper: { name: string; staffId?: string; phone?: string };
  since?: string;
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

export function toCardView(card: TrackingCardDocument) {
  return {
    id: card._id,
    householdId: card.householdId,
    communityCode: card.communityCode,
    openedAt: iso(card.openedAt),
    openedBy: card.openedBy,
    deliveries: card.counts,
    lastDeliveredAt: iso(card.lastDeliveredAt),
    version: card.version,
  };
}

export function toDeliveryView(d: ServiceDeliveryDocument) {
  return {
    id: d._id,
    cardId: d.cardId,
    householdId: d.householdId,
    residentId: d.residentId,
    communityCode: d.communityCode,
    kind: d.kind,
    deliveredAt: iso(d.deliveredAt),
    deliveredBy: d.deliveredBy,
    description: d.description,
    outcome: d.outcome,
    outcomeNote: d.outcomeNote,
    recordedBy: d.recordedBy,
    createdAt: iso(d.createdAt),
  };
}

export function toAssignmentView(a: AssignmentDocument) {
  return {
    id: a._id,
    role: a.role,
    targetType: a.targetType,
    targetId: a.targetId,
    communityCode: a.communityCode,
    helper: a.helper,
    since: iso(a.since),
    until: iso(a.until),
    current: a.until === null,
    previousAssignmentId: a.previousAssignmentId,
    assignedBy: a.assignedBy,
    endedBy: a.endedBy,
    endReason: a.endReason,
  };
}

export const trackingCardKey = (householdId: string) => `tracking-card:${householdId}`;

/** The audited state of a tracking card as it opens. */
export function trackingCardAuditView(card: TrackingCardDocument): Record<string, unknown> {
  return { cardId: card._id, openedAt: card.openedAt, openedBy: card.openedBy, counts: card.counts };
}

/** The audited record of one help delivered: what, to whom, by whom, when and how it went. */
function deliveryAuditView(d: ServiceDeliveryDocument): Record<string, unknown> {
  return {
    deliveryId: d._id,
    cardId: d.cardId,
    kind: d.kind,
    residentId: d.residentId,
    deliveredAt: d.deliveredAt,
    deliveredBy: d.deliveredBy,
    description: d.description,
    outcome: d.outcome,
    outcomeNote: d.outcomeNote,
    recordedBy: d.recordedBy,
  };
}

/** The audited state of a responsibility's term: who holds it, since when, until when and why. */
function assignmentAuditView(a: AssignmentDocument): Record<string, unknown> {
  return {
    assignmentId: a._id,
    role: a.role,
    helper: a.helper,
    since: a.since,
    until: a.until,
    previousAssignmentId: a.previousAssignmentId,
    endedBy: a.endedBy,
    endReason: a.endReason,
  };
}

/** A new tracking card for a household; its id is the household's (one card per household). */
export function newTrackingCard(
  household: HouseholdDocument,
  openedBy: string,
  at: Date,
): TrackingCardDocument {
  return {
    _id: household._id,
    householdId: household._id,
    communityCode: household.communityCode,
    openedAt: at,
    openedBy,
    counts: Object.fromEntries(SERVICE_KINDS.map((k) => [k, 0])) as Record<ServiceKind, number>,
    lastDeliveredAt: null,
    version: 1,
    updatedAt: at,
  };
}

/**
 * Opening a household's card: its claim (one card per household), its insert and audit entry, and
 * its TrackingCardOpened event, to put in any change. `openedBy` is the caller, or the registry
 * when a household's change opens it.
 */
export function openingOfCard(
  actor: Actor,
  household: HouseholdDocument,
  topic: string,
  at: Date,
  openedBy: string = actor.principal.clientId,
): { card: TrackingCardDocument; mutations: Mutation[]; event: EventDraft } {
  const card = newTrackingCard(household, openedBy, at);
  return {
    card,
    mutations: [
      claim(trackingCardKey(household._id), at),
      { op: 'insert', collection: COLLECTIONS.trackingCards, document: card },
      insertAudit(
        auditEntry(
          actor,
          'tracking-card.opened',
          { type: 'household', id: household._id, communityCode: household.communityCode },
          null,
          trackingCardAuditView(card),
          at,
        ),
      ),
    ],
    event: trackingCardOpened(topic, card),
  };
}

export function trackingCardOpened(topic: string, card: TrackingCardDocument): EventDraft {
  return {
    topic,
    subject: card.householdId,
    communityCode: card.communityCode,
    schema: TrackingCardOpenedSchema,
    payload: {
      cardId: card._id,
      householdId: card.householdId,
      communityCode: card.communityCode,
      openedAt: timestamp(card.openedAt),
      openedBy: card.openedBy,
    },
    occurredAt: card.openedAt,
  };
}

/**
 * Dynamic tracking cards (动态跟踪服务卡) with every help delivered to the door, and the "four
 * contacts, one helper" responsibilities (四包一帮) with their history.
 */
export class Tracking {
  private readonly deps: {
    repository: ResidentsRepository;
    writer: ChangeWriter;
    households: Households;
    areas: AreaRegistry;
    topic: string;
    now: () => Date;
  };

  constructor(deps: Tracking['deps']) {
    this.deps = deps;
  }

  async openCard(
    actor: Actor,
    householdId: string,
  ): Promise<{ created: boolean; card: TrackingCardDocument }> {
    const household = await this.deps.households.read(actor.principal, householdId);
    const { card, mutations, event } = openingOfCard(actor, household, this.deps.topic, this.deps.now());
    const outcome = await commitOne(this.deps.writer, this.deps.writer.change(mutations, [event]));
    if (outcome.status === 'rejected') {
      return { created: false, card: (await this.deps.repository.findCard(householdId))! };
    }
    return { created: true, card };
  }

  async readCard(principal: Principal, householdId: string): Promise<TrackingCardDocument> {
    await this.deps.households.read(principal, householdId);
    const card = await this.deps.repository.findCard(householdId);
    if (!card) throw new AppError('not-found', 'the household has no tracking card yet');
    return card;
  }

  async deliver(actor: Actor, householdId: string, input: DeliveryInput): Promise<ServiceDeliveryDocument> {
    const household = await this.deps.households.read(actor.principal, householdId);
    const card = await this.deps.repository.findCard(householdId);
    if (!card) throw new AppError('not-found', 'the household has no tracking card yet; open one first');
    if (input.residentId && !household.members.some((m) => m.residentId === input.residentId)) {
      throw new AppError('validation-failed', '/residentId: is not a member of the household', {
        errors: [{ in: 'body', pointer: '/residentId', detail: 'is not a member of the household' }],
      });
    }
    const now = this.deps.now();
    const deliveredAt = new Date(input.deliveredAt);
    if (deliveredAt.getTime() > now.getTime() + 5 * 60_000) {
      throw new AppError('validation-failed', '/deliveredAt: is in the future', {
        errors: [{ in: 'body', pointer: '/deliveredAt', detail: 'is in the future' }],
      });
    }
    const delivery: ServiceDeliveryDocument = {
      _id: newId(),
      cardId: card._id,
      householdId: household._id,
      residentId: input.residentId ?? null,
      communityCode: household.communityCode,
      kind: input.kind,
      deliveredAt,
      deliveredBy: { name: input.deliveredBy.name.trim(), staffId: input.deliveredBy.staffId ?? null },
      description: input.description.trim(),
      outcome: input.outcome,
      outcomeNote: input.outcomeNote?.trim() || null,
      recordedBy: actor.principal.clientId,
      createdAt: now,
    };
    const latest =
      !card.lastDeliveredAt || deliveredAt.getTime() > new Date(card.lastDeliveredAt).getTime()
        ? deliveredAt
        : card.lastDeliveredAt;
    const change = this.deps.writer.change(
      [
        { op: 'insert', collection: COLLECTIONS.deliveries, document: delivery },
        {
          op: 'update',
          collection: COLLECTIONS.trackingCards,
          filter: { _id: card._id },
          update: {
            $inc: { [`counts.${input.kind}`]: 1 },
            $set: { lastDeliveredAt: latest, updatedAt: now },
          },
        },
        insertAudit(
          auditEntry(
            actor,
            'service.delivered',
            { type: 'household', id: household._id, communityCode: household.communityCode },
            null,
            deliveryAuditView(delivery),
            now,
          ),
        ),
      ],
      [
        {
          topic: this.deps.topic,
          subject: household._id,
          communityCode: household.communityCode,
          schema: ServiceDeliveredSchema,
          payload: {
            deliveryId: delivery._id,
            cardId: card._id,
            householdId: household._id,
            residentId: delivery.residentId ?? '',
            communityCode: household.communityCode,
            kind: serviceKindToPb[delivery.kind],
            deliveredAt: timestamp(deliveredAt),
            deliveredBy: delivery.deliveredBy.staffId ?? delivery.deliveredBy.name,
            outcome: delivery.outcome,
            description: delivery.description,
            recordedBy: actor.principal.clientId,
          },
          occurredAt: now,
        },
      ],
    );
    await commitOne(this.deps.writer, change);
    return delivery;
  }

  async deliveries(
    principal: Principal,
    householdId: string,
    kind: ServiceKind | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<ServiceDeliveryDocument[]> {
    const card = await this.readCard(principal, householdId);
    const rows = await this.deps.repository.listDeliveries(card._id, after, kind ? limit * 4 : limit);
    return kind ? rows.filter((d) => d.kind === kind).slice(0, limit) : rows;
  }

  /** Where a responsibility is held: its type and the community code used for area scope. */
  private async target(
    principal: Principal,
    role: HelperRole,
    targetId: string,
  ): Promise<{ type: AssignmentTargetType; communityCode: string }> {
    const allowed = HELPER_TARGETS[role];
    const level = areaLevelOf(targetId);
    let type: AssignmentTargetType;
    let communityCode: string;
    if (level) {
      if (level !== 'street' && level !== 'community' && level !== 'building') {
        throw badTarget(role, allowed);
      }
      type = level;
      if (!allowed.includes(type)) throw badTarget(role, allowed);
      if (!canAccessArea(principal, targetId)) throw new AppError('not-found', 'no such area in your scope');
      if (!(await this.deps.areas.read(principal, targetId).catch(() => undefined))) {
        throw new AppError('not-found', 'no such area in your scope');
      }
      communityCode = targetId.slice(0, 12);
    } else {
      type = 'household';
      if (!allowed.includes(type)) throw badTarget(role, allowed);
      const household = await this.deps.households.read(principal, targetId);
      communityCode = household.communityCode;
    }
    return { type, communityCode };
  }

  /** Gives a responsibility to someone; whoever held it before hands over on the same day. */
  async assign(actor: Actor, input: AssignmentInput): Promise<AssignmentDocument> {
    const target = await this.target(actor.principal, input.role, input.targetId);
    const slotId = `${input.role}:${input.targetId}`;
    return withRetries(async () => {
      const now = this.deps.now();
      const since = input.since ? new Date(input.since) : now;
      const slot = await this.deps.repository.findSlot(slotId);
      const previous = slot?.currentAssignmentId
        ? await this.deps.repository.findAssignment(slot.currentAssignmentId)
        : null;
      if (previous && since.getTime() < new Date(previous.since).getTime()) {
        throw new AppError('validation-failed', '/since: is before the current holder took over', {
          errors: [{ in: 'body', pointer: '/since', detail: 'is before the current holder took over' }],
        });
      }
      const assignment: AssignmentDocument = {
        _id: newId(),
        role: input.role,
        targetType: target.type,
        targetId: input.targetId,
        communityCode: target.communityCode,
        helper: {
          name: input.helper.name.trim(),
          staffId: input.helper.staffId ?? null,
          phone: input.helper.phone ?? null,
        },
        since,
        until: null,
        previousAssignmentId: previous?._id ?? null,
        assignedBy: actor.principal.clientId,
        endedBy: null,
        endReason: null,
        createdAt: now,
      };
      const guard: Mutation[] = slot
        ? [
            {
              op: 'update',
              collection: COLLECTIONS.assignmentSlots,
              filter: { _id: slotId, version: slot.version },
              update: {
                $set: { currentAssignmentId: assignment._id, version: slot.version + 1, updatedAt: now },
              },
            },
          ]
        : [
            claim(`assignment-slot:${slotId}`, now),
            {
              op: 'insert',
              collection: COLLECTIONS.assignmentSlots,
              document: {
                _id: slotId,
                role: input.role,
                targetType: target.type,
                targetId: input.targetId,
                communityCode: target.communityCode,
                currentAssignmentId: assignment._id,
                version: 1,
                updatedAt: now,
              } as AssignmentSlotDocument,
            },
          ];
      const change = this.deps.writer.change(
        [
          ...guard,
          { op: 'insert', collection: COLLECTIONS.assignments, document: assignment },
          ...(previous
            ? [
                {
                  op: 'update' as const,
                  collection: COLLECTIONS.assignments,
                  filter: { _id: previous._id },
                  update: {
                    $set: { until: since, endedBy: actor.principal.clientId, endReason: 'replaced' },
                  },
                },
              ]
            : []),
          insertAudit(
            auditEntry(
              actor,
              'helper.assigned',
              { type: target.type, id: input.targetId, communityCode: target.communityCode },
              previous ? assignmentAuditView(previous) : null,
              {
                ...assignmentAuditView(assignment),
                ...(previous
                  ? {
                      replaced: assignmentAuditView({
                        ...previous,
                        until: since,
                        endedBy: actor.principal.clientId,
                        endReason: 'replaced',
                      }),
                    }
                  : {}),
              },
              now,
            ),
          ),
        ],
        [
          {
            topic: this.deps.topic,
            subject: input.targetId,
            communityCode: target.communityCode,
            schema: HelperAssignedSchema,
            payload: {
              assignmentId: assignment._id,
              role: helperRoleToPb[assignment.role],
              targetType: target.type,
              targetId: input.targetId,
              communityCode: target.communityCode,
              helperName: assignment.helper.name,
              helperStaffId: assignment.helper.staffId ?? '',
              since: timestamp(since),
              previousAssignmentId: previous?._id ?? '',
              assignedBy: actor.principal.clientId,
            },
            occurredAt: now,
          },
        ],
      );
      const outcome = await commitOne(this.deps.writer, change);
      if (outcome.status === 'rejected') throw new LostRace();
      return assignment;
    });
  }

  /** Ends a responsibility without a successor (e.g. the household no longer needs a helper). */
  async end(actor: Actor, assignmentId: string, reason: string): Promise<AssignmentDocument> {
    return withRetries(async () => {
      const assignment = await this.deps.repository.findAssignment(assignmentId);
      if (!assignment || !canAccessArea(actor.principal, assignment.communityCode))
        throw new AppError('not-found', 'no such assignment in your area');
      if (assignment.until) throw new AppError('conflict', 'the assignment has already ended');
      const slotId = `${assignment.role}:${assignment.targetId}`;
      const slot = await this.deps.repository.findSlot(slotId);
      if (!slot || slot.currentAssignmentId !== assignment._id) throw new LostRace();
      const now = this.deps.now();
      const change = this.deps.writer.change(
        [
          {
            op: 'update',
            collection: COLLECTIONS.assignmentSlots,
            filter: { _id: slotId, version: slot.version },
            update: { $set: { currentAssignmentId: null, version: slot.version + 1, updatedAt: now } },
          },
          {
            op: 'update',
            collection: COLLECTIONS.assignments,
            filter: { _id: assignment._id },
            update: { $set: { until: now, endedBy: actor.principal.clientId, endReason: reason } },
          },
          insertAudit(
            auditEntry(
              actor,
              'helper.unassigned',
              {
                type: assignment.targetType,
                id: assignment.targetId,
                communityCode: assignment.communityCode,
              },
              assignmentAuditView(assignment),
              assignmentAuditView({
                ...assignment,
                until: now,
                endedBy: actor.principal.clientId,
                endReason: reason,
              }),
              now,
            ),
          ),
        ],
        [
          {
            topic: this.deps.topic,
            subject: assignment.targetId,
            communityCode: assignment.communityCode,
            schema: HelperUnassignedSchema,
            payload: {
              assignmentId: assignment._id,
              role: helperRoleToPb[assignment.role],
              targetType: assignment.targetType,
              targetId: assignment.targetId,
              communityCode: assignment.communityCode,
              until: timestamp(now),
              reason,
              endedBy: actor.principal.clientId,
            },
            occurredAt: now,
          },
        ],
      );
      const outcome = await commitOne(this.deps.writer, change);
      if (outcome.status === 'rejected') throw new LostRace();
      return { ...assignment, until: now, endedBy: actor.principal.clientId, endReason: reason };
    });
  }

  async history(
    principal: Principal,
    filter: { targetId: string; role?: HelperRole },
    after: string | undefined,
    limit: number,
  ): Promise<AssignmentDocument[]> {
    const rows = await this.deps.repository.listAssignments(
      { targetId: filter.targetId, ...(filter.role ? { role: filter.role } : {}) },
      after,
      limit,
    );
    return rows.filter((a) => canAccessArea(principal, a.communityCode));
  }

  /** The "four contacts, one helper" of a household, as they stand today. */
  async contactsOf(principal: Principal, householdId: string) {
    const household = await this.deps.households.read(principal, householdId);
    const street = household.communityCode.slice(0, 9);
    const current = async (role: HelperRole, targets: string[]) => {
      for (const target of targets) {
        const slot = await this.deps.repository.findSlot(`${role}:${target}`);
        if (slot?.currentAssignmentId) {
          const a = await this.deps.repository.findAssignment(slot.currentAssignmentId);
          if (a) return toAssignmentView(a);
        }
      }
      return null;
    };
    return {
      householdId: household._id,
      streetLeader: await current('street-leader', [household.communityCode, street]),
      socialSecurityOfficer: await current('social-security-officer', [household.communityCode]),
      communityDirector: household.buildingCode
        ? await current('community-director', [household.buildingCode])
        : null,
      communityWorker: await current('community-worker', [household._id]),
      partyMemberHelper: await current('party-member-helper', [household._id]),
    };
  }
}

function badTarget(role: HelperRole, allowed: readonly AssignmentTargetType[]): AppError {
  const detail = `a ${role} is assigned to a ${allowed.join(' or ')}`;
  return new AppError('validation-failed', `/targetId: ${detail}`, {
    errors: [{ in: 'body', pointer: '/targetId', detail }],
  });
}
