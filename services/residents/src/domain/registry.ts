import { ResidentRegisteredSchema } from '@employment/contracts';
import { maskNationalId } from '@employment/identifiers';
import {
  AppError,
  type Change,
  canAccessArea,
  type EventDraft,
  type FieldProblem,
  type Mutation,
  newId,
  type PiiProtector,
  PROBLEM_TYPE_BASE,
  type Principal,
  type Problem,
} from '@employment/kit';
import { type AuditEntry, COLLECTIONS, type ResidentDocument } from '../data-access/models.ts';
import type { ResidentsRepository } from '../data-access/residents-repository.ts';
import { RESIDENTS_TOPIC, residentRegisteredPayload } from './events.ts';
import { type AcceptedRegistration, checkRegistration, type RegistrationInput } from './registration.ts';
import { type ResidentView, toResidentView } from './views.ts';

export interface RegistryDeps {
  repository: ResidentsRepository;
  pii: PiiProtector;
  /** Builds a change with this service's events (ServiceRuntime.change). */
  change: (mutations: Mutation[], events: EventDraft[]) => Change;
  commit: (
    changes: Change[],
  ) => Promise<Array<{ status: 'applied' } | { status: 'rejected'; reason: string }>>;
  /** Checks one raw batch row against the registration schema. */
  checkRowSchema: (row: unknown, pointerPrefix: string) => FieldProblem[];
  now?: () => Date;
}

export type BatchRowResult =
  | { index: number; status: 'created'; residentId: string }
  | { index: number; status: 'duplicate'; residentId?: string; problem: Problem }
  | { index: number; status: 'invalid' | 'forbidden'; problem: Problem };

export interface BatchResult {
  summary: { received: number; created: number; duplicate: number; invalid: number; forbidden: number };
  results: BatchRowResult[];
}

/** The real-name registry's registration use cases. */
export class Registry {
  private readonly deps: RegistryDeps;

  constructor(deps: RegistryDeps) {
    this.deps = deps;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Registers one person; throws a problem for invalid input, a foreign area or a duplicate. */
  async registerOne(
    principal: Principal,
    input: RegistrationInput,
    requestId: string,
  ): Promise<ResidentView> {
    const checked = checkRegistration(input, this.now());
    if (!checked.ok)
      throw new AppError('validation-failed', describeProblems(checked.problems), {
        errors: checked.problems,
      });
    assertInArea(principal, checked.registration.communityCode);
    const { change, resident } = this.prepare(principal, checked.registration, requestId);
    const [outcome] = await this.deps.commit([change]);
    if (outcome?.status === 'rejected') throw await this.duplicateError(principal, resident.idHash);
    return toResidentView(resident);
  }

  /**
   * Registers up to a thousand people. Each row is checked and stored on its own, and the answer
   * says, row by row, what happened; valid rows are written together (one insert per collection).
   */
  async registerBatch(principal: Principal, rows: unknown[], requestId: string): Promise<BatchResult> {
    const now = this.now();
    const results: (BatchRowResult | undefined)[] = rows.map(() => undefined);
    const pending: Array<{ index: number; change: Change; resident: ResidentDocument }> = [];
    const seen = new Map<string, number>();

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
      const prepared = this.prepare(principal, checked.registration, requestId);
      const earlier = seen.get(prepared.resident.idHash);
      if (earlier !== undefined) {
        results[index] = {
          index,
          status: 'duplicate',
          problem: rowProblem('duplicate', 409, [], `the same person is row ${earlier} of this batch`),
        };
        return;
      }
      seen.set(prepared.resident.idHash, index);
      pending.push({ index, ...prepared });
    });

    const outcomes = await this.deps.commit(pending.map((p) => p.change));
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
  private prepare(principal: Principal, registration: AcceptedRegistration, requestId: string) {
    const now = this.now();
    const { nationalId, ...rest } = registration;
    const resident: ResidentDocument = {
      _id: newId(),
      idHash: this.deps.pii.hash(nationalId),
      idCipher: this.deps.pii.encrypt(nationalId),
      idMasked: maskNationalId(nationalId),
      ...rest,
      statusHistory: [{ status: registration.employmentStatus, since: now, recordedBy: principal.clientId }],
      version: 1,
      createdAt: now,
      createdBy: principal.clientId,
      updatedAt: now,
    };
    const audit: AuditEntry = {
      _id: newId(),
      at: now,
      actor: principal.clientId,
      action: 'resident.registered',
      subjectType: 'resident',
      subjectId: resident._id,
      communityCode: resident.communityCode,
      before: null,
      after: auditView(resident),
      requestId,
    };
    const change = this.deps.change(
      [
        { op: 'insert', collection: COLLECTIONS.residents, document: resident },
        { op: 'insert', collection: COLLECTIONS.audit, document: audit },
      ],
      [
        {
          topic: RESIDENTS_TOPIC,
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

  private async duplicateError(principal: Principal, idHash: string): Promise<AppError> {
    const existing = await this.deps.repository.findIdByIdHash(idHash);
    const visible = existing && canAccessArea(principal, existing.communityCode);
    return new AppError(
      'duplicate',
      visible ? 'this person is already registered' : 'this person is already registered in another area',
      visible ? { extensions: { residentId: existing._id } } : {},
    );
  }

  /** Reads one person, answering 404 for one outside the caller's area. The read is audited. */
  async read(principal: Principal, residentId: string, requestId: string): Promise<ResidentView> {
    const resident = await this.deps.repository.findById(residentId);
    if (!resident || !canAccessArea(principal, resident.communityCode))
      throw new AppError('not-found', 'no such resident in your area');
    await this.deps.repository.recordAccess([
      accessEntry(principal, 'resident.read', resident._id, resident.communityCode, requestId, this.now()),
    ]);
    return toResidentView(resident);
  }
}

/** The audited state of a resident: everything but the ID number's cipher and hash. */
export function auditView(resident: ResidentDocument): Record<string, unknown> {
  const { idCipher: _c, idHash: _h, statusHistory: _s, ...rest } = resident;
  return rest;
}

export function accessEntry(
  principal: Principal,
  action: string,
  subjectId: string,
  communityCode: string,
  requestId: string,
  at: Date,
): AuditEntry {
  return {
    _id: newId(),
    at,
    actor: principal.clientId,
    action,
    subjectType: action.split('.')[0] ?? 'resident',
    subjectId,
    communityCode,
    before: null,
    after: null,
    requestId,
  };
}

export function assertInArea(principal: Principal, communityCode: string): void {
  if (!canAccessArea(principal, communityCode)) {
    throw new AppError('forbidden', `community ${communityCode} lies outside this client's area`);
  }
}

function describeProblems(problems: FieldProblem[]): string {
  return problems.map((p) => `${p.pointer}: ${p.detail}`).join('; ');
}

function rowProblem(name: string, status: number, errors: FieldProblem[], detail?: string): Problem {
  return {
    type: `${PROBLEM_TYPE_BASE}${name}`,
    title:
      name === 'validation-failed'
        ? 'The row is not valid'
        : name === 'duplicate'
          ? 'Already registered'
          : 'Not allowed',
    status,
    detail: detail ?? describeProblems(errors),
    ...(errors.length > 0 ? { errors } : {}),
  };
}
