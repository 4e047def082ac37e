import {
  CertificateAppliedSchema,
  CertificateCheckedSchema,
  CertificateIssuedSchema,
  CertificateReviewedSchema,
  CertificateRevokedSchema,
} from '@employment/contracts';
import { AppError, canAccessArea, type Principal, requireRole } from '@employment/core';
import { ageOn } from '@employment/identifiers';
import { type EventDraft, newId } from '@employment/messaging';
import { type CertificateDocument, COLLECTIONS } from '../data-access/models.ts';
import type { ResidentsRepository } from '../data-access/residents-repository.ts';
import { addOneYear, chinaDate } from './calendar.ts';
import {
  type Actor,
  auditEntry,
  type ChangeWriter,
  commitOne,
  insertAudit,
  madeBySameRequest,
  staleVersion,
} from './changes.ts';
import { employmentStatusToPb, hardshipToPb, pbDate } from './events.ts';
import { isWorkingAge } from './household-status.ts';
import type { Registry } from './registry.ts';
import { SEEKING_STATUSES } from './vocabulary.ts';
import type { Warnings } from './warnings.ts';

export const CERTIFICATE_REVIEW_ROLE = 'certificates:review';
export const CERTIFICATE_ISSUE_ROLE = 'certificates:issue';

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

export function toCertificateView(c: CertificateDocument) {
  return {
    id: c._id,
    residentId: c.residentId,
    communityCode: c.communityCode,
    number: c.number.startsWith('pending:') ? null : c.number,
    state: c.state,
    basis: c.basis,
    employmentStatusAtApplication: c.employmentStatusAtApplication,
    applicationNote: c.applicationNote,
    appliedAt: iso(c.appliedAt),
    appliedBy: c.appliedBy,
    review: c.review ? { ...c.review, reviewedAt: iso(c.review.reviewedAt) } : null,
    issuedOn: c.issuedOn,
    issuedBy: c.issuedBy,
    nextCheckDue: c.nextCheckDue,
    checks: c.checks.map((k) => ({ ...k, checkedAt: iso(k.checkedAt) })),
    revokedAt: iso(c.revokedAt),
    revokedBy: c.revokedBy,
    revocationReason: c.revocationReason,
    history: c.history.map((h) => ({ ...h, at: iso(h.at) })),
    version: c.version,
  };
}

/**
 * The Reemployment Preferential Certificate (《再就业优惠证》): a registered unemployed person
 * applies, the community reviews first (初审), the district issues it under a unique number, it is
 * checked every year (年检) and may be revoked. One live certificate per person, numbers unique:
 * both held by unique indexes.
 */
export class Certificates {
  private readonly deps: {
    repository: ResidentsRepository;
    writer: ChangeWriter;
    registry: Registry;
    warnings: Warnings;
    topic: string;
    now: () => Date;
  };

  constructor(deps: Certificates['deps']) {
    this.deps = deps;
  }

  async read(principal: Principal, id: string): Promise<CertificateDocument> {
    const certificate = await this.deps.repository.findCertificate(id);
    if (!certificate || !canAccessArea(principal, certificate.communityCode))
      throw new AppError('not-found', 'no such certificate in your area');
    return certificate;
  }

  async findByNumber(principal: Principal, number: string): Promise<CertificateDocument> {
    const certificate = await this.deps.repository.findCertificateByNumber(number);
    if (!certificate || !canAccessArea(principal, certificate.communityCode))
      throw new AppError('not-found', 'no certificate with this number in your area');
    return certificate;
  }

  async apply(actor: Actor, input: { residentId: string; note?: string }): Promise<CertificateDocument> {
    const person = await this.deps.registry.find(actor.principal, input.residentId).catch(() => {
      throw new AppError('validation-failed', '/residentId: no such resident in your area', {
        errors: [{ in: 'body', pointer: '/residentId', detail: 'no such resident in your area' }],
      });
    });
    const now = this.deps.now();
    const today = chinaDate(now);
    if (!SEEKING_STATUSES.has(person.employmentStatus)) {
      throw new AppError(
        'unprocessable',
        `the certificate is for registered unemployed and laid-off people; this person is ${person.employmentStatus}`,
      );
    }
    if (!isWorkingAge(person, today)) {
      throw new AppError(
        'unprocessable',
        `the person is ${ageOn(person.birthDate, now)}: not of working age`,
      );
    }
    const id = newId();
    const certificate: CertificateDocument = {
      _id: id,
      residentId: person._id,
      communityCode: person.communityCode,
      holderKey: person._id,
      number: `pending:${id}`,
      state: 'applied',
      basis: person.hardshipCategories,
      employmentStatusAtApplication: person.employmentStatus,
      applicationNote: input.note?.trim() || null,
      appliedAt: now,
      appliedBy: actor.principal.clientId,
      review: null,
      issuedOn: null,
      issuedBy: null,
      nextCheckDue: null,
      checks: [],
      revokedAt: null,
      revokedBy: null,
      revocationReason: null,
      overdueWarningId: null,
      history: [{ state: 'applied', at: now, by: actor.principal.clientId }],
      version: 1,
      updatedAt: now,
      ...(actor.requestStamp ? { requestStamp: actor.requestStamp } : {}),
    };
    const change = this.deps.writer.change(
      [
        { op: 'insert', collection: COLLECTIONS.certificates, document: certificate },
        insertAudit(
          auditEntry(
            actor,
            'certificate.applied',
            { type: 'certificate', id, communityCode: certificate.communityCode },
            null,
            { residentId: person._id, state: 'applied' },
            now,
          ),
        ),
      ],
      [
        this.event(
          certificate,
          CertificateAppliedSchema,
          {
            certificateId: id,
            residentId: person._id,
            communityCode: certificate.communityCode,
            basis: certificate.basis.map((b) => hardshipToPb[b]),
            employmentStatus: employmentStatusToPb[person.employmentStatus],
            appliedBy: actor.principal.clientId,
          },
          now,
        ),
      ],
    );
    const outcome = await commitOne(this.deps.writer, change);
    if (outcome.status === 'rejected') {
      const live = (await this.deps.repository.listCertificates({ holderKey: person._id }, undefined, 1))[0];
      // Applied for by an earlier attempt of this request: the application it made.
      if (live && madeBySameRequest(actor, live)) return live;
      throw new AppError('conflict', 'the person already has a certificate or an application under way', {
        ...(live ? { extensions: { certificateId: live._id, state: live.state } } : {}),
      });
    }
    return certificate;
  }

