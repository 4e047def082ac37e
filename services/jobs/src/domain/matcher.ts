import { AppError, canAccessArea, offsetCursor } from '@employment/core';
import type { VacancyDocument } from '../data-access/models.ts';
import type { JobsRepository } from '../data-access/repository.ts';
import { accessEntry } from './access.ts';
import type { CandidatePool } from './candidate-pool.ts';
import type { CandidateProfiles } from './candidate-profiles.ts';
import type { Caller } from './changes.ts';
import { chinaDate } from './dates.ts';
import {
  compareMatches,
  eligibility,
  explain,
  isTakingApplications,
  type Match,
  rankCandidates,
  scoreMatch,
} from './matching.ts';
import type { SkillVocabulary } from './skills.ts';
import { candidateSummary, vacancySummary } from './views.ts';

export interface MatchPageOptions {
  limit: number;
  cursor?: string;
  minScore?: number;
}

/**
 * Matching both ways: the candidates for a vacancy (from the in-memory pool, only people of the
 * caller's area) and the vacancies for a person (every district's open vacancies). Each result
 * explains its score component by component and lists the skill gaps.
 */
export class Matcher {
  private readonly repository: JobsRepository;
  private readonly pool: CandidatePool;
  private readonly profiles: CandidateProfiles;
  private readonly vocabulary: SkillVocabulary;
  private readonly now: () => Date;

  constructor(deps: {
    repository: JobsRepository;
    pool: CandidatePool;
    profiles: CandidateProfiles;
    vocabulary: SkillVocabulary;
    now?: () => Date;
  }) {
    this.repository = deps.repository;
    this.pool = deps.pool;
    this.profiles = deps.profiles;
    this.vocabulary = deps.vocabulary;
    this.now = deps.now ?? (() => new Date());
  }

  async candidatesFor(caller: Caller, vacancyId: string, options: MatchPageOptions) {
    const vacancy = await this.repository.findVacancy(vacancyId);
    if (!vacancy) throw new AppError('not-found', 'no such vacancy');
    const now = this.now();
    const today = chinaDate(now);
    if (!isTakingApplications(vacancy, today))
      throw new AppError(
        'conflict',
        'the vacancy is not taking applications (not open, not yet open, or past its closing date)',
      );
    const offset = cursorOffset(options.cursor);
    const { considered, eligible, ranked, best } = rankCandidates(
      this.vocabulary,
      vacancy,
      this.pool.values(),
      (c) => this.pool.factsOf(c, today),
      (c) => canAccessArea(caller.principal, c.communityCode),
      {
        top: offset + options.limit,
        ...(options.minScore === undefined ? {} : { minScore: options.minScore }),
      },
    );
    const page = best.slice(offset);
    const next = offset + page.length;
    const nextCursor = next < ranked ? offsetCursor.encode({ offset: next }) : null;
    // Both store round trips at once: the audit of who was shown, and the referrals already made.
    const [states] = await Promise.all([
      page.length > 0 ? this.repository.referralStatesForVacancy(vacancy._id) : Promise.resolve([]),
      this.repository.recordAccess([
        accessEntry(
          caller,
          'vacancy.candidates-matched',
          'vacancy',
          vacancy._id,
          vacancy.communityCode,
          now,
          {
            residentIds: page.map((m) => m.candidate.doc._id),
          },
        ),
      ]),
    ]);
    const referrals = new Map(states.map((r) => [r.residentId, r]));
    return {
      vacancy: vacancySummary(vacancy, today),
      considered,
      eligible,
      items: page.map((match, i) => {
        const referral = referrals.get(match.candidate.doc._id);
        return {
          rank: offset + i + 1,
          candidate: candidateSummary(match.candidate.doc, match.facts),
          ...explain(this.vocabulary, match),
          referral: referral ? { id: referral._id, state: referral.state } : null,
        };
      }),
      nextCursor,
    };
  }

  async vacanciesFor(caller: Caller, residentId: string, options: MatchPageOptions) {
    const candidate = await this.profiles.visible(caller, residentId);
    const pooled = this.pool.get(residentId) ?? {
      doc: candidate,
      concepts: this.vocabulary.expand([
        ...candidate.skills,
        ...(candidate.occupation ? [candidate.occupation] : []),
      ]),
      educationRank: null,
    };
    const now = this.now();
    const today = chinaDate(now);
    const facts = this.pool.facts(candidate, today);
    const vacancies: VacancyDocument[] = await this.repository.openVacancies(today);
    let considered = 0;
    const ranked: Match[] = [];
    for (const vacancy of vacancies) {
      if (vacancy.placed >= vacancy.places) continue;
      considered++;
      // A person already placed may still look; the public-welfare groups and other rules always hold.
      if (!eligibility(vacancy, candidate, facts, { requireJobSeeking: false }).eligible) continue;
      ranked.push(scoreMatch(this.vocabulary, vacancy, pooled, facts));
    }
    ranked.sort(compareMatches);
    const kept = options.minScore === undefined ? ranked : ranked.filter((m) => m.score >= options.minScore!);
    const { page, offset, nextCursor } = paginate(kept, options);
    await this.repository.recordAccess([
      accessEntry(
        caller,
        'candidate.vacancies-matched',
        'candidate',
        candidate._id,
        candidate.communityCode,
        now,
      ),
    ]);
    return {
      candidate: candidateSummary(candidate, facts),
      considered,
      eligible: ranked.length,
      items: page.map((match, i) => ({
        rank: offset + i + 1,
        vacancy: vacancySummary(match.vacancy, today),
        ...explain(this.vocabulary, match),
      })),
      nextCursor,
    };
  }
}

/** Match lists are computed, not stored: the cursor is the position in the ranking. */
function cursorOffset(cursor: string | undefined): number {
  return offsetCursor.decode(cursor)?.offset ?? 0;
}

function paginate<T>(ranked: T[], options: MatchPageOptions) {
  const offset = cursorOffset(options.cursor);
  const page = ranked.slice(offset, offset + options.limit);
  const next = offset + page.length;
  return { page, offset, nextCursor: next < ranked.length ? offsetCursor.encode({ offset: next }) : null };
}
