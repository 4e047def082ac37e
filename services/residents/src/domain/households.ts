import {
  HouseholdRegisteredSchema,
  HouseholdStatusChangedSchema,
  ResidentProfileChangedSchema,
} from '@employment/contracts';
import {
  AppError,
  assertInArea,
  canAccessArea,
  type FieldProblem,
  type Principal,
  type Problem,
} from '@employment/core';
import { type Change, type EventDraft, type Mutation, newId } from '@employment/messaging';
import {
  type AuditEntry,
  COLLECTIONS,
  type HouseholdDocument,
  type HouseholdMemberFacts,
  type ResidentDocument,
} from '../data-access/models.ts';
import type { ResidentsRepository } from '../data-access/residents-repository.ts';
import { type AreaRegistry, rowProblem } from './areas.ts';
import { chinaDate, type WorkingCalendar } from './calendar.ts';
import {
  type Actor,
  auditEntry,
  type ChangeWriter,
  claim,
  commitOne,
  insertAudit,
  LostRace,
  madeBySameRequest,
  requestScopedId,
  systemActor,
  withRetries,
} from './changes.ts';
import { householdStatusChangedPayload, relationToPb, residentProfileChangedPayload } from './events.ts';
import {
  applyMemberFact,
  countsForEmployment,
  deriveHouseholdStatus,
  type Membership,
} from './household-status.ts';
import { type AcceptedRegistration, checkRegistration, type RegistrationInput } from './registration.ts';
import { describeProblems, type Registry } from './registry.ts';
import { openingOfCard } from './tracking.ts';
import type { HouseholdRelation } from './vocabulary.ts';
import type { Warnings } from './warnings.ts';

export interface HouseholdView {
  id: string;
  communityCode: string;
  buildingCode: string | null;
  address: string | null;
  members: Array<{
    residentId: string;
    fullName: string;
    relation: HouseholdRelation;
    employmentStatus: string;
    workCapacity: string;
    /** Of working age and able to work: counts for the household's employment status. */
    countsForEmployment: boolean;
  }>;
  zeroEmployment: boolean;
  doubleUnemployed: boolean;
  statusSince: string;
  placementDueAt: string | null;
  statusHistory: Array<{
    zeroEmployment: boolean;
    doubleUnemployed: boolean;
    since: string;
    version: number;
    reason: string;
  }>;
  surveyedYears: number[];
  lastSurveyedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

export function toHouseholdView(h: HouseholdDocument, today: string): HouseholdView {
  return {
    id: h._id,
    communityCode: h.communityCode,
    buildingCode: h.buildingCode,
    address: h.address,
    members: h.members.map((m) => ({
      residentId: m.residentId,
      fullName: m.fullName,
      relation: m.relation,
      employmentStatus: m.employmentStatus,
      workCapacity: m.workCapacity,
      countsForEmployment: countsForEmployment(m, today),
    })),
    zeroEmployment: h.status.zeroEmployment,
    doubleUnemployed: h.status.doubleUnemployed,
    statusSince: iso(h.status.since)!,
    placementDueAt: iso(h.status.placementDueAt),
    statusHistory: h.statusHistory.map((p) => ({
      zeroEmployment: p.zeroEmployment,
      doubleUnemployed: p.doubleUnemployed,
      since: iso(p.since)!,
      version: p.version,
      reason: p.reason,
    })),
    surveyedYears: h.surveyedYears,
    lastSurveyedAt: iso(h.lastSurveyedAt),
    version: h.version,
    createdAt: iso(h.createdAt)!,
    updatedAt: iso(h.updatedAt)!,
  };
}

export function memberFacts(person: ResidentDocument): HouseholdMemberFacts {
  return {
    residentId: person._id,
    fullName: person.fullName,
    relation: person.householdRelation ?? 'other',
    sex: person.sex,
    birthDate: person.birthDate,
    employmentStatus: person.employmentStatus,
    workCapacity: person.workCapacity,
    version: person.version,
  };
}

export interface HouseholdInput {
  id?: string;
  communityCode: string;
  buildingCode?: string;
  address?: string;
}

type MemberRow = Omit<RegistrationInput, 'communityCode' | 'householdId' | 'householdRelation'> & {
  relation: HouseholdRelation;
};

export interface HouseholdImportRow extends HouseholdInput {
  members: MemberRow[];
}

export type MemberResult =
  | { index: number; status: 'created'; residentId: string }
  | { index: number; status: 'linked'; residentId: string }
  | { index: number; status: 'duplicate'; residentId?: string; problem: Problem }
  | { index: number; status: 'invalid'; problem: Problem };

export type HouseholdRowResult =
  | { index: number; status: 'created' | 'duplicate'; householdId: string; members: MemberResult[] }
  | {
      index: number;
      status: 'invalid' | 'forbidden' | 'conflict';
      householdId?: string;
      problem: Problem;
      members?: MemberResult[];
    };

export interface HouseholdBatchResult {
  summary: {
    received: number;
    created: number;
    duplicate: number;
    /** Rows naming a household that exists and is not theirs to add to (409, as POST /v1/households answers). */
    conflict: number;
    invalid: number;
    forbidden: number;
    people: { created: number; linked: number; duplicate: number; invalid: number };
  };
  results: HouseholdRowResult[];
}

const RESOLUTIONS: Record<string, string> = {
  'member-status': 'a member of working age found work',
  'member-joined': 'a working member joined the household',
  'member-left': 'the household no longer has a member looking for work',
  'member-capacity': 'the members able to work changed',
};

/**
 * Households (家庭/户): members and relations, and the status derived from the members on every
 * change of one: zero-employment (零就业家庭) and double-unemployed couple (双失业). The household
 * keeps each member's facts (with the person's version), so a status is derived without reading
 * the members, and a fact older than the one held never overwrites it.
 */
export class Households {
  private readonly deps: {
    repository: ResidentsRepository;
    writer: ChangeWriter;
    areas: AreaRegistry;
    registry: Registry;
    warnings: Warnings;
    calendar: WorkingCalendar;
    topic: string;
    placementWorkingDays: number;
    checkImportRow: (row: unknown, pointerPrefix?: string) => FieldProblem[];
    maxPeoplePerBatch: number;
    now: () => Date;
  };