  async review(
    actor: Actor,
    id: string,
    input: { version: number; approved: boolean; note?: string },
  ): Promise<CertificateDocument> {
    requireRole(actor.principal, CERTIFICATE_REVIEW_ROLE);
    const certificate = await this.current(actor.principal, id, input.version, ['applied']);
    const now = this.deps.now();
    const state = input.approved ? ('approved' as const) : ('rejected' as const);
    const set = {
      state,
      review: {
        approved: input.approved,
        note: input.note?.trim() || null,
        reviewedBy: actor.principal.clientId,
        reviewedAt: now,
      },
      ...(input.approved ? {} : { holderKey: `${certificate.residentId}:closed:${certificate._id}` }),
    };
    return this.transition(actor, certificate, set, 'certificate.reviewed', [
      this.event(
        certificate,
        CertificateReviewedSchema,
        {
          certificateId: certificate._id,
          residentId: certificate.residentId,
          communityCode: certificate.communityCode,
          approved: input.approved,
          note: input.note ?? '',
          reviewedBy: actor.principal.clientId,
        },
        now,
      ),
    ]);
  }

  async issue(
    actor: Actor,
    id: string,
    input: { version: number; issuedOn?: string },
  ): Promise<CertificateDocument> {
    requireRole(actor.principal, CERTIFICATE_ISSUE_ROLE);
    const certificate = await this.current(actor.principal, id, input.version, ['approved']);
    const now = this.deps.now();
    const issuedOn = input.issuedOn ?? chinaDate(now);
    if (issuedOn > chinaDate(now)) {
      throw new AppError('validation-failed', '/issuedOn: is in the future', {
        errors: [{ in: 'body', pointer: '/issuedOn', detail: 'is in the future' }],
      });
    }
    // District code + year + a sequence per district and year, reserved under a unique id; the
    // certificates' unique index on the number is the last word.
    const number = await this.deps.repository.reserveNumber(
      `${certificate.communityCode.slice(0, 6)}${issuedOn.slice(0, 4)}`,
      6,
      certificate._id,
    );
    const nextCheckDue = addOneYear(issuedOn);
    return this.transition(
      actor,
      certificate,
      { state: 'issued', number, issuedOn, issuedBy: actor.principal.clientId, nextCheckDue },
      'certificate.issued',
      [
        this.event(
          certificate,
          CertificateIssuedSchema,
          {
            certificateId: certificate._id,
            residentId: certificate.residentId,
            communityCode: certificate.communityCode,
            number,
            issuedOn: pbDate(issuedOn),
            nextCheckDue: pbDate(nextCheckDue),
            issuedBy: actor.principal.clientId,
          },
          now,
        ),
      ],
    );
  }

  /** The annual check (年检): passed moves the due date a year on; failed revokes the certificate. */
  async check(
    actor: Actor,
    id: string,
    input: { version: number; passed: boolean; note?: string },
  ): Promise<CertificateDocument> {
    requireRole(actor.principal, CERTIFICATE_REVIEW_ROLE);
    const certificate = await this.current(actor.principal, id, input.version, ['issued']);
    const now = this.deps.now();
    const due = certificate.nextCheckDue!;
    const year = Number(due.slice(0, 4));
    const check = {
      year,
      passed: input.passed,
      note: input.note?.trim() || null,
      checkedBy: actor.principal.clientId,
      checkedAt: now,
    };
    const nextCheckDue = input.passed ? addOneYear(due) : null;
    const events: EventDraft[] = [
      this.event(
        certificate,
        CertificateCheckedSchema,
        {
          certificateId: certificate._id,
          residentId: certificate.residentId,
          communityCode: certificate.communityCode,
          number: certificate.number,
          year,
          passed: input.passed,
          nextCheckDue: pbDate(nextCheckDue),
          checkedBy: actor.principal.clientId,
        },
        now,
      ),
    ];
    const set: Partial<CertificateDocument> = { nextCheckDue, overdueWarningId: null };
    if (!input.passed) {
      Object.assign(set, this.revocation(actor, certificate, 'annual check failed', now));
      events.push(this.revokedEvent(actor, certificate, 'annual check failed', now));
    }
    const updated = await this.transition(actor, certificate, set, 'certificate.checked', events, {
      checks: check,
    });
    await this.deps.warnings.resolveOpen(
      actor,
      certificate._id,
      ['certificate-check-overdue'],
      input.passed ? 'the annual check was recorded' : 'the annual check failed; the certificate was revoked',
    );
    return updated;
  }

