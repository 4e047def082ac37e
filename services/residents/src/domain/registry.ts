import { ResidentRegisteredSchema } from '@employment/contracts';
import {
  AppError,
  assertInArea,
  canAccessArea,
  type FieldProblem,
  type PiiProtector,
  type Principal,
  type Problem,
} from '@employment/core';
import { maskNationalId } from '@employment/identifiers';
import { type Change, newId } from '@employment/messaging';
import { type AuditEntry, COLLECTIONS, type ResidentDocument } from '../data-access/models.ts';
import type { ResidentsRepository } from '../data-access/residents-repository.ts';
import { type AreaRegistry, rowProblem } from './areas.ts';
import { type Actor, auditEntry, type ChangeWriter, insertAudit, madeBySameRequest } from './changes.ts';
import { residentRegisteredPayload } from './events.ts';
import type { Households } from './households.ts';
import {
  type AcceptedRegistration,
  checkNationalId,
  checkRegistration,
  type RegistrationInput,
} from './registration.ts';
import { type ResidentView, toResidentView } from './views.ts';

export interface RegistryDeps {
  repository: ResidentsRepository;
  pii: PiiProtector;
  writer: ChangeWriter;
  areas: AreaRegistry;
  /** The households use cases (a person registered into a household joins it). */
  households: () => Households;
  topic: string;
  /** Checks one raw batch row against the registration schema. */
  checkRowSchema: (row: unknown, pointerPrefix?: string) => FieldProblem[];
  now: () => Date;
}

export type BatchRowResult =
  | { index: number; status: 'created'; residentId: string }
  | { index: number; status: 'duplicate'; residentId?: string; problem: Problem }
  | { index: number; status: 'invalid' | 'forbidden'; problem: Problem };

export interface BatchResult {
  summary: { received: number; created: number; duplicate: number; invalid: number; forbidden: number };
  results: BatchRowResult[];
}

/** The real-name registry's registration use cases (申报登记). */
export class Registry {
  private readonly deps: RegistryDeps;

  constructor(deps: RegistryDeps) {
    this.deps = deps;
  }

  /**
   * Registers one person; throws a problem for invalid input, a foreign area or a duplicate. A
   * retry of a keyed request whose earlier attempt stored the person answers as that attempt would
   * have: the person, registered.
   */
  async registerOne(actor: Actor, input: RegistrationInput): Promise<ResidentView> {
    const checked = checkRegistration(input, this.deps.now());
    if (!checked.ok)
      throw new AppError('validation-failed', describeProblems(checked.problems), {
        errors: checked.problems,
      });
    const registration = checked.registration;
    assertInArea(actor.principal, registration.communityCode);
    await this.deps.areas.requireCommunity(registration.communityCode);
    if (registration.householdId) {
      await this.deps
        .households()
        .checkJoin(
          actor.principal,
          registration.householdId,
          registration.communityCode,
          registration.householdRelation!,
        );
    }
    const { change, resident } = this.prepare(actor, registration);
    const [outcome] = await this.deps.writer.commit([change]);
    let stored = resident;
    if (outcome?.status === 'rejected') {
      const existing = await this.deps.repository.findByIdHash(resident.idHash);
      if (!existing || !madeBySameRequest(actor, existing)) {
        const refusal = this.refusal(actor, resident.idHash, registration.communityCode, existing);
        if (refusal.audit) await this.deps.repository.recordAccess([refusal.audit]);
        throw refusal.error;
      }
      stored = existing;
    }
    if (stored.householdId) {
      // Also on a retry: the attempt that stored the person may have died before the household followed.
      await this.deps
        .households()
        .syncMember(actor, stored.householdId, stored, 'member-joined', new Date(stored.createdAt));
    }
    return toResidentView(stored);
  }