  constructor(deps: Households['deps']) {
    this.deps = deps;
  }

  view(h: HouseholdDocument): HouseholdView {
    return toHouseholdView(h, chinaDate(this.deps.now()));
  }

  async read(principal: Principal, id: string): Promise<HouseholdDocument> {
    const household = await this.deps.repository.findHousehold(id);
    if (!household || !canAccessArea(principal, household.communityCode))
      throw new AppError('not-found', 'no such household in your area');
    return household;
  }

  /** A new household without members (people join it one by one, or come with a batch import). */
  private newHousehold(
    actor: Actor,
    input: HouseholdInput,
    members: HouseholdMemberFacts[],
  ): HouseholdDocument {
    const now = this.deps.now();
    const derived = deriveHouseholdStatus(members, chinaDate(now));
    const status = {
      ...derived,
      since: now,
      placementDueAt: derived.zeroEmployment
        ? this.deps.calendar.deadline(now, this.deps.placementWorkingDays)
        : null,
    };
    return {
      _id: input.id ?? newId(),
      communityCode: input.communityCode,
      buildingCode: input.buildingCode ?? null,
      address: input.address?.trim() || null,
      members,
      departed: [],
      status,
      statusHistory: [{ ...status, version: 1, reason: 'registered' }],
      surveyedYears: [],
      lastSurveyedAt: null,
      version: 1,
      createdAt: now,
      createdBy: actor.principal.clientId,
      updatedAt: now,
      ...(actor.requestStamp ? { requestStamp: actor.requestStamp } : {}),
    };
  }

  /** The insert of a new household with its events (and its warning, if it starts zero-employment). */
  private prepareCreation(actor: Actor, household: HouseholdDocument): Change {
    const mutations: Mutation[] = [
      claim(`household:${household._id}`, household.createdAt),
      { op: 'insert', collection: COLLECTIONS.households, document: household },
      insertAudit(
        auditEntry(
          actor,
          'household.registered',
          { type: 'household', id: household._id, communityCode: household.communityCode },
          null,
          householdAuditView(household),
          household.createdAt,
        ),
      ),
    ];
    const events: EventDraft[] = [
      {
        topic: this.deps.topic,
        subject: household._id,
        communityCode: household.communityCode,
        schema: HouseholdRegisteredSchema,
        payload: {
          householdId: household._id,
          communityCode: household.communityCode,
          buildingCode: household.buildingCode ?? '',
          members: household.members.map((m) => ({
            residentId: m.residentId,
            relation: relationToPb[m.relation],
          })),
          registeredBy: actor.principal.clientId,
        },
        occurredAt: household.createdAt,
      },
      {
        topic: this.deps.topic,
        subject: household._id,
        communityCode: household.communityCode,
        schema: HouseholdStatusChangedSchema,
        payload: householdStatusChangedPayload(
          household,
          { zeroEmployment: false, doubleUnemployed: false },
          'registered',
        ),
        occurredAt: household.createdAt,
      },
    ];
    if (household.status.zeroEmployment) {
      this.addZeroEmploymentWarning(actor, household, mutations, events);
      this.addTrackingCard(actor, household, mutations, events);
    }
    return this.deps.writer.change(mutations, events);
  }