  async revoke(
    actor: Actor,
    id: string,
    input: { version: number; reason: string },
  ): Promise<CertificateDocument> {
    requireRole(actor.principal, CERTIFICATE_ISSUE_ROLE);
    const certificate = await this.current(actor.principal, id, input.version, [
      'applied',
      'approved',
      'issued',
    ]);
    const now = this.deps.now();
    const updated = await this.transition(
      actor,
      certificate,
      this.revocation(actor, certificate, input.reason, now),
      'certificate.revoked',
      [this.revokedEvent(actor, certificate, input.reason, now)],
    );
    await this.deps.warnings.resolveOpen(
      actor,
      certificate._id,
      ['certificate-check-overdue'],
      'the certificate was revoked',
    );
    return updated;
  }

  private revocation(
    actor: Actor,
    c: CertificateDocument,
    reason: string,
    now: Date,
  ): Partial<CertificateDocument> {
    return {
      state: 'revoked',
      revokedAt: now,
      revokedBy: actor.principal.clientId,
      revocationReason: reason,
      nextCheckDue: null,
      holderKey: `${c.residentId}:closed:${c._id}`,
    };
  }

  private revokedEvent(actor: Actor, c: CertificateDocument, reason: string, now: Date): EventDraft {
    return this.event(
      c,
      CertificateRevokedSchema,
      {
        certificateId: c._id,
        residentId: c.residentId,
        communityCode: c.communityCode,
        number: c.number.startsWith('pending:') ? '' : c.number,
        reason,
        revokedBy: actor.principal.clientId,
      },
      now,
    );
  }

  private async current(
    principal: Principal,
    id: string,
    version: number,
    states: CertificateDocument['state'][],
  ): Promise<CertificateDocument> {
    const certificate = await this.read(principal, id);
    if (certificate.version !== version) throw staleVersion(certificate.version);
    if (!states.includes(certificate.state)) {
      throw new AppError(
        'conflict',
        `the certificate is ${certificate.state}; this needs ${states.join(' or ')}`,
        {
          extensions: { state: certificate.state },
        },
      );
    }
    return certificate;
  }

  private async transition(
    actor: Actor,
    certificate: CertificateDocument,
    set: Partial<CertificateDocument>,
    action: string,
    events: EventDraft[],
    push: Record<string, unknown> = {},
  ): Promise<CertificateDocument> {
    const now = this.deps.now();
    const version = certificate.version + 1;
    const state = set.state ?? certificate.state;
    const historyEntry = { state, at: now, by: actor.principal.clientId };
    const pushes = { ...push, ...(set.state ? { history: historyEntry } : {}) };
    const change = this.deps.writer.change(
      [
        {
          op: 'update',
          collection: COLLECTIONS.certificates,
          filter: { _id: certificate._id, version: certificate.version },
          update: {
            $set: { ...set, version, updatedAt: now },
            ...(Object.keys(pushes).length > 0 ? { $push: pushes } : {}),
          },
        },
        insertAudit(
          auditEntry(
            actor,
            action,
            { type: 'certificate', id: certificate._id, communityCode: certificate.communityCode },
            {
              ...Object.fromEntries(
                Object.keys(set).map((k) => [k, certificate[k as keyof CertificateDocument] ?? null]),
              ),
              version: certificate.version,
            },
            { ...set, ...push, version },
            now,
          ),
        ),
      ],
      events,
    );
    const outcome = await commitOne(this.deps.writer, change);
    if (outcome.status === 'rejected') throw staleVersion(version);
    return {
      ...certificate,
      ...set,
      checks: push.checks
        ? [...certificate.checks, push.checks as CertificateDocument['checks'][number]]
        : certificate.checks,
      history: set.state ? [...certificate.history, historyEntry] : certificate.history,
      version,
      updatedAt: now,
    };
  }

  private event<S extends EventDraft['schema']>(
    c: CertificateDocument,
    schema: S,
    payload: EventDraft<S>['payload'],
    at: Date,
  ): EventDraft {
    return {
      topic: this.deps.topic,
      subject: c._id,
      communityCode: c.communityCode,
      schema,
      payload,
      occurredAt: at,
    } as EventDraft;
  }
}
