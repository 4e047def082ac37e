import { AppError, areaFilter } from '@employment/core';
import {
  type CandidateDocument,
  type CandidatePreferences,
  COLLECTIONS,
  syncStamp,
} from '../data-access/models.ts';
import type { JobsRepository } from '../data-access/repository.ts';
import { accessEntry } from './access.ts';
import type { CandidatePool } from './candidate-pool.ts';
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
import type { SkillVocabulary } from './skills.ts';
import { toCandidateView } from './views.ts';
import type { DistanceLevel } from './vocabulary.ts';

export interface PreferencesInput {
  occupations?: string[];
  maxDistance?: DistanceLevel;
  minMonthlyWage?: number;
}

/** The people jobs can match: read from the pool, scoped to the caller's area, every read audited. */
export class CandidateProfiles {
  private readonly repository: JobsRepository;
  private readonly writer: Writer;
  private readonly pool: CandidatePool;
  private readonly vocabulary: SkillVocabulary;
  private readonly now: () => Date;

  constructor(deps: {
    repository: JobsRepository;
    writer: Writer;
    pool: CandidatePool;
    vocabulary: SkillVocabulary;
    now?: () => Date;
  }) {
    this.repository = deps.repository;
    this.writer = deps.writer;
    this.pool = deps.pool;
    this.vocabulary = deps.vocabulary;
    this.now = deps.now ?? (() => new Date());
  }

  /** The pool's record, or the store's when this replica has not seen it yet. */
  async find(residentId: string): Promise<CandidateDocument | null> {
    return this.pool.get(residentId)?.doc ?? (await this.repository.findCandidate(residentId));
  }

  /** A candidate of the caller's area, or 404 (one outside it does not exist for the caller). */
  async visible(caller: Caller, residentId: string): Promise<CandidateDocument> {
    const candidate = await this.find(residentId);
    if (!candidate) throw new AppError('not-found', 'no such candidate in your area');
    assertVisible(caller.principal, candidate.communityCode, 'candidate');
    return candidate;
  }

  /**
   * Puts the stored record in the pool after this replica changed it, read back rather than
   * patched so that a resident event applied meanwhile is not overwritten in memory.
   */
  async reload(residentId: string): Promise<CandidateDocument> {
    const doc = await this.repository.findCandidate(residentId);
    if (!doc) throw new AppError('not-found', 'no such candidate in your area');
    this.pool.putCandidate(doc);
    return doc;
  }

  view(candidate: CandidateDocument) {
    const today = chinaDate(this.now());
    const concepts =
      this.pool.get(candidate._id)?.concepts ??
      this.vocabulary.expand([...candidate.skills, ...(candidate.occupation ? [candidate.occupation] : [])]);
    return toCandidateView(this.vocabulary, candidate, this.pool.facts(candidate, today), concepts);
  }

  async read(caller: Caller, residentId: string) {
    const candidate = await this.visible(caller, residentId);
    await this.repository.recordAccess([
      accessEntry(caller, 'candidate.read', 'candidate', candidate._id, candidate.communityCode, this.now()),
    ]);
    return this.view(candidate);
  }

  async list(caller: Caller, options: { communityCode?: string; after?: string; limit: number }) {
    const filter: Record<string, unknown> = { ...areaFilter(caller.principal) };
    const scoped = options.communityCode
      ? { $and: [filter, { communityCode: options.communityCode }] }
      : filter;
    const rows = await this.repository.listCandidates(scoped, options.after, options.limit + 1);
    await this.repository.recordAccess([
      accessEntry(
        caller,
        'candidates.listed',
        'candidate-list',
        options.communityCode ?? caller.principal.areas.join(','),
        options.communityCode ?? null,
        this.now(),
        { residentIds: rows.slice(0, options.limit).map((r) => r._id) },
      ),
    ]);
    return rows;
  }

  /** The person's stated job preferences (occupations, the farthest they would travel, the lowest wage). */
  setPreferences(caller: Caller, residentId: string, input: PreferencesInput) {
    return withRetries(async () => {
      const candidate = await this.repository.findCandidate(residentId);
      if (!candidate) throw new AppError('not-found', 'no such candidate in your area');
      assertVisible(caller.principal, candidate.communityCode, 'candidate');
      const now = this.now();
      const seen = new Set<string>();
      const preferences: CandidatePreferences = {
        occupations: (input.occupations ?? [])
          .map((o) => this.vocabulary.ref(o))
          .filter((r) => r.label && !seen.has(r.concept) && seen.add(r.concept)),
        maxDistance: input.maxDistance ?? null,
        minMonthlyWage: input.minMonthlyWage ?? null,
        updatedAt: now,
        updatedBy: caller.principal.clientId,
      };
      const after: CandidateDocument = {
        ...candidate,
        preferences,
        preferencesVersion: candidate.preferencesVersion + 1,
        // Real time, whatever the use case's clock: other replicas poll by it.
        ...syncStamp(new Date()),
      };
      const outcome = await commitOne(
        this.writer,
        [
          {
            op: 'update',
            collection: COLLECTIONS.candidates,
            filter: { _id: candidate._id, preferencesVersion: candidate.preferencesVersion },
            update: {
              $set: {
                preferences,
                preferencesVersion: after.preferencesVersion,
                syncedAt: after.syncedAt,
                syncSlot: after.syncSlot,
              },
            },
          },
          auditInsert(
            auditEntry(caller, now, {
              action: 'candidate.preferences-set',
              subjectType: 'candidate',
              subjectId: candidate._id,
              communityCode: candidate.communityCode,
              before: { preferences: candidate.preferences },
              after: { preferences },
            }),
          ),
        ],
        [],
      );
      if (outcome.status !== 'applied') return 'conflict';
      return this.view(await this.reload(candidate._id));
    }, 'the candidate');
  }
}