  private addZeroEmploymentWarning(
    actor: Actor,
    household: HouseholdDocument,
    mutations: Mutation[],
    events: EventDraft[],
  ) {
    const raised = this.deps.warnings.prepareRaise(
      actor,
      {
        kind: 'zero-employment-household',
        subjectType: 'household',
        subjectId: household._id,
        communityCode: household.communityCode,
        episode: String(household.status.since.getTime()),
        detail: `no member of working age able to work is employed (${household.members.length} member(s))`,
        placementDueAt: household.status.placementDueAt,
      },
      household.updatedAt,
    );
    mutations.push(raised.mutation, raised.audit);
    events.push(raised.event);
  }

  /** Every family in need gets a tracking card (动态跟踪服务卡): opened when it becomes zero-employment. */
  private addTrackingCard(
    actor: Actor,
    household: HouseholdDocument,
    mutations: Mutation[],
    events: EventDraft[],
  ) {
    // Opened by the registry itself, in the change the caller made.
    const opening = openingOfCard(actor, household, this.deps.topic, household.updatedAt, 'residents');
    mutations.push(...opening.mutations);
    events.push(opening.event);
  }

  async create(
    actor: Actor,
    input: HouseholdInput & { members?: Array<{ residentId: string; relation: HouseholdRelation }> },
  ): Promise<HouseholdDocument> {
    assertInArea(actor.principal, input.communityCode);
    await this.deps.areas.requireCommunity(input.communityCode);
    if (input.buildingCode) await this.deps.areas.requireBuilding(input.buildingCode, input.communityCode);
    const heads = (input.members ?? []).filter((m) => m.relation === 'head').length;
    if (heads > 1) throw invalid('/members', 'a household has one head (户主)');
    // Without an id of the caller's, a keyed request chooses the same one on every attempt.
    const household = this.newHousehold(
      actor,
      { ...input, id: input.id ?? requestScopedId(actor, 'household') },
      [],
    );
    const outcome = await commitOne(this.deps.writer, this.prepareCreation(actor, household));
    let current = household;
    if (outcome.status === 'rejected') {
      const existing = await this.deps.repository.findHousehold(household._id);
      // An earlier attempt of this request created it: go on as that attempt would have.
      if (!existing || !madeBySameRequest(actor, existing)) {
        throw new AppError('conflict', `household ${household._id} already exists`, {
          extensions: { householdId: household._id },
        });
      }
      current = existing;
    }
    for (const [i, member] of (input.members ?? []).entries()) {
      current = await this.addMember(actor, household._id, member, `/members/${i}`).catch((err: AppError) => {
        throw new AppError(
          err.problem,
          `member ${i}: ${err.message}; the household ${household._id} was created`,
          {
            ...(err.errors ? { errors: err.errors } : {}),
            extensions: { ...err.extensions, householdId: household._id },
          },
        );
      });
    }
    return current;
  }

  /** Checks that a person being registered may join a household (it exists, same community, one head). */
  async checkJoin(
    principal: Principal,
    householdId: string,
    communityCode: string,
    relation: HouseholdRelation,
  ): Promise<void> {
    const household = await this.deps.repository.findHousehold(householdId);
    if (!household || !canAccessArea(principal, household.communityCode))
      throw invalid('/householdId', 'no such household in your area');
    if (household.communityCode !== communityCode)
      throw invalid('/householdId', `the household belongs to community ${household.communityCode}`);
    if (relation === 'head' && household.members.some((m) => m.relation === 'head'))
      throw invalid('/householdRelation', 'the household already has a head (户主)');
  }

  async addMember(
    actor: Actor,
    householdId: string,
    input: { residentId: string; relation: HouseholdRelation },
    pointer = '',
  ): Promise<HouseholdDocument> {
    return withRetries(async () => {
      const household = await this.read(actor.principal, householdId);
      const person = await this.deps.registry.find(actor.principal, input.residentId).catch(() => {
        throw invalid(`${pointer}/residentId`, 'no such resident in your area');
      });
      if (person.householdId === household._id && person.householdRelation === input.relation) {
        return (
          (await this.syncMember(actor, household._id, person, 'member-joined', this.deps.now())) ?? household
        );
      }
      if (person.householdId && person.householdId !== household._id) {
        throw new AppError(
          'conflict',
          `the person belongs to household ${person.householdId}; remove them there first`,
          {
            extensions: { householdId: person.householdId },
          },
        );
      }
      if (person.communityCode !== household.communityCode) {
        throw new AppError(
          'unprocessable',
          `the person lives in community ${person.communityCode}, the household in ${household.communityCode}`,
        );
      }
      if (
        input.relation === 'head' &&
        household.members.some((m) => m.relation === 'head' && m.residentId !== person._id)
      ) {
        throw invalid(`${pointer}/relation`, 'the household already has a head (户主)');
      }
      const updated = await this.changeMembershipOfPerson(actor, person, household._id, input.relation);
      return (
        (await this.syncMember(actor, household._id, updated, 'member-joined', updated.updatedAt)) ??
        household
      );
    });
  }