  /**
   * Registers up to a thousand people. Each row is checked and stored on its own, and the answer
   * says, row by row, what happened; valid rows are written together (one insert per collection).
   */
  async registerBatch(actor: Actor, rows: unknown[]): Promise<BatchResult> {
    const { principal } = actor;
    const now = this.deps.now();
    const results: (BatchRowResult | undefined)[] = rows.map(() => undefined);
    const pending: Array<{ index: number; change: Change; resident: ResidentDocument }> = [];
    const seen = new Map<string, number>();
    const accepted: Array<{ index: number; registration: AcceptedRegistration }> = [];

    rows.forEach((row, index) => {
      const schemaProblems = this.deps.checkRowSchema(row, '');
      if (schemaProblems.length > 0) {
        results[index] = {
          index,
          status: 'invalid',
          problem: rowProblem('validation-failed', 400, schemaProblems),
        };
        return;
      }
      const checked = checkRegistration(row as RegistrationInput, now);
      if (!checked.ok) {
        results[index] = {
          index,
          status: 'invalid',
          problem: rowProblem('validation-failed', 400, checked.problems),
        };
        return;
      }
      if (!canAccessArea(principal, checked.registration.communityCode)) {
        results[index] = {
          index,
          status: 'forbidden',
          problem: rowProblem(
            'forbidden',
            403,
            [],
            `community ${checked.registration.communityCode} lies outside this client's area`,
          ),
        };
        return;
      }
      accepted.push({ index, registration: checked.registration });
    });

    // Communities are checked in memory; only codes this replica does not know cost a store lookup.
    const unknown = new Set(
      accepted.map((a) => a.registration.communityCode).filter((c) => !this.deps.areas.knownCommunity(c)),
    );
    const missing = new Set<string>();
    for (const code of unknown) {
      await this.deps.areas.requireCommunity(code).catch(() => missing.add(code));
    }
    // The checks of a single registration into a household, once per (household, community,
    // relation): the household is visible, of the same community, and has no other head.
    const joinKey = (r: AcceptedRegistration) => `${r.householdId}/${r.communityCode}/${r.householdRelation}`;
    const households = new Map<string, Problem | undefined>();
    for (const { registration } of accepted) {
      const id = registration.householdId;
      if (!id || households.has(joinKey(registration))) continue;
      const problem = await this.deps
        .households()
        .checkJoin(principal, id, registration.communityCode, registration.householdRelation!)
        .then(
          () => undefined,
          (err: AppError) => rowProblem(err.problem, err.status, err.errors ?? [], err.message),
        );
      households.set(joinKey(registration), problem);
    }
    /** Households whose head an earlier row of this batch becomes: a second head is refused as one request would be. */
    const headTaken = new Set<string>();

    for (const { index, registration } of accepted) {
      if (missing.has(registration.communityCode)) {
        results[index] = {
          index,
          status: 'invalid',
          problem: rowProblem('validation-failed', 400, [
            {
              in: 'body',
              pointer: '/communityCode',
              detail: `${registration.communityCode} is not a community of the area tree`,
            },
          ]),
        };
        continue;
      }
      const householdProblem = registration.householdId ? households.get(joinKey(registration)) : undefined;
      if (householdProblem) {
        results[index] = { index, status: 'invalid', problem: householdProblem };
        continue;
      }
      const prepared = this.prepare(actor, registration);
      const earlier = seen.get(prepared.resident.idHash);
      if (earlier !== undefined) {
        results[index] = {
          index,
          status: 'duplicate',
          problem: rowProblem('duplicate', 409, [], `the same person is row ${earlier} of this batch`),
        };
        continue;
      }
      if (registration.householdRelation === 'head') {
        if (headTaken.has(registration.householdId!)) {
          const detail = 'the household already has a head (户主)';
          results[index] = {
            index,
            status: 'invalid',
            problem: rowProblem('validation-failed', 400, [
              { in: 'body', pointer: '/householdRelation', detail },
            ]),
          };
          continue;
        }
        headTaken.add(registration.householdId!);
      }
      seen.set(prepared.resident.idHash, index);
      pending.push({ index, ...prepared });
    }

    const outcomes = await this.deps.writer.commit(pending.map((p) => p.change));
    /** People who join a household: as just stored, or (a retry's) the id of an earlier attempt's record. */
    const joined: Array<ResidentDocument | string> = [];
    const refusals: AuditEntry[] = [];
    await Promise.all(
      pending.map(async (p, i) => {
        if (outcomes[i]?.status === 'applied') {
          results[p.index] = { index: p.index, status: 'created', residentId: p.resident._id };
          if (p.resident.householdId) joined.push(p.resident);
          return;
        }
        const existing = await this.deps.repository.findIdByIdHash(p.resident.idHash);
        if (existing && madeBySameRequest(actor, existing)) {
          // Stored by an earlier attempt of this request (it died before answering): created.
          results[p.index] = { index: p.index, status: 'created', residentId: existing._id };
          if (existing.householdId) joined.push(existing._id);
          return;
        }
        const refusal = this.refusal(actor, p.resident.idHash, p.resident.communityCode, existing);
        if (refusal.audit) refusals.push(refusal.audit);
        results[p.index] = {
          index: p.index,
          status: 'duplicate',
          ...(refusal.residentId ? { residentId: refusal.residentId } : {}),
          problem: rowProblem('duplicate', 409, [], refusal.error.message),
        };
      }),
    );
    if (refusals.length > 0) await this.deps.repository.recordAccess(refusals);
    for (const p of joined) {
      const person = typeof p === 'string' ? await this.deps.repository.findById(p) : p;
      if (person?.householdId) {
        await this.deps
          .households()
          .syncMember(actor, person.householdId, person, 'member-joined', new Date(person.createdAt));
      }
    }

    const final = results as BatchRowResult[];
    const count = (status: BatchRowResult['status']) => final.filter((r) => r.status === status).length;
    return {
      summary: {
        received: rows.length,
        created: count('created'),
        duplicate: count('duplicate'),
        invalid: count('invalid'),
        forbidden: count('forbidden'),
      },
      results: final,
    };
  }

