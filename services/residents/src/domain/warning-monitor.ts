import type { Logger } from '@employment/core';
import { COLLECTIONS, type WarningDocument } from '../data-access/models.ts';
import type { ResidentsRepository } from '../data-access/residents-repository.ts';
import { addDays, chinaDate } from './calendar.ts';
import { type Actor, auditEntry, type ChangeWriter, commitOne, insertAudit, systemActor } from './changes.ts';
import { WORKING_STATUSES } from './vocabulary.ts';
import type { Warnings } from './warnings.ts';

/**
 * The time-based early warnings, run by every replica on a timer: a zero-employment household not
 * placed by its deadline, a certificate whose annual check is overdue, and warnings left
 * unresolved past their deadline, which climb one level. Running on several replicas at once is
 * safe: a raise is an insert under the warning's unique key, an escalation an update guarded by the
 * warning's version, so each happens once. Before acting, each check confirms its cause still holds
 * (and resolves the warning if it does not), which also repairs a resolution a crash interrupted.
 * Every write it makes, repairs included, is a change of the outbox with its audit entry, made by
 * the system actor `residents:warning-monitor`.
 */
export class WarningMonitor {
  private readonly deps: {
    repository: ResidentsRepository;
    writer: ChangeWriter;
    warnings: Warnings;
    logger: Logger;
    certificateGraceDays: number;
    now: () => Date;
  };
  private readonly actor: Actor = systemActor('residents:warning-monitor');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(deps: WarningMonitor['deps']) {
    this.deps = deps;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One round of checks; a round still running when the next is due is not doubled. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.checkAll()
      .catch((err) => this.deps.logger.warn({ err }, 'warning checks failed; will retry'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async checkAll(): Promise<void> {
    await this.placementDeadlines();
    await this.annualChecks();
    await this.escalations();
  }

  private async placementDeadlines(): Promise<void> {
    const now = this.deps.now();
    const due = (await this.deps.repository.warnings
      .find({
        kind: 'zero-employment-household',
        state: { $ne: 'resolved' },
        placementDueAt: { $lte: now },
        followUpWarningId: null,
      })
      .limit(500)
      .toArray()) as WarningDocument[];
    for (const warning of due) {
      if (this.stopped) return;
      if (!(await this.causeHolds(warning))) continue;
      const household = (await this.deps.repository.findHousehold(warning.subjectId))!;
      const raised = await this.deps.warnings.raise(
        this.actor,
        {
          kind: 'zero-employment-not-placed',
          subjectType: 'household',
          subjectId: warning.subjectId,
          communityCode: warning.communityCode,
          episode: String(new Date(household.status.since).getTime()),
          detail: `zero-employment since ${new Date(household.status.since).toISOString()}; nobody placed by ${new Date(warning.placementDueAt!).toISOString()}`,
        },
        (followUp) => [
          {
            op: 'update',
            collection: COLLECTIONS.warnings,
            filter: { _id: warning._id },
            update: { $set: { followUpWarningId: followUp._id } },
          },
        ],
      );
      if (!raised.raised) {
        // Raised before (another replica, or a round interrupted before marking): mark it here.
        await this.repair(
          'warning.follow-up-linked',
          { type: 'warning', id: warning._id, communityCode: warning.communityCode },
          COLLECTIONS.warnings,
          { followUpWarningId: null },
          { followUpWarningId: raised.warning?._id ?? 'unknown' },
        );
      }
    }
  }

  private async annualChecks(): Promise<void> {
    const today = chinaDate(this.deps.now());
    const lastOnTime = addDays(today, -this.deps.certificateGraceDays);
    const overdue = await this.deps.repository.certificates
      .find({ state: 'issued', nextCheckDue: { $lt: lastOnTime }, overdueWarningId: null })
      .limit(500)
      .toArray();
    for (const certificate of overdue) {
      if (this.stopped) return;
      const raised = await this.deps.warnings.raise(
        this.actor,
        {
          kind: 'certificate-check-overdue',
          subjectType: 'certificate',
          subjectId: certificate._id,
          communityCode: certificate.communityCode,
          episode: certificate.nextCheckDue!,
          detail: `certificate ${certificate.number}: annual check due ${certificate.nextCheckDue} not recorded`,
        },
        (warning) => [
          {
            op: 'update',
            collection: COLLECTIONS.certificates,
            filter: { _id: certificate._id, nextCheckDue: certificate.nextCheckDue },
            update: { $set: { overdueWarningId: warning._id } },
          },
        ],
      );
      if (!raised.raised) {
        await this.repair(
          'certificate.overdue-warning-linked',
          { type: 'certificate', id: certificate._id, communityCode: certificate.communityCode },
          COLLECTIONS.certificates,
          { nextCheckDue: certificate.nextCheckDue, overdueWarningId: null },
          { overdueWarningId: raised.warning?._id ?? 'unknown' },
        );
      }
    }
  }

  private async escalations(): Promise<void> {
    const now = this.deps.now();
    const overdue = (await this.deps.repository.warnings
      .find({ state: { $ne: 'resolved' }, escalateAt: { $lte: now } })
      .limit(500)
      .toArray()) as WarningDocument[];
    for (const warning of overdue) {
      if (this.stopped) return;
      if (!(await this.causeHolds(warning))) continue;
      await this.deps.warnings.escalate(this.actor, warning);
    }
  }

  /**
   * Sets fields of a record that still holds `expected` (the guard: nothing happens, and nothing is
   * audited, when another replica got there first), as one change with its audit entry.
   */
  private async repair(
    action: string,
    subject: { type: string; id: string; communityCode: string },
    collection: string,
    expected: Record<string, unknown>,
    set: Record<string, unknown>,
  ): Promise<void> {
    const at = this.deps.now();
    const before = Object.fromEntries(Object.keys(set).map((k) => [k, expected[k] ?? null]));
    await commitOne(
      this.deps.writer,
      this.deps.writer.change(
        [
          {
            op: 'update',
            collection,
            filter: { _id: subject.id, ...expected },
            update: { $set: set },
          },
          insertAudit(auditEntry(this.actor, action, subject, before, set, at)),
        ],
        [],
      ),
    );
  }

  /** True when the warning's cause still holds; otherwise it is resolved here and false is returned. */
  private async causeHolds(warning: WarningDocument): Promise<boolean> {
    let ended: string | undefined;
    if (warning.kind === 'zero-employment-household' || warning.kind === 'zero-employment-not-placed') {
      const household = await this.deps.repository.findHousehold(warning.subjectId);
      if (!household) ended = 'the household no longer exists';
      else if (!household.status.zeroEmployment) ended = 'the household is no longer zero-employment';
    } else if (warning.kind === 'certificate-check-overdue') {
      const certificate = await this.deps.repository.findCertificate(warning.subjectId);
      if (certificate?.state !== 'issued') ended = 'the certificate is no longer in force';
      else if (certificate.nextCheckDue && certificate.nextCheckDue >= chinaDate(this.deps.now()))
        ended = 'the annual check was recorded';
    } else if (warning.kind === 'job-lost-within-six-months') {
      const person = await this.deps.repository.findById(warning.subjectId);
      if (person && WORKING_STATUSES.has(person.employmentStatus)) ended = 'the person is working again';
    }
    if (!ended) return true;
    await this.deps.warnings.resolveOpen(this.actor, warning.subjectId, [warning.kind], ended);
    return false;
  }
}