  async removeMember(actor: Actor, householdId: string, residentId: string): Promise<HouseholdDocument> {
    return withRetries(async () => {
      const household = await this.read(actor.principal, householdId);
      const person = await this.deps.registry.find(actor.principal, residentId);
      if (person.householdId !== household._id) {
        throw new AppError('not-found', 'the person is not a member of this household');
      }
      const updated = await this.changeMembershipOfPerson(actor, person, null, null);
      return (
        (await this.syncMember(actor, household._id, updated, 'member-left', updated.updatedAt)) ?? household
      );
    });
  }

  /** The person's side of joining or leaving: version-guarded, announced as ResidentProfileChanged. */
  private async changeMembershipOfPerson(
    actor: Actor,
    person: ResidentDocument,
    householdId: string | null,
    relation: HouseholdRelation | null,
  ): Promise<ResidentDocument> {
    const now = this.deps.now();
    const after: ResidentDocument = {
      ...person,
      householdId,
      householdRelation: relation,
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
              householdId,
              householdRelation: relation,
              version: after.version,
              updatedAt: now,
              updatedBy: actor.principal.clientId,
            },
          },
        },
        insertAudit(
          auditEntry(
            actor,
            householdId ? 'resident.joined-household' : 'resident.left-household',
            { type: 'resident', id: person._id, communityCode: person.communityCode },
            { householdId: person.householdId, householdRelation: person.householdRelation ?? null },
            { householdId, householdRelation: relation },
            now,
          ),
        ),
      ],
      [
        {
          topic: this.deps.topic,
          subject: person._id,
          communityCode: person.communityCode,
          schema: ResidentProfileChangedSchema,
          payload: residentProfileChangedPayload(
            after,
            person.communityCode,
            ['householdId', 'householdRelation'],
            actor.principal.clientId,
            person.householdId,
          ),
          occurredAt: now,
        },
      ],
    );
    const outcome = await commitOne(this.deps.writer, change);
    if (outcome.status === 'rejected') throw new LostRace();
    return after;
  }

  /**
   * Brings a household up to date with one person's facts (joined, left, status or capacity
   * changed) and derives its status again; a new version, announced as HouseholdStatusChanged,
   * only if something changed. `at` is when the change began (e.g. a job's start), used as the
   * start of a new status. Safe to call again with the same facts: nothing happens.
   */
  syncMember(
    actor: Actor,
    householdId: string,
    person: ResidentDocument,
    reason: string,
    at: Date,
  ): Promise<HouseholdDocument | undefined> {
    return this.sync(actor, householdId, person, () => ({ reason, at }));
  }

  /**
   * The household follower's repair, after a crash between a person's write and their household's:
   * the household is brought up to date exactly as the request that changed the person does it,
   * with the reason, start and actor that request uses, all read from the person and the household
   * as they are now. So whichever of the two gets there first, the household's new version and
   * the warnings it resolves are the same (the follower may be handling an older event of the
   * person while that request is still applying a newer change).
   */
  follow(
    eventId: string,
    householdId: string,
    person: ResidentDocument,
  ): Promise<HouseholdDocument | undefined> {
    const actor = systemActor(person.updatedBy ?? person.createdBy, eventId);
    return this.sync(actor, householdId, person, (household) => changeOfMember(household, person));
  }

  private async sync(
    actor: Actor,
    householdId: string,
    person: ResidentDocument,
    decide: (household: HouseholdDocument) => { reason: string; at: Date },
  ): Promise<HouseholdDocument | undefined> {
    let resolvedBecause: string | undefined;
    const result = await withRetries(async () => {
      resolvedBecause = undefined;
      const household = await this.deps.repository.findHousehold(householdId);
      if (!household) return undefined;
      const next = applyMemberFact(
        { members: household.members, departed: household.departed ?? [] },
        memberFacts(person),
        person.householdId === household._id,
      );
      if (!next) {
        // The facts are in already (the follower, or an earlier attempt, wrote them). If that
        // change ended zero-employment, its warnings are resolved here too, as they would have
        // been: the writer that got there first may still be resolving them, or have died first.
        resolvedBecause = endOfZeroEmployment(household);
        return household;
      }
      const { reason, at } = decide(household);
      const becomesZero =
        !household.status.zeroEmployment &&
        deriveHouseholdStatus(next.members, chinaDate(this.deps.now())).zeroEmployment;
      const openCard = becomesZero && !(await this.deps.repository.findCard(household._id));
      const { after, change } = this.prepareVersion(actor, household, next, reason, at, openCard);
      const outcome = await commitOne(this.deps.writer, change);
      if (outcome.status === 'rejected') throw new LostRace();
      if (household.status.zeroEmployment && !after.status.zeroEmployment) resolvedBecause = reason;
      return after;
    });
    if (resolvedBecause && result) {
      await this.deps.warnings.resolveOpen(
        actor,
        result._id,
        ['zero-employment-household', 'zero-employment-not-placed'],
        RESOLUTIONS[resolvedBecause] ?? 'the household is no longer zero-employment',
      );
    }
    return result;
  }

  private prepareVersion(
    actor: Actor,
    household: HouseholdDocument,
    membership: Membership,
    reason: string,
    at: Date,
    openCard: boolean,
  ): { after: HouseholdDocument; change: Change } {
    const now = this.deps.now();
    const derived = deriveHouseholdStatus(membership.members, chinaDate(now));
    const before = household.status;
    const statusChanged =
      derived.zeroEmployment !== before.zeroEmployment ||
      derived.doubleUnemployed !== before.doubleUnemployed;
    // A status cannot begin before the one it follows: the household's statuses stay in order.
    const since = statusChanged
      ? new Date(Math.max(at.getTime(), new Date(before.since).getTime()))
      : before.since;
    const becameZero = derived.zeroEmployment && !before.zeroEmployment;
    const placementDueAt = derived.zeroEmployment
      ? becameZero
        ? this.deps.calendar.deadline(since, this.deps.placementWorkingDays)
        : before.placementDueAt
      : null;
    const status = { ...derived, since, placementDueAt };
    const version = household.version + 1;
    const after: HouseholdDocument = {
      ...household,
      ...membership,
      status,
      statusHistory: statusChanged
        ? [...household.statusHistory, { ...status, version, reason }]
        : household.statusHistory,
      version,
      updatedAt: now,
    };
    const mutations: Mutation[] = [
      {
        op: 'update',
        collection: COLLECTIONS.households,
        filter: { _id: household._id, version: household.version },
        update: {
          $set: {
            members: membership.members,
            departed: membership.departed,
            status,
            version,
            updatedAt: now,
          },
          ...(statusChanged ? { $push: { statusHistory: { ...status, version, reason } } } : {}),
        },
      },
      insertAudit(
        auditEntry(
          actor,
          `household.${reason}`,
          { type: 'household', id: household._id, communityCode: household.communityCode },
          householdAuditView(household),
          householdAuditView(after),
          now,
        ),
      ),
    ];
    const events: EventDraft[] = [
      {
        topic: this.deps.topic,
        subject: household._id,
        communityCode: household.communityCode,
        schema: HouseholdStatusChangedSchema,
        payload: householdStatusChangedPayload(after, before, reason),
        occurredAt: statusChanged ? since : now,
      },
    ];
    if (becameZero) this.addZeroEmploymentWarning(actor, after, mutations, events);
    if (becameZero && openCard) this.addTrackingCard(actor, after, mutations, events);
    return { after, change: this.deps.writer.change(mutations, events) };
  }

  /**
   * Registers households with their members in one go, for survey teams and district systems:
   * people first (each row checked on its own), then each household with the members that were
   * stored. A household with a bad member is refused whole, so no household is stored with part
   * of its people. Every row gets what the single requests would enforce: a household id that
   * exists already is refused as POST /v1/households refuses it (409), unless it is a rerun into
   * the caller's own household of that community, whose new people then join it under the rules
   * of POST /v1/households/{id}/members (one head); a rerun links the people a first, interrupted
   * run already stored. A retry of a keyed request answers what its first attempt stored as
   * `created`.
   */
  async registerBatch(actor: Actor, rows: unknown[]): Promise<HouseholdBatchResult> {
    const now = this.deps.now();
    const people = rows.reduce<number>(
      (n, r) =>
        n +
        (Array.isArray((r as { members?: unknown[] })?.members)
          ? (r as { members: unknown[] }).members.length
          : 0),
      0,
    );
    if (people > this.deps.maxPeoplePerBatch) {
      throw invalid(
        '/households',
        `the batch carries ${people} people; at most ${this.deps.maxPeoplePerBatch}`,
      );
    }
    const results: (HouseholdRowResult | undefined)[] = rows.map(() => undefined);
    const seenPeople = new Map<string, string>();
    const seenHouseholds = new Set<string>();
    interface PlannedMember {
      index: number;
      registration: AcceptedRegistration;
      change: Change;
      resident: ResidentDocument;
      /** Decided before anything is written (a rerun's people already registered): no write. */
      result?: MemberResult;
    }
    interface Planned {
      index: number;
      input: HouseholdImportRow & { id: string };
      members: PlannedMember[];
      /** The caller's own household a rerun adds to; absent when the row creates its household. */
      rerunOf?: HouseholdDocument;
    }
    let planned: Planned[] = [];
    const refusals: AuditEntry[] = [];

    const unknownCommunities = new Set<string>();
    for (const row of rows as HouseholdImportRow[]) {
      if (row && typeof row.communityCode === 'string' && !this.deps.areas.knownCommunity(row.communityCode))
        unknownCommunities.add(row.communityCode);
    }
    for (const code of unknownCommunities) {
      if (/^\d{12}$/.test(code)) await this.deps.areas.requireCommunity(code).catch(() => undefined);
    }

    rows.forEach((raw, index) => {
      const schema = this.deps.checkImportRow(raw, '');
      if (schema.length > 0) {
        results[index] = { index, status: 'invalid', problem: rowProblem('validation-failed', 400, schema) };
        return;
      }
      const row = raw as HouseholdImportRow;
      // Without an id of the file's, a keyed request chooses the same one for a row on every attempt.
      const id = row.id ?? requestScopedId(actor, 'household', index);
      if (!canAccessArea(actor.principal, row.communityCode)) {
        results[index] = {
          index,
          householdId: id,
          status: 'forbidden',
          problem: rowProblem(
            'forbidden',
            403,
            [],
            `community ${row.communityCode} lies outside this client's area`,
          ),
        };
        return;
      }
      const problems: FieldProblem[] = [];
      if (!this.deps.areas.knownCommunity(row.communityCode))
        problems.push({
          in: 'body',
          pointer: '/communityCode',
          detail: `${row.communityCode} is not a community of the area tree`,
        });
      if (row.buildingCode && !this.deps.areas.knownBuilding(row.buildingCode, row.communityCode))
        problems.push({
          in: 'body',
          pointer: '/buildingCode',
          detail: `is not a building (楼院) of community ${row.communityCode}`,
        });
      if (row.members.filter((m) => m.relation === 'head').length > 1)
        problems.push({ in: 'body', pointer: '/members', detail: 'a household has one head (户主)' });
      if (seenHouseholds.has(id))
        problems.push({ in: 'body', pointer: '/id', detail: 'repeats an earlier row of this batch' });
      const memberResults: MemberResult[] = [];
      const members: PlannedMember[] = [];
      row.members.forEach((member, m) => {
        const { relation, ...person } = member;
        const checked = checkRegistration(
          { ...person, communityCode: row.communityCode, householdId: id, householdRelation: relation },
          now,
        );
        if (!checked.ok) {
          const located = checked.problems.map((p) => ({ ...p, pointer: `/members/${m}${p.pointer}` }));
          problems.push(...located);
          memberResults.push({
            index: m,
            status: 'invalid',
            problem: rowProblem('validation-failed', 400, located),
          });
          return;
        }
        members.push({
          index: m,
          registration: checked.registration,
          ...this.deps.registry.prepare(actor, checked.registration),
        });
      });
      if (problems.length > 0) {
        results[index] = {
          index,
          householdId: id,
          status: 'invalid',
          problem: rowProblem('validation-failed', 400, problems),
          members: memberResults,
        };
        return;
      }
      // The same person twice in the batch: the household is refused, so none is stored half.
      const here = new Map<string, number>();
      const repeated = members.find((m) => {
        const again = seenPeople.has(m.resident.idHash) || here.has(m.resident.idHash);
        if (!here.has(m.resident.idHash)) here.set(m.resident.idHash, m.index);
        return again;
      });
      if (repeated) {
        results[index] = {
          index,
          householdId: id,
          status: 'invalid',
          problem: rowProblem('validation-failed', 400, [
            {
              in: 'body',
              pointer: `/members/${repeated.index}/nationalId`,
              detail: seenPeople.has(repeated.resident.idHash)
                ? `the same person is in household row ${seenPeople.get(repeated.resident.idHash)} of this batch`
                : `the same person is member ${here.get(repeated.resident.idHash)} of this household`,
            },
          ]),
        };
        return;
      }
      for (const m of members) seenPeople.set(m.resident.idHash, String(index));
      seenHouseholds.add(id);
      planned.push({ index, input: { ...row, id }, members });
    });

    // Households the rows name that exist already (an equality lookup each), decided before
    // anything is written: someone else's household (another area's included) is refused as the
    // single request refuses it; the caller's own household of the row's community is a rerun.
    await Promise.all(
      planned.map(async (plan) => {
        const existing = await this.deps.repository.findHousehold(plan.input.id);
        if (!existing || madeBySameRequest(actor, existing)) return;
        if (
          canAccessArea(actor.principal, existing.communityCode) &&
          existing.communityCode === plan.input.communityCode
        ) {
          plan.rerunOf = existing;
          return;
        }
        results[plan.index] = {
          index: plan.index,
          householdId: plan.input.id,
          status: 'conflict',
          problem: rowProblem('conflict', 409, [], `household ${plan.input.id} already exists`),
        };
      }),
    );
    planned = planned.filter((plan) => results[plan.index] === undefined);
    // A rerun's people are looked up first: those in the household already are linked, those
    // registered elsewhere refused, and a new head of a household that has one refuses the row.
    await Promise.all(
      planned
        .filter((plan) => plan.rerunOf)
        .map(async (plan) => {
          await Promise.all(
            plan.members.map(async (m) => {
              const existing = await this.deps.repository.findIdByIdHash(m.resident.idHash);
              if (existing) m.result = this.memberRefused(actor, m, plan.input, existing, refusals);
            }),
          );
          const household = plan.rerunOf!;
          const newHead = plan.members.find((m) => !m.result && m.registration.householdRelation === 'head');
          if (newHead && household.members.some((m) => m.relation === 'head')) {
            const detail = 'the household already has a head (户主)';
            results[plan.index] = {
              index: plan.index,
              householdId: plan.input.id,
              status: 'invalid',
              problem: rowProblem('validation-failed', 400, [
                { in: 'body', pointer: `/members/${newHead.index}/relation`, detail },
              ]),
            };
          }
        }),
    );
    planned = planned.filter((plan) => results[plan.index] === undefined);

    // People first, all together.
    const toRegister = planned.flatMap((p) => p.members.filter((m) => !m.result));
    const peopleOutcomes = await this.deps.writer.commit(toRegister.map((m) => m.change));
    const stored = new Set(toRegister.filter((_, i) => peopleOutcomes[i]?.status === 'applied'));

    const householdChanges: Array<{
      plan: Planned;
      household: HouseholdDocument;
      change: Change;
      members: MemberResult[];
      /** Members to bring into the household after it is stored (a retry's, or a race's). */
      joining: ResidentDocument[];
    }> = [];
    const reruns: Array<{ plan: Planned; members: MemberResult[]; joining: ResidentDocument[] }> = [];
    for (const plan of planned) {
      const facts: HouseholdMemberFacts[] = [];
      const memberResults: MemberResult[] = [];
      const joining: ResidentDocument[] = [];
      for (const m of plan.members) {
        if (m.result) {
          memberResults.push(m.result);
          continue;
        }
        if (stored.has(m)) {
          facts.push(memberFacts(m.resident));
          joining.push(m.resident);
          memberResults.push({ index: m.index, status: 'created', residentId: m.resident._id });
          continue;
        }
        // Registered meanwhile: by an earlier attempt of this request, by a first, interrupted run
        // of the caller's (linked), or someone else's (refused).
        const existing = await this.deps.repository.findByIdHash(m.resident.idHash);
        const result = this.memberRefused(actor, m, plan.input, existing, refusals);
        memberResults.push(result);
        if (existing && result.status !== 'duplicate') {
          facts.push(memberFacts(existing));
          joining.push(existing);
        }
      }
      if (plan.rerunOf) {
        reruns.push({ plan, members: memberResults, joining });
        continue;
      }
      const household = this.newHousehold(actor, plan.input, facts);
      householdChanges.push({
        plan,
        household,
        change: this.prepareCreation(actor, household),
        members: memberResults,
        joining,
      });
    }
    const householdOutcomes = await this.deps.writer.commit(householdChanges.map((h) => h.change));
    for (const [i, h] of householdChanges.entries()) {
      const { index } = h.plan;
      if (householdOutcomes[i]?.status === 'applied') {
        results[index] = { index, status: 'created', householdId: h.household._id, members: h.members };
        continue;
      }
      const existing = await this.deps.repository.findHousehold(h.household._id);
      if (existing && madeBySameRequest(actor, existing)) {
        // Created by an earlier attempt of this request: its people join it if they are not in yet.
        for (const person of h.joining) {
          await this.syncMember(actor, existing._id, person, 'member-joined', new Date(person.createdAt));
        }
        results[index] = { index, status: 'created', householdId: existing._id, members: h.members };
        continue;
      }
      // Another writer created the id between the check and this write: the household is not
      // this row's, so the people just registered for it are registered without a household.
      // (Just stored at version 1 by this request; a failure here is the request's failure.)
      for (const m of h.plan.members.filter((m) => stored.has(m))) {
        await this.changeMembershipOfPerson(actor, m.resident, null, null);
      }
      results[index] = {
        index,
        householdId: h.household._id,
        status: 'conflict',
        problem: rowProblem(
          'conflict',
          409,
          [],
          `household ${h.household._id} already exists; the people of this row that were registered have no household`,
        ),
        members: h.members,
      };
    }
    // A rerun: the people stored now join the household, under the rules checked above.
    for (const { plan, members, joining } of reruns) {
      for (const person of joining) {
        await this.syncMember(actor, plan.input.id, person, 'member-joined', new Date(person.createdAt));
      }
      results[plan.index] = { index: plan.index, status: 'duplicate', householdId: plan.input.id, members };
    }
    if (refusals.length > 0) await this.deps.repository.recordAccess(refusals);

    const final = results as HouseholdRowResult[];
    const count = (status: HouseholdRowResult['status']) => final.filter((r) => r.status === status).length;
    const memberCount = (status: MemberResult['status']) =>
      final.reduce((n, r) => n + (r.members ?? []).filter((m) => m.status === status).length, 0);
    return {
      summary: {
        received: rows.length,
        created: count('created'),
        duplicate: count('duplicate'),
        conflict: count('conflict'),
        invalid: count('invalid'),
        forbidden: count('forbidden'),
        people: {
          created: memberCount('created'),
          linked: memberCount('linked'),
          duplicate: memberCount('duplicate'),
          invalid: memberCount('invalid'),
        },
      },
      results: final,
    };
  }

  /**
   * The answer for a member of an import row who is registered already: `created` when an earlier
   * attempt of this request registered them, `linked` when a first run of the caller's stored them
   * in this very household (of the caller's area and the row's community), else `duplicate`, said
   * as a single registration says it (no area; the id only to a caller who may see the person;
   * an attempt on someone of another area audited).
   */
  private memberRefused(
    actor: Actor,
    member: { index: number; resident: ResidentDocument },
    row: { id: string; communityCode: string },
    existing: Pick<ResidentDocument, '_id' | 'communityCode' | 'householdId' | 'requestStamp'> | null,
    refusals: AuditEntry[],
  ): MemberResult {
    if (existing && madeBySameRequest(actor, existing))
      return { index: member.index, status: 'created', residentId: existing._id };
    const visible = existing !== null && canAccessArea(actor.principal, existing.communityCode);
    if (visible && existing.householdId === row.id && existing.communityCode === row.communityCode)
      return { index: member.index, status: 'linked', residentId: existing._id };
    const refusal = this.deps.registry.refusal(actor, member.resident.idHash, row.communityCode, existing);
    if (refusal.audit) refusals.push(refusal.audit);
    return {
      index: member.index,
      status: 'duplicate',
      ...(refusal.residentId ? { residentId: refusal.residentId } : {}),
      problem: rowProblem(
        'duplicate',
        409,
        [],
        !visible
          ? refusal.error.message
          : existing.householdId
            ? 'this person is already registered in another household'
            : 'this person is already registered; add them to the household with POST /v1/households/{id}/members',
      ),
    };
  }
}

