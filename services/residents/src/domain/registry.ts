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
import { type Actor, auditEntry, type ChangeWriter, insertAudit } from './changes.ts';
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

  /** Registers one person; throws a problem for invalid input, a foreign area or a duplicate. */
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
    if (outcome?.status === 'rejected') throw await this.duplicateError(actor.principal, resident.idHash);
    if (resident.householdId) {
      await this.deps
        .households()
        .syncMember(actor, resident.householdId, resident, 'member-joined', resident.createdAt);
    }
    return toResidentView(resident);
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
    const households = new Map<string, Problem | undefined>();
    for (const { registration } of accepted) {
      const id = registration.householdId;
      if (!id || households.has(`${id}/${registration.householdRelation}`)) continue;
      const problem = await this.deps
        .households()
        .checkJoin(principal, id, registration.communityCode, registration.householdRelation!)
        .then(
          () => undefined,
          (err: AppError) => rowProblem(err.problem, err.status, err.errors ?? [], err.message),
        );
      households.set(`${id}/${registration.householdRelation}`, problem);
    }

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
      const householdProblem = registration.householdId
        ? households.get(`${registration.householdId}/${registration.householdRelation}`)
        : undefined;
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
      seen.set(prepared.resident.idHash, index);
      pending.push({ index, ...prepared });
    }

    const outcomes = await this.deps.writer.commit(pending.map((p) => p.change));
    await Promise.all(
      pending.map(async (p, i) => {
        if (outcomes[i]?.status === 'applied') {
          results[p.index] = { index: p.index, status: 'created', residentId: p.resident._id };
          return;
        }
        const existing = await this.deps.repository.findIdByIdHash(p.resident.idHash);
        const visible = existing && canAccessArea(principal, existing.communityCode);
        results[p.index] = {
          index: p.index,
          status: 'duplicate',
          ...(visible ? { residentId: existing._id } : {}),
          problem: rowProblem('duplicate', 409, [], 'this person is already registered'),
        };
      }),
    );
    for (const p of pending.filter(
      (_, i) => outcomes[i]?.status === 'applied' && pending[i]!.resident.householdId,
    )) {
      await this.deps
        .households()
        .syncMember(actor, p.resident.householdId!, p.resident, 'member-joined', now);
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

  async duplicateError(principal: Principal, idHash: string): Promise<AppError> {
    const existing = await this.deps.repository.findIdByIdHash(idHash);
    const visible = existing && canAccessArea(principal, existing.communityCode);
    return new AppError(
      'duplicate',
      visible ? 'this person is already registered' : 'this person is already registered in another area',
      visible ? { extensions: { residentId: existing._id } } : {},
    );
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
