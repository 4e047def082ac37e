import { VacancyPostedSchema } from '@employment/contracts';
import { AppError, type FieldProblem } from '@employment/core';
import { newId } from '@employment/messaging';
import { COLLECTIONS, type PublicWelfareTerms, type VacancyDocument } from '../data-access/models.ts';
import type { JobsRepository } from '../data-access/repository.ts';
import {
  assertInArea,
  auditEntry,
  auditInsert,
  type Caller,
  commitOne,
  type Writer,
  withRetries,
} from './changes.ts';
import { chinaDate } from './dates.ts';
import { JOBS_TOPIC, vacancyPostedPayload } from './events.ts';
import type { SkillVocabulary } from './skills.ts';
import { toVacancyView } from './views.ts';
import {
  type Education,
  PUBLIC_WELFARE_GROUPS,
  type PublicWelfareCategory,
  type PublicWelfareGroup,
} from './vocabulary.ts';

export interface VacancyInput {
  employerId: string;
  communityCode: string;
  title: string;
  description?: string;
  occupation: string;
  requiredSkills?: string[];
  optionalSkills?: string[];
  minimumEducation?: Education;
  ageMin?: number;
  ageMax?: number;
  acceptsPartialCapacity?: boolean;
  wage: { min: number; max: number };
  places: number;
  opensOn?: string;
  closesOn: string;
  publicWelfare?: {
    category: PublicWelfareCategory;
    eligibleGroups?: PublicWelfareGroup[];
    termMonths: number;
    funding: { source: string; from: string; until: string };
  };
}

/** China's minimum working age (Labour Law art. 15). */
const MINIMUM_WORKING_AGE = 16;

/** Vacancies collected by communities (岗位收集) and public-welfare posts (公益性岗位). */
export class VacancyBoard {
  private readonly repository: JobsRepository;
  private readonly writer: Writer;
  private readonly vocabulary: SkillVocabulary;
  private readonly now: () => Date;

  constructor(deps: {
    repository: JobsRepository;
    writer: Writer;
    vocabulary: SkillVocabulary;
    now?: () => Date;
  }) {
    this.repository = deps.repository;
    this.writer = deps.writer;
    this.vocabulary = deps.vocabulary;
    this.now = deps.now ?? (() => new Date());
  }

  today(): string {
    return chinaDate(this.now());
  }

  /** Posts a vacancy of a registered employer in a community of the caller's area; publishes VacancyPosted. */
  async post(caller: Caller, input: VacancyInput) {
    const now = this.now();
    const today = chinaDate(now);
    const problems = checkVacancy(input, today);
    if (problems.length > 0) {
      throw new AppError('validation-failed', problems.map((p) => `${p.pointer}: ${p.detail}`).join('; '), {
        errors: problems,
      });
    }
    assertInArea(caller.principal, input.communityCode);
    const employer = await this.repository.findEmployer(input.employerId);
    if (!employer) {
      throw new AppError('unprocessable', 'no employer is registered with this id', {
        errors: [{ in: 'body', pointer: '/employerId', detail: 'names no registered employer' }],
      });
    }
    const pw = input.publicWelfare;
    const publicWelfare: PublicWelfareTerms | null = pw
      ? {
          category: pw.category,
          eligibleGroups: [...new Set(pw.eligibleGroups ?? PUBLIC_WELFARE_GROUPS)],
          termMonths: pw.termMonths,
          funding: { source: pw.funding.source.trim(), from: pw.funding.from, until: pw.funding.until },
        }
      : null;
    const refs = (labels: string[] | undefined) => {
      const seen = new Set<string>();
      return (labels ?? [])
        .map((l) => this.vocabulary.ref(l))
        .filter((r) => r.label && !seen.has(r.concept) && seen.add(r.concept));
    };
    const vacancy: VacancyDocument = {
      _id: newId(),
      kind: publicWelfare ? 'public-welfare' : 'regular',
      employer: { id: employer._id, name: employer.name, creditCode: employer.creditCode },
      communityCode: input.communityCode,
      title: input.title.trim(),
      description: input.description?.trim() || null,
      occupation: this.vocabulary.ref(input.occupation),
      requiredSkills: refs(input.requiredSkills),
      optionalSkills: refs(input.optionalSkills),
      minimumEducation: input.minimumEducation ?? null,
      ageMin: input.ageMin ?? null,
      ageMax: input.ageMax ?? null,
      // Public-welfare posts exist for people who struggle in the open market: partial capacity is welcome unless said otherwise.
      acceptsPartialCapacity: input.acceptsPartialCapacity ?? publicWelfare !== null,
      wageMin: input.wage.min,
      wageMax: input.wage.max,
      places: input.places,
      placed: 0,
      placementIds: [],
      opensOn: input.opensOn ?? today,
      closesOn: input.closesOn,
      state: 'open',
      closedReason: null,
      publicWelfare,
      version: 1,
      createdAt: now,
      createdBy: caller.principal.clientId,
      updatedAt: now,
    };
    await commitOne(
      this.writer,
      [
        { op: 'insert', collection: COLLECTIONS.vacancies, document: vacancy },
        auditInsert(
          auditEntry(caller, now, {
            action: vacancy.kind === 'public-welfare' ? 'public-welfare-post.opened' : 'vacancy.posted',
            subjectType: 'vacancy',
            subjectId: vacancy._id,
            communityCode: vacancy.communityCode,
            before: null,
            after: vacancy,
          }),
        ),
      ],
      [
        {
          topic: JOBS_TOPIC,
          subject: vacancy._id,
          communityCode: vacancy.communityCode,
          schema: VacancyPostedSchema,
          payload: vacancyPostedPayload(vacancy),
          occurredAt: now,
        },
      ],
    );
    return toVacancyView(this.vocabulary, vacancy, today);
  }