/**
 * What a person's current facts change in a household, named as the request that changed the
 * person names it, with the start that request gives the change: joined or left (when they last
 * changed), a new employment status (when it began), or other facts (capacity, name).
 */
export function changeOfMember(
  household: HouseholdDocument,
  person: ResidentDocument,
): { reason: string; at: Date } {
  const changedAt = new Date(person.updatedAt);
  if (person.householdId !== household._id) return { reason: 'member-left', at: changedAt };
  const held = household.members.find((m) => m.residentId === person._id);
  if (!held) return { reason: 'member-joined', at: changedAt };
  if (held.employmentStatus !== person.employmentStatus) {
    const since = person.statusSince ?? person.statusHistory.at(-1)?.since ?? person.createdAt;
    return { reason: 'member-status', at: new Date(since) };
  }
  return { reason: 'member-capacity', at: changedAt };
}

/** The reason of the household's last status change when it ended zero-employment (its warnings then resolve). */
function endOfZeroEmployment(household: HouseholdDocument): string | undefined {
  if (household.status.zeroEmployment || household.statusHistory.length < 2) return undefined;
  const [previous, last] = household.statusHistory.slice(-2);
  return previous!.zeroEmployment && !last!.zeroEmployment ? last!.reason : undefined;
}

export function householdAuditView(h: HouseholdDocument): Record<string, unknown> {
  return {
    communityCode: h.communityCode,
    buildingCode: h.buildingCode,
    address: h.address,
    members: h.members.map((m) => ({
      residentId: m.residentId,
      relation: m.relation,
      employmentStatus: m.employmentStatus,
    })),
    status: h.status,
    version: h.version,
  };
}

function invalid(pointer: string, detail: string): AppError {
  return new AppError('validation-failed', describeProblems([{ in: 'body', pointer, detail }]), {
    errors: [{ in: 'body', pointer, detail }],
  });
}
