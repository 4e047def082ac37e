import { EmploymentStabilizedSchema, PlacementEndedSchema, PlacementMadeSchema } from '@employment/contracts';
import { AppError } from '@employment/core';
import { type EventDraft, type Mutation, newId } from '@employment/messaging';
import {
  COLLECTIONS,
  type FollowUp,
  type PlacementDocument,
  type PlacementEnd,
  type ReferralDocument,
  type ReferralStep,
  syncStamp,
  type VacancyDocument,
} from '../data-access/models.ts';
import type { JobsRepository } from '../data-access/repository.ts';
import type { CandidatePool } from './candidate-pool.ts';
import type { CandidateProfiles } from './candidate-profiles.ts';
import {
  assertVisible,
  auditEntry,
  auditInsert,
  bodyProblem,
  type Caller,
  commitOne,
  type Writer,
  withRetries,
} from './changes.ts';
import { addDays, addMonths, chinaDate, type IsoDate, sixMonthMark, threeMonthMark } from './dates.ts';
import {
  employmentStabilizedPayload,
  JOBS_TOPIC,
  placementEndedPayload,
  placementMadePayload,
} from './events.ts';
import { eligibility } from './matching.ts';
import { toPlacementView } from './views.ts';
import type { ContractType, FollowUpCheckpoint, FollowUpMethod, PlacementEndReason } from './vocabulary.ts';

export interface PlacementInput {
  vacancyId: string;
  residentId: string;
  referralId?: string;
  startDate: IsoDate;
  contractType: ContractType;
  contractEndDate?: IsoDate;
  monthlyWage: number;
}

export interface EndInput {
  endedOn: IsoDate;
  reason: PlacementEndReason;
  detail?: string;
}

export interface FollowUpInput {
  checkpoint: FollowUpCheckpoint;
  contactedOn: IsoDate;
  method: FollowUpMethod;
  stillEmployed: boolean;
  note?: string;
  /** When the person no longer holds the job: when and why it ended. */
  endedOn?: IsoDate;
  endReason?: PlacementEndReason;
  endDetail?: string;
}

/** A placement may be recorded late, but not from before this many days ago, nor far ahead. */
const PAST_START_LIMIT_DAYS = 730;
const FUTURE_START_LIMIT_DAYS = 90;

const CHECKPOINT_MONTHS: Readonly<Record<FollowUpCheckpoint, number>> = { '3-months': 3, '6-months': 6 };

/**
 * Placements (安置就业) and stable employment (稳定就业): a placement is followed up at 3 and 6
 * months after its start; a 6-month follow-up confirming the person still holds the job makes it
 * stable (EmploymentStabilized). A placement that ends is recorded with its reason
 * (PlacementEnded, with `withinSixMonths` when it ended before the six-month mark).
 */
export class PlacementDesk {
  private readonly repository: JobsRepository;
  private readonly writer: Writer;
  private readonly pool: CandidatePool;
  private readonly profiles: CandidateProfiles;
  private readonly now: () => Date;