  /** Vacancies are visible to every district; only their own area may change them. */
  async read(id: string) {
    const vacancy = await this.repository.findVacancy(id);
    if (!vacancy) throw new AppError('not-found', 'no such vacancy');
    return toVacancyView(this.vocabulary, vacancy, this.today());
  }

  /** Closes a vacancy (withdrawn, or hiring stopped early). */
  close(caller: Caller, id: string, reason: string) {
    return withRetries(async () => {
      const vacancy = await this.repository.findVacancy(id);
      if (!vacancy) throw new AppError('not-found', 'no such vacancy');
      assertInArea(caller.principal, vacancy.communityCode);
      if (vacancy.state === 'closed') throw new AppError('conflict', 'the vacancy is already closed');
      const now = this.now();
      const after: VacancyDocument = {
        ...vacancy,
        state: 'closed',
        closedReason: reason.trim(),
        version: vacancy.version + 1,
        updatedAt: now,
      };
      const outcome = await commitOne(
        this.writer,
        [
          {
            op: 'update',
            collection: COLLECTIONS.vacancies,
            filter: { _id: vacancy._id, version: vacancy.version },
            update: {
              $set: {
                state: 'closed',
                closedReason: after.closedReason,
                version: after.version,
                updatedAt: now,
              },
            },
          },
          auditInsert(
            auditEntry(caller, now, {
              action: 'vacancy.closed',
              subjectType: 'vacancy',
              subjectId: vacancy._id,
              communityCode: vacancy.communityCode,
              before: vacancy,
              after,
            }),
          ),
        ],
        [],
      );
      return outcome.status === 'applied'
        ? toVacancyView(this.vocabulary, after, chinaDate(now))
        : 'conflict';
    }, 'the vacancy');
  }
}

/** The rules the schema cannot say: ranges that must be ordered, dates that must make sense. */
export function checkVacancy(input: VacancyInput, today: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (pointer: string, detail: string) => problems.push({ in: 'body', pointer, detail });
  if (input.wage.min > input.wage.max) problem('/wage/min', 'must not exceed wage.max');
  if (input.ageMin !== undefined && input.ageMin < MINIMUM_WORKING_AGE)
    problem('/ageMin', `must be at least the minimum working age of ${MINIMUM_WORKING_AGE}`);
  if (input.ageMin !== undefined && input.ageMax !== undefined && input.ageMin > input.ageMax)
    problem('/ageMin', 'must not exceed ageMax');
  const opensOn = input.opensOn ?? today;
  if (input.closesOn < opensOn) problem('/closesOn', 'must not be before opensOn');
  if (input.closesOn < today) problem('/closesOn', 'must not be in the past');
  const pw = input.publicWelfare;
  if (pw) {
    if (pw.funding.from > pw.funding.until)
      problem('/publicWelfare/funding/from', 'must not be after funding.until');
    if (input.closesOn > pw.funding.until)
      problem('/closesOn', 'a public-welfare post cannot take applications after its funding ends');
    if (pw.eligibleGroups && pw.eligibleGroups.length === 0)
      problem('/publicWelfare/eligibleGroups', 'must name at least one group');
  }
  return problems;
}
