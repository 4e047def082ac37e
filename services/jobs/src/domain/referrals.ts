import { ReferralMadeSchema } from '@employment/contracts';
import { AppError } from '@employment/core';
import { newId } from '@employment/messaging';
import {
  COLLECTIONS,
  type ReferralDocument,
  type ReferralState,
  type ReferralStep,
} from '../data-access/models.ts';
import type { JobsRepository } from '../data-access/repository.ts';
import type { CandidatePool } from './candidate-pool.ts';
import type { CandidateProfiles } from './candidate-profiles.ts';
import {
  assertVisible,
  auditEntry,
  auditInsert,
  type Caller,
  commitOne,
  type Writer,
  withRetries,
} from './changes.ts';
import { chinaDate } from './dates.ts';
import { JOBS_TOPIC, referralMadePayload } from './events.ts';
import { eligibility, isTakingApplications, scoreMatch } from './matching.ts';
import type { SkillVocabulary } from './skills.ts';
import { toReferralView } from './views.ts';

/**
 * The referral state machine (推荐):
 *
 *   proposed ──► sent ──► interviewed ──► hired
 *      │          │ │          │
 *      ▼          ▼ ▼          ▼
 *   rejected  rejected no-show  rejected
 *
 * A caseworker proposes a person, sends them to the employer, records the interview; the employer
 * hires or rejects, or the person does not turn up. `hired` is reached only by recording the
 * placement (POST /v1/placements), which carries the contract's terms. The last three are final.
 */
export const REFERRAL_TRANSITIONS: Readonly<Record<ReferralState, readonly ReferralState[]>> = {
  proposed: ['sent', 'rejected'],
  sent: ['interviewed', 'rejected', 'no-show'],
  interviewed: ['hired', 'rejected'],
  hired: [],
  rejected: [],
  'no-show': [],
};

export const canTransition = (from: ReferralState, to: ReferralState): boolean =>
  REFERRAL_TRANSITIONS[from].includes(to);

export class ReferralDesk {
  private readonly repository: JobsRepository;
  private readonly writer: Writer;
  private readonly pool: CandidatePool;
  private readonly profiles: CandidateProfiles;
  private readonly vocabulary: SkillVocabulary;
  private readonly now: () => Date;

  constructor(deps: {
    repository: JobsRepository;
    writer: Writer;
    pool: CandidatePool;
    profiles: CandidateProfiles;
    vocabulary: SkillVocabulary;
    now?: () => Date;
  }) {
    this.repository = deps.repository;
    this.writer = deps.writer;
    this.pool = deps.pool;
    this.profiles = deps.profiles;
    this.vocabulary = deps.vocabulary;
    this.now = deps.now ?? (() => new Date());
  }