  constructor(deps: {
    repository: JobsRepository;
    writer: Writer;
    pool: CandidatePool;
    profiles: CandidateProfiles;
    now?: () => Date;
  }) {
    this.repository = deps.repository;
    this.writer = deps.writer;
    this.pool = deps.pool;
    this.profiles = deps.profiles;
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Records a hire. The vacancy's version guards the change, so its places are never over-filled;
   * the referral (if any) becomes `hired`, the person's candidate record notes the placement, and
   * PlacementMade tells residents the person is employed from the start date.
   */
  place(caller: Caller, input: PlacementInput) {
    return withRetries(async () => {
      const now = this.now();
      const today = chinaDate(now);
      checkStartDate(input, today);
      const candidate = await this.profiles.visible(caller, input.residentId);
      let referral: ReferralDocument | null = null;
      if (input.referralId) {
        referral = await this.repository.findReferral(input.referralId);
        if (!referral || referral.communityCode !== candidate.communityCode)
          throw new AppError('not-found', 'no such referral in your area');
        if (referral.vacancyId !== input.vacancyId || referral.residentId !== input.residentId)
          throw bodyProblem('/referralId', 'is a referral of another person or vacancy');
        if (referral.state !== 'interviewed') {
          throw new AppError(
            'conflict',
            `a referral cannot go from "${referral.state}" to "hired" (it must be interviewed first)`,
            {
              extensions: {
                state: referral.state,
                allowed: referral.state === 'sent' ? ['interviewed', 'rejected', 'no-show'] : [],
              },
            },
          );
        }
      }
      const vacancy = await this.repository.findVacancy(input.vacancyId);
      if (!vacancy) throw new AppError('not-found', 'no such vacancy');
      if (vacancy.state === 'closed') throw new AppError('conflict', 'the vacancy is closed');
      if (vacancy.placed >= vacancy.places)
        throw new AppError('conflict', `the vacancy's ${vacancy.places} place(s) are filled`);
      checkContract(vacancy, input);
      if (candidate.activePlacementId) {
        throw new AppError('conflict', 'this person already holds a placement; end it first', {
          extensions: { placementId: candidate.activePlacementId },
        });
      }
      const facts = this.pool.facts(candidate, today);
      const allowed = eligibility(vacancy, candidate, facts, { requireJobSeeking: false });
      if (!allowed.eligible) {
        throw new AppError(
          'unprocessable',
          `this person cannot be placed in this vacancy: ${allowed.reasons.join('; ')}`,
          {
            extensions: { reasons: allowed.reasons },
          },
        );
      }

      const placement: PlacementDocument = {
        _id: newId(),
        residentId: candidate._id,
        communityCode: candidate.communityCode,
        householdId: candidate.householdId ?? this.pool.household(candidate)?._id ?? null,
        vacancyId: vacancy._id,
        vacancyCommunityCode: vacancy.communityCode,
        referralId: referral?._id ?? null,
        employer: vacancy.employer,
        publicWelfare: vacancy.kind === 'public-welfare',
        startDate: input.startDate,
        contractType: input.contractType,
        contractEndDate: input.contractEndDate ?? publicWelfareTermEnd(vacancy, input.startDate),
        monthlyWage: input.monthlyWage,
        status: 'active',
        nextFollowUp: { checkpoint: '3-months', dueOn: threeMonthMark(input.startDate) },
        followUps: [],
        stabilizedOn: null,
        ended: null,
        version: 1,
        createdAt: now,
        createdBy: caller.principal.clientId,
        updatedAt: now,
      };
      const placed = vacancy.placed + 1;
      const vacancyAfter: VacancyDocument = {
        ...vacancy,
        placed,
        placementIds: [...vacancy.placementIds, placement._id],
        state: placed >= vacancy.places ? 'filled' : vacancy.state,
        version: vacancy.version + 1,
        updatedAt: now,
      };
      const audit = (
        action: string,
        subjectType: string,
        subjectId: string,
        communityCode: string,
        before: object | null,
        after: object,
      ) =>
        auditInsert(
          auditEntry(caller, now, { action, subjectType, subjectId, communityCode, before, after }),
        );

      const mutations: Mutation[] = [
        {
          op: 'update',
          collection: COLLECTIONS.vacancies,
          filter: { _id: vacancy._id, version: vacancy.version },
          update: {
            $set: { placed, state: vacancyAfter.state, version: vacancyAfter.version, updatedAt: now },
            $addToSet: { placementIds: placement._id },
          },
        },
        { op: 'insert', collection: COLLECTIONS.placements, document: placement },
        audit('placement.made', 'placement', placement._id, placement.communityCode, null, placement),
        audit('vacancy.place-filled', 'vacancy', vacancy._id, vacancy.communityCode, vacancy, vacancyAfter),
        // Idempotent: the same value set again on a replay.
        {
          op: 'update',
          collection: COLLECTIONS.candidates,
          filter: { _id: candidate._id },
          update: { $set: { activePlacementId: placement._id, ...syncStamp(new Date()) } },
        },
      ];
      if (referral) {
        const step: ReferralStep = {
          id: newId(),
          from: referral.state,
          to: 'hired',
          at: now,
          by: caller.principal.clientId,
          note: null,
        };
        mutations.push(
          {
            op: 'update',
            collection: COLLECTIONS.referrals,
            filter: { _id: referral._id },
            // $addToSet of the same step is a no-op on a replay, where $push would repeat it.
            update: {
              $set: {
                state: 'hired',
                placementId: placement._id,
                version: referral.version + 1,
                updatedAt: now,
              },
              $addToSet: { history: step },
            },
          },
          audit('referral.hired', 'referral', referral._id, referral.communityCode, referral, {
            ...referral,
            state: 'hired',
            placementId: placement._id,
            history: [...referral.history, step],
          }),
        );
      }
      const outcome = await commitOne(this.writer, mutations, [
        this.draft(placement, PlacementMadeSchema, placementMadePayload(placement), now),
      ]);
      if (outcome.status !== 'applied') return 'conflict';
      await this.profiles.reload(candidate._id);
      return toPlacementView(placement);
    }, 'the vacancy');
  }

  async visible(caller: Caller, placementId: string): Promise<PlacementDocument> {
    const placement = await this.repository.findPlacement(placementId);
    if (!placement) throw new AppError('not-found', 'no such placement in your area');
    assertVisible(caller.principal, placement.communityCode, 'placement');
    return placement;
  }

  /** Records that a placement ended, and why; publishes PlacementEnded. */
  end(caller: Caller, placementId: string, input: EndInput) {
    return withRetries(async () => {
      const placement = await this.visible(caller, placementId);
      if (placement.status === 'ended') throw new AppError('conflict', 'the placement has already ended');
      const now = this.now();
      checkEndDate(placement, input.endedOn, chinaDate(now), '/endedOn');
      const ended = endOf(caller, placement, input, now);
      return this.save(caller, placement, now, 'placement.ended', {
        status: 'ended',
        ended,
        nextFollowUp: null,
      });
    }, 'the placement');
  }

  /**
   * Records a follow-up (跟踪回访) at 3 or 6 months. Each is due from its mark (the same day 3 or
   * 6 months after the start): one recorded earlier is refused, since a 6-month follow-up before
   * the six months are up cannot confirm stable employment. If the person no longer holds the
   * job, the follow-up also records when and why it ended.
   */
  followUp(caller: Caller, placementId: string, input: FollowUpInput) {
    return withRetries(async () => {
      const placement = await this.visible(caller, placementId);
      const now = this.now();
      const today = chinaDate(now);
      if (placement.status === 'ended')
        throw new AppError('conflict', 'the placement has ended; no follow-up is due');
      if (placement.status === 'stable')
        throw new AppError('conflict', 'the placement is already confirmed stable; no follow-up is due');
      if (placement.followUps.some((f) => f.checkpoint === input.checkpoint))
        throw new AppError('conflict', `the ${input.checkpoint} follow-up is already recorded`);
      if (input.contactedOn > today) throw bodyProblem('/contactedOn', 'must not be in the future');
      const dueOn = addMonths(placement.startDate, CHECKPOINT_MONTHS[input.checkpoint]);
      if (input.contactedOn < dueOn) {
        throw new AppError(
          'unprocessable',
          `the ${input.checkpoint} follow-up is due from ${dueOn} (start ${placement.startDate}); ${input.contactedOn} is too early`,
          {
            extensions: { dueOn },
            errors: [{ in: 'body', pointer: '/contactedOn', detail: `must be on or after ${dueOn}` }],
          },
        );
      }
      const followUp: FollowUp = {
        id: newId(),
        checkpoint: input.checkpoint,
        dueOn,
        contactedOn: input.contactedOn,
        method: input.method,
        stillEmployed: input.stillEmployed,
        note: input.note?.trim() || null,
        recordedBy: caller.principal.clientId,
        recordedAt: now,
      };
      const followUps = [...placement.followUps, followUp];
      if (!input.stillEmployed) {
        if (!input.endedOn || !input.endReason) {
          throw new AppError(
            'validation-failed',
            'a follow-up that finds the job lost must say when and why it ended',
            {
              errors: [
                ...(input.endedOn
                  ? []
                  : [
                      {
                        in: 'body' as const,
                        pointer: '/endedOn',
                        detail: 'is required when stillEmployed is false',
                      },
                    ]),
                ...(input.endReason
                  ? []
                  : [
                      {
                        in: 'body' as const,
                        pointer: '/endReason',
                        detail: 'is required when stillEmployed is false',
                      },
                    ]),
              ],
            },
          );
        }
        checkEndDate(placement, input.endedOn, input.contactedOn, '/endedOn');
        const ended = endOf(
          caller,
          placement,
          {
            endedOn: input.endedOn,
            reason: input.endReason,
            ...(input.endDetail ? { detail: input.endDetail } : {}),
          },
          now,
        );
        return this.save(caller, placement, now, 'placement.followed-up', {
          status: 'ended',
          ended,
          followUps,
          nextFollowUp: null,
        });
      }
      if (input.checkpoint === '6-months') {
        return this.save(caller, placement, now, 'placement.stabilized', {
          status: 'stable',
          stabilizedOn: input.contactedOn,
          followUps,
          nextFollowUp: null,
        });
      }
      return this.save(caller, placement, now, 'placement.followed-up', {
        followUps,
        nextFollowUp: { checkpoint: '6-months', dueOn: sixMonthMark(placement.startDate) },
      });
    }, 'the placement');
  }

  /** One change to a placement, guarded by its version, with its audit entry and events. */
  private async save(
    caller: Caller,
    placement: PlacementDocument,
    now: Date,
    action: string,
    changes: Partial<PlacementDocument>,
  ) {
    const after: PlacementDocument = {
      ...placement,
      ...changes,
      version: placement.version + 1,
      updatedAt: now,
    };
    const mutations: Mutation[] = [
      {
        op: 'update',
        collection: COLLECTIONS.placements,
        filter: { _id: placement._id, version: placement.version },
        update: { $set: { ...changes, version: after.version, updatedAt: now } },
      },
      auditInsert(
        auditEntry(caller, now, {
          action,
          subjectType: 'placement',
          subjectId: placement._id,
          communityCode: placement.communityCode,
          before: placement,
          after,
        }),
      ),
    ];
    const events: EventDraft[] = [];
    if (after.status === 'ended' && placement.status !== 'ended') {
      // Only clears the person's placement if it is still this one.
      mutations.push({
        op: 'update',
        collection: COLLECTIONS.candidates,
        filter: { _id: placement.residentId, activePlacementId: placement._id },
        update: { $set: { activePlacementId: null, ...syncStamp(new Date()) } },
      });
      events.push(this.draft(after, PlacementEndedSchema, placementEndedPayload(after), now));
    }
    if (after.status === 'stable' && placement.status !== 'stable') {
      events.push(this.draft(after, EmploymentStabilizedSchema, employmentStabilizedPayload(after), now));
    }
    const outcome = await commitOne(this.writer, mutations, events);
    if (outcome.status !== 'applied') return 'conflict' as const;
    if (after.status === 'ended') await this.profiles.reload(placement.residentId).catch(() => undefined);
    return toPlacementView(after);
  }

  private draft<S extends EventDraft['schema']>(
    placement: PlacementDocument,
    schema: S,
    payload: EventDraft<S>['payload'],
    now: Date,
  ): EventDraft {
    return {
      topic: JOBS_TOPIC,
      subject: placement._id,
      communityCode: placement.communityCode,
      schema,
      payload,
      occurredAt: now,
    } as EventDraft;
  }
}

function endOf(caller: Caller, placement: PlacementDocument, input: EndInput, now: Date): PlacementEnd {
  return {
    endedOn: input.endedOn,
    reason: input.reason,
    detail: input.detail?.trim() || null,
    // Ended before the day six months after the start: the employment was not stable.
    withinSixMonths: input.endedOn < sixMonthMark(placement.startDate),
    recordedBy: caller.principal.clientId,
    recordedAt: now,
  };
}

function checkStartDate(input: PlacementInput, today: IsoDate): void {
  if (input.startDate < addDays(today, -PAST_START_LIMIT_DAYS))
    throw bodyProblem('/startDate', `must be within the last ${PAST_START_LIMIT_DAYS} days`);
  if (input.startDate > addDays(today, FUTURE_START_LIMIT_DAYS))
    throw bodyProblem('/startDate', `must be at most ${FUTURE_START_LIMIT_DAYS} days ahead`);
  if (input.contractEndDate !== undefined && input.contractEndDate < input.startDate)
    throw bodyProblem('/contractEndDate', 'must not be before startDate');
}

function checkEndDate(
  placement: PlacementDocument,
  endedOn: IsoDate,
  latest: IsoDate,
  pointer: string,
): void {
  if (endedOn < placement.startDate)
    throw bodyProblem(pointer, `must not be before the start date (${placement.startDate})`);
  if (endedOn > latest) throw bodyProblem(pointer, `must not be after ${latest}`);
}

/** Public-welfare posts are held under a public-welfare agreement, and ordinary vacancies never are. */
function checkContract(vacancy: VacancyDocument, input: PlacementInput): void {
  const isPublicWelfare = vacancy.kind === 'public-welfare';
  if (isPublicWelfare !== (input.contractType === 'public-welfare-agreement')) {
    throw bodyProblem(
      '/contractType',
      isPublicWelfare
        ? 'a public-welfare post is held under a "public-welfare-agreement"'
        : '"public-welfare-agreement" is only for public-welfare posts',
    );
  }
}

/** A public-welfare post's agreement ends with its term, or with its funding if that comes first. */
function publicWelfareTermEnd(vacancy: VacancyDocument, startDate: IsoDate): IsoDate | null {
  const pw = vacancy.publicWelfare;
  if (!pw) return null;
  const termEnd = addDays(addMonths(startDate, pw.termMonths), -1);
  // biome-ignore lint/complexity/useMathMinMax: ISO date strings compare as text, not as numbers
  return termEnd < pw.funding.until ? termEnd : pw.funding.until;
}
