import { AppError, canAccessArea } from '@employment/core';
import { parseCreditCode } from '@employment/identifiers';
import { newId } from '@employment/messaging';
import { COLLECTIONS, type EmployerContact, type EmployerDocument } from '../data-access/models.ts';
import type { JobsRepository } from '../data-access/repository.ts';
import {
  assertInArea,
  auditEntry,
  auditInsert,
  bodyProblem,
  type Caller,
  commitOne,
  type Writer,
  withRetries,
} from './changes.ts';
import { toEmployerView } from './views.ts';

export interface ContactInput {
  name: string;
  role?: string;
  phone?: string;
  email?: string;
}

export interface EmployerInput {
  creditCode: string;
  name: string;
  communityCode: string;
  address?: string;
  industry?: string;
  contacts?: ContactInput[];
}

export interface HiringLinkInput {
  communityCode: string;
  since: string;
  note?: string;
}

const CREDIT_CODE_REASONS: Record<string, string> = {
  format: 'must be 18 characters: digits and upper-case letters other than I, O, S, V and Z',
  'registration-authority': 'the 1st character is not a registration authority code',
  'institution-category': 'the 2nd character is not a category of its registration authority',
  region: 'characters 3-8 are not an administrative division code',
  'organization-code': 'the organisation code (characters 9-17) fails its check character',
  'check-character': 'the check character (18th) does not match the other 17 characters',
};

const contact = (input: ContactInput): EmployerContact => ({
  id: newId(),
  name: input.name.trim(),
  role: input.role?.trim() || null,
  phone: input.phone ?? null,
  email: input.email ?? null,
});

/** Employers (用人单位), registered by communities and districts, and their hiring links. */
export class EmployerRegistry {
  private readonly repository: JobsRepository;
  private readonly writer: Writer;
  private readonly now: () => Date;

  constructor(deps: { repository: JobsRepository; writer: Writer; now?: () => Date }) {
    this.repository = deps.repository;
    this.writer = deps.writer;
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Registers an employer under its unified social credit code (GB 32100, check character
   * validated): a bad code is refused with 400 before anything is stored; a code already
   * registered answers 409 with the existing employer's id.
   */
  async register(caller: Caller, input: EmployerInput) {
    const parsed = parseCreditCode(input.creditCode);
    if (!parsed.ok) throw bodyProblem('/creditCode', CREDIT_CODE_REASONS[parsed.reason] ?? parsed.detail);
    assertInArea(caller.principal, input.communityCode);
    const now = this.now();
    const employer: EmployerDocument = {
      _id: newId(),
      creditCode: parsed.value.code,
      name: input.name.trim(),
      communityCode: input.communityCode,
      address: input.address?.trim() || null,
      industry: input.industry?.trim() || null,
      contacts: (input.contacts ?? []).map(contact),
      hiringLinks: [],
      version: 1,
      createdAt: now,
      createdBy: caller.principal.clientId,
      updatedAt: now,
    };
    const outcome = await commitOne(
      this.writer,
      [
        { op: 'insert', collection: COLLECTIONS.employers, document: employer },
        auditInsert(
          auditEntry(caller, now, {
            action: 'employer.registered',
            subjectType: 'employer',
            subjectId: employer._id,
            communityCode: employer.communityCode,
            before: null,
            after: employer,
          }),
        ),
      ],
      [],
    );
    if (outcome.status === 'rejected') {
      const existing = await this.repository.findEmployerIdByCreditCode(employer.creditCode);
      throw new AppError(
        'duplicate',
        'an employer with this credit code is already registered',
        existing ? { extensions: { employerId: existing._id } } : {},
      );
    }
    return toEmployerView(employer);
  }

  async read(id: string) {
    const employer = await this.repository.findEmployer(id);
    if (!employer) throw new AppError('not-found', 'no such employer');
    return toEmployerView(employer);
  }

  /** Adds a contact person; the registering community's area, or one the employer has a link with, may. */
  addContact(caller: Caller, employerId: string, input: ContactInput) {
    return this.update(caller, employerId, 'employer.contact-added', (employer) => {
      const inArea = [employer.communityCode, ...employer.hiringLinks.map((l) => l.communityCode)].some((c) =>
        canAccessArea(caller.principal, c),
      );
      if (!inArea)
        throw new AppError(
          'forbidden',
          "this employer is neither registered nor linked in this client's area",
        );
      return { contacts: [...employer.contacts, contact(input)] };
    });
  }

  /**
   * Records a steady hiring link (稳定的用工联系) between the employer and a community of the
   * caller's area; recording it again for the same community replaces it.
   */
  addHiringLink(caller: Caller, employerId: string, input: HiringLinkInput) {
    assertInArea(caller.principal, input.communityCode);
    return this.update(caller, employerId, 'employer.hiring-link-recorded', (employer) => ({
      hiringLinks: [
        ...employer.hiringLinks.filter((l) => l.communityCode !== input.communityCode),
        {
          communityCode: input.communityCode,
          since: input.since,
          note: input.note?.trim() || null,
          recordedBy: caller.principal.clientId,
          recordedAt: this.now(),
        },
      ],
    }));
  }

  private update(
    caller: Caller,
    employerId: string,
    action: string,
    decide: (employer: EmployerDocument) => Partial<EmployerDocument>,
  ) {
    return withRetries(async () => {
      const employer = await this.repository.findEmployer(employerId);
      if (!employer) throw new AppError('not-found', 'no such employer');
      const now = this.now();
      const changes = decide(employer);
      const after: EmployerDocument = {
        ...employer,
        ...changes,
        version: employer.version + 1,
        updatedAt: now,
      };
      const outcome = await commitOne(
        this.writer,
        [
          {
            op: 'update',
            collection: COLLECTIONS.employers,
            filter: { _id: employer._id, version: employer.version },
            update: { $set: { ...changes, version: after.version, updatedAt: now } },
          },
          auditInsert(
            auditEntry(caller, now, {
              action,
              subjectType: 'employer',
              subjectId: employer._id,
              communityCode: employer.communityCode,
              before: employer,
              after,
            }),
          ),
        ],
        [],
      );
      return outcome.status === 'applied' ? toEmployerView(after) : 'conflict';
    }, 'the employer');
  }
}