  /** Proposes a person of the caller's area for an open vacancy; publishes ReferralMade. */
  async propose(caller: Caller, input: { vacancyId: string; residentId: string; note?: string }) {
    const candidate = await this.profiles.visible(caller, input.residentId);
    const vacancy = await this.repository.findVacancy(input.vacancyId);
    if (!vacancy) throw new AppError('not-found', 'no such vacancy');
    const now = this.now();
    const today = chinaDate(now);
    if (!isTakingApplications(vacancy, today))
      throw new AppError('conflict', 'the vacancy is not taking applications');
    const facts = this.pool.facts(candidate, today);
    const allowed = eligibility(vacancy, candidate, facts);
    if (!allowed.eligible) {
      throw new AppError(
        'unprocessable',
        `this person cannot be referred to this vacancy: ${allowed.reasons.join('; ')}`,
        {
          extensions: { reasons: allowed.reasons },
        },
      );
    }
    const pooled = this.pool.get(candidate._id) ?? {
      doc: candidate,
      concepts: this.vocabulary.expand([
        ...candidate.skills,
        ...(candidate.occupation ? [candidate.occupation] : []),
      ]),
      educationRank: null,
    };
    const match = scoreMatch(this.vocabulary, vacancy, pooled, facts);
    const step: ReferralStep = {
      id: newId(),
      from: null,
      to: 'proposed',
      at: now,
      by: caller.principal.clientId,
      note: input.note?.trim() || null,
    };
    const referral: ReferralDocument = {
      _id: newId(),
      vacancyId: vacancy._id,
      residentId: candidate._id,
      communityCode: candidate.communityCode,
      vacancyCommunityCode: vacancy.communityCode,
      vacancyTitle: vacancy.title,
      vacancyKind: vacancy.kind,
      employer: vacancy.employer,
      state: 'proposed',
      history: [step],
      match: { score: match.score, priority: match.tier > 0, priorityGroups: [...facts.groups].sort() },
      note: step.note,
      placementId: null,
      version: 1,
      createdAt: now,
      createdBy: caller.principal.clientId,
      updatedAt: now,
    };
    const outcome = await commitOne(
      this.writer,
      [
        // The unique (vacancy, person) index refuses a second referral of the same person.
        { op: 'insert', collection: COLLECTIONS.referrals, document: referral },
        auditInsert(
          auditEntry(caller, now, {
            action: 'referral.proposed',
            subjectType: 'referral',
            subjectId: referral._id,
            communityCode: referral.communityCode,
            before: null,
            after: referral,
          }),
        ),
      ],
      [
        {
          topic: JOBS_TOPIC,
          subject: referral._id,
          communityCode: referral.communityCode,
          schema: ReferralMadeSchema,
          payload: referralMadePayload(referral),
          occurredAt: now,
        },
      ],
    );
    if (outcome.status === 'rejected') {
      const existing = await this.repository.findReferralFor(vacancy._id, candidate._id);
      throw new AppError('duplicate', 'this person was already referred to this vacancy', {
        extensions: existing ? { referralId: existing._id, state: existing.state } : {},
      });
    }
    return toReferralView(referral);
  }

  async visible(caller: Caller, referralId: string): Promise<ReferralDocument> {
    const referral = await this.repository.findReferral(referralId);
    if (!referral) throw new AppError('not-found', 'no such referral in your area');
    assertVisible(caller.principal, referral.communityCode, 'referral');
    return referral;
  }

  /**
   * Moves a referral along the state machine. A transition the machine does not allow from the
   * current state is refused with 409 and the allowed ones; `hired` with 422 (record a placement).
   */
  transition(
    caller: Caller,
    referralId: string,
    input: { to: ReferralState; note?: string; expectedVersion?: number },
  ) {
    return withRetries(async () => {
      const referral = await this.visible(caller, referralId);
      if (input.to === 'hired') {
        throw new AppError(
          'unprocessable',
          'a hire is recorded with POST /v1/placements, which carries the contract terms',
          {
            extensions: { state: referral.state },
          },
        );
      }
      if (input.expectedVersion !== undefined && input.expectedVersion !== referral.version) {
        throw new AppError(
          'conflict',
          `the referral is at version ${referral.version}, not ${input.expectedVersion}`,
          {
            extensions: { state: referral.state, version: referral.version },
          },
        );
      }
      if (!canTransition(referral.state, input.to)) {
        throw new AppError('conflict', `a referral cannot go from "${referral.state}" to "${input.to}"`, {
          extensions: { state: referral.state, allowed: REFERRAL_TRANSITIONS[referral.state] },
        });
      }
      const now = this.now();
      const step: ReferralStep = {
        id: newId(),
        from: referral.state,
        to: input.to,
        at: now,
        by: caller.principal.clientId,
        note: input.note?.trim() || null,
      };
      const after: ReferralDocument = {
        ...referral,
        state: input.to,
        history: [...referral.history, step],
        version: referral.version + 1,
        updatedAt: now,
      };
      const outcome = await commitOne(
        this.writer,
        [
          {
            op: 'update',
            collection: COLLECTIONS.referrals,
            filter: { _id: referral._id, version: referral.version },
            update: {
              $set: { state: after.state, version: after.version, updatedAt: now },
              $push: { history: step },
            },
          },
          auditInsert(
            auditEntry(caller, now, {
              action: `referral.${input.to}`,
              subjectType: 'referral',
              subjectId: referral._id,
              communityCode: referral.communityCode,
              before: referral,
              after,
            }),
          ),
        ],
        [],
      );
      return outcome.status === 'applied' ? toReferralView(after) : 'conflict';
    }, 'the referral');
  }
}