  /** The stored record, its audit entry and its event, as one change for the outbox. */
  prepare(actor: Actor, registration: AcceptedRegistration): { change: Change; resident: ResidentDocument } {
    const now = this.deps.now();
    const { nationalId, ...rest } = registration;
    const resident: ResidentDocument = {
      _id: newId(),
      idHash: this.deps.pii.hash(nationalId),
      idCipher: this.deps.pii.encrypt(nationalId),
      idMasked: maskNationalId(nationalId),
      ...rest,
      statusSince: now,
      placementId: null,
      statusHistory: [
        {
          status: registration.employmentStatus,
          since: now,
          recordedBy: actor.principal.clientId,
          recordedAt: now,
          reason: 'registration',
          placementId: null,
        },
      ],
      version: 1,
      createdAt: now,
      createdBy: actor.principal.clientId,
      updatedAt: now,
      ...(actor.requestStamp ? { requestStamp: actor.requestStamp } : {}),
    };
    const change = this.deps.writer.change(
      [
        { op: 'insert', collection: COLLECTIONS.residents, document: resident },
        insertAudit(
          auditEntry(
            actor,
            'resident.registered',
            { type: 'resident', id: resident._id, communityCode: resident.communityCode },
            null,
            auditView(resident),
            now,
          ),
        ),
      ],
      [
        {
          topic: this.deps.topic,
          subject: resident._id,
          communityCode: resident.communityCode,
          schema: ResidentRegisteredSchema,
          payload: residentRegisteredPayload(resident),
          occurredAt: now,
        },
      ],
    );
    return { change, resident };
  }

  /**
   * The answer to a registration refused because the ID number is registered already. A
   * uniqueness refusal cannot be hidden (README, "Registering someone registered elsewhere"), so it
   * says the same whichever area holds the person: no area, and the person's id only to a caller
   * who may see them. An attempt on someone of another area is audited with the ID number's hash.
   */
  refusal(
    actor: Actor,
    idHash: string,
    requestedCommunity: string,
    existing: Pick<ResidentDocument, '_id' | 'communityCode'> | null,
  ): { error: AppError; residentId?: string; audit?: AuditEntry } {
    const visible = existing && canAccessArea(actor.principal, existing.communityCode);
    const error = new AppError(
      'duplicate',
      'this person is already registered',
      visible ? { extensions: { residentId: existing._id } } : {},
    );
    if (visible) return { error, residentId: existing._id };
    const audit = auditEntry(
      actor,
      'resident.registration-refused',
      existing
        ? { type: 'resident', id: existing._id, communityCode: existing.communityCode }
        : { type: 'national-id', id: idHash, communityCode: null },
      null,
      { idHash, requestedCommunityCode: requestedCommunity, reason: 'registered in another area' },
      this.deps.now(),
    );
    return { error, audit };
  }

  /** Reads one person, answering 404 for one outside the caller's area. The read is audited. */
  async read(actor: Actor, residentId: string): Promise<ResidentView> {
    const resident = await this.find(actor.principal, residentId);
    await this.deps.repository.recordAccess([
      accessEntry(actor, 'resident.read', resident._id, resident.communityCode, this.deps.now()),
    ]);
    return toResidentView(resident);
  }

  /** The person, or 404 when absent or outside the caller's area. */
  async find(principal: Principal, residentId: string): Promise<ResidentDocument> {
    const resident = await this.deps.repository.findById(residentId);
    if (!resident || !canAccessArea(principal, resident.communityCode))
      throw new AppError('not-found', 'no such resident in your area');
    return resident;
  }

  /** Finds a person by national ID number (however written), inside the caller's area. Audited. */
  async lookup(actor: Actor, nationalId: string): Promise<ResidentView> {
    const parsed = checkNationalId(nationalId, this.deps.now());
    if (!parsed.ok) {
      throw new AppError('validation-failed', describeProblems([parsed.problem]), {
        errors: [parsed.problem],
      });
    }
    const found = await this.deps.repository.findByIdHash(this.deps.pii.hash(parsed.number));
    if (!found || !canAccessArea(actor.principal, found.communityCode))
      throw new AppError('not-found', 'no such resident in your area');
    await this.deps.repository.recordAccess([
      accessEntry(actor, 'resident.looked-up', found._id, found.communityCode, this.deps.now()),
    ]);
    return toResidentView(found);
  }
}

/** The audited state of a resident: everything but the ID number's cipher and hash. */
export function auditView(resident: ResidentDocument): Record<string, unknown> {
  const {
    idCipher: _c,
    idHash: _h,
    statusHistory: _s,
    requestStamp: _r,
    ...rest
  } = resident as ResidentDocument & {
    _changes?: unknown;
  };
  delete (rest as { _changes?: unknown })._changes;
  return rest;
}

export function accessEntry(
  actor: Actor,
  action: string,
  subjectId: string,
  communityCode: string,
  at: Date,
): AuditEntry {
  return auditEntry(
    actor,
    action,
    { type: action.split('.')[0] ?? 'resident', id: subjectId, communityCode },
    null,
    null,
    at,
  );
}

export function describeProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.pointer}: ${p.detail}`).join('; ');
}
