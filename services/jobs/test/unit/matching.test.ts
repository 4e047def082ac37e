import type { CandidateDocument, VacancyDocument } from '../../src/data-access/models.ts';
import { CandidatePool } from '../../src/domain/candidate-pool.ts';
import { candidateFacts } from '../../src/domain/candidates.ts';
import { eligibility, explain, rankCandidates, scoreMatch } from '../../src/domain/matching.ts';
import { canTransition, REFERRAL_TRANSITIONS } from '../../src/domain/referrals.ts';
import { SkillVocabulary } from '../../src/domain/skills.ts';

const vocabulary = SkillVocabulary.bundled();
const today = '2025-05-01';

function vacancy(overrides: Partial<VacancyDocument> = {}): VacancyDocument {
  return {
    _id: 'v1',
    kind: 'regular',
    employer: { id: 'e1', name: '江岸机械厂', creditCode: '91420102MA4K00000X' },
    communityCode: '420102001001',
    title: '电焊工',
    description: null,
    occupation: vocabulary.ref('焊工'),
    requiredSkills: [vocabulary.ref('电焊'), vocabulary.ref('叉车')],
    optionalSkills: [vocabulary.ref('气焊')],
    minimumEducation: 'junior-secondary',
    ageMin: null,
    ageMax: null,
    acceptsPartialCapacity: false,
    wageMin: 4000,
    wageMax: 6000,
    places: 2,
    placed: 0,
    placementIds: [],
    opensOn: '2025-04-01',
    closesOn: '2025-06-30',
    state: 'open',
    closedReason: null,
    publicWelfare: null,
    version: 1,
    createdAt: new Date(),
    createdBy: 'test',
    updatedAt: new Date(),
    ...overrides,
  };
}

function candidate(id: string, overrides: Partial<CandidateDocument> = {}): CandidateDocument {
  return {
    _id: id,
    communityCode: '420102001002',
    fullName: '张三',
    sex: 'male',
    birthDate: '1990-01-01',
    education: 'senior-secondary',
    workCapacity: 'full',
    hardshipCategories: [],
    skills: ['welding', 'forklift driving'],
    occupation: null,
    householdId: null,
    employmentStatus: 'unemployed',
    statusSince: null,
    profileVersion: 1,
    statusVersion: 1,
    preferences: null,
    preferencesVersion: 0,
    activePlacementId: null,
    registeredAt: null,
    syncedAt: new Date(),
    ...overrides,
  };
}

function pooled(pool: CandidatePool, doc: CandidateDocument) {
  pool.putCandidate(doc);
  return pool.get(doc._id)!;
}

describe('matching', () => {
  it('when a person written in English meets a vacancy written in Chinese, then the skills count', () => {
    const pool = new CandidatePool(vocabulary);
    const c = pooled(pool, candidate('a'));
    const match = scoreMatch(vocabulary, vacancy(), c, candidateFacts(c.doc, undefined, today));
    const why = explain(vocabulary, match);
    expect(why.skillGaps.essential).toHaveLength(0);
    expect(why.components.find((x) => x.component === 'essentialSkills')).toMatchObject({
      points: 40,
      max: 40,
    });
    expect(why.components.find((x) => x.component === 'optionalSkills')).toMatchObject({
      points: 0,
      max: 10,
    });
    expect(why.skillGaps.optional).toEqual(['gas welding and cutting (气焊)']);
    // 40 + 0 + 15 (education) + 15 (same street) + 15 (no preferences)
    expect(match.score).toBe(85);
  });

  it('lists the skill gaps and scores distance and preferences', () => {
    const pool = new CandidatePool(vocabulary);
    const c = pooled(
      pool,
      candidate('b', {
        skills: ['电焊'],
        communityCode: '420103001001',
        preferences: {
          occupations: [vocabulary.ref('厨师')],
          maxDistance: 'district',
          minMonthlyWage: 7000,
          updatedAt: new Date(),
          updatedBy: 'x',
        },
      }),
    );
    const why = explain(
      vocabulary,
      scoreMatch(vocabulary, vacancy(), c, candidateFacts(c.doc, undefined, today)),
    );
    expect(why.skillGaps.essential).toEqual(['forklift driving (叉车)']);
    expect(why.components.find((x) => x.component === 'distance')).toMatchObject({ points: 5 });
    expect(why.components.find((x) => x.component === 'preferences')).toMatchObject({ points: 0 });
    expect(why.score).toBe(20 + 0 + 15 + 5 + 0);
  });

  it('when candidates are otherwise equal, then the zero-employment household member ranks first and says why', () => {
    const pool = new CandidatePool(vocabulary);
    pooled(pool, candidate('a-plain'));
    pooled(pool, candidate('b-hardship', { hardshipCategories: ['disabled'] }));
    pooled(pool, candidate('c-zero', { hardshipCategories: ['zero-employment-household'] }));
    const { best: ranked } = rankCandidates(
      vocabulary,
      vacancy(),
      pool.values(),
      (c) => pool.factsOf(c, today),
      () => true,
      { top: 10 },
    );
    expect(ranked.map((m) => m.candidate.doc._id)).toEqual(['c-zero', 'b-hardship', 'a-plain']);
    expect(ranked.map((m) => m.score)).toEqual([85, 85, 85]);
    const why = explain(vocabulary, ranked[0]!);
    expect(why.priority).toMatchObject({ tier: 2, applied: true });
    expect(why.explanation.join('\n')).toMatch(/两个优先.*零就业家庭/);
  });

  it('does not let the priority outrank a clearly better candidate', () => {
    const pool = new CandidatePool(vocabulary);
    pooled(pool, candidate('better', { skills: ['电焊', '叉车', '气焊'] }));
    pooled(pool, candidate('zero', { skills: ['电焊'], hardshipCategories: ['zero-employment-household'] }));
    const { best: ranked } = rankCandidates(
      vocabulary,
      vacancy(),
      pool.values(),
      (c) => pool.factsOf(c, today),
      () => true,
      { top: 10 },
    );
    expect(ranked.map((m) => m.candidate.doc._id)).toEqual(['better', 'zero']);
  });

  it('when only the best few are asked for, then the heap keeps exactly the top of the full ranking', () => {
    const pool = new CandidatePool(vocabulary);
    const skills = ['电焊', '叉车', '气焊', '保洁'];
    for (let i = 0; i < 300; i++) {
      pooled(
        pool,
        candidate(`p${String(i).padStart(3, '0')}`, {
          skills: skills.filter((_, k) => (i >> k) & 1),
          communityCode: `4201020010${String(i % 30).padStart(2, '0')}`,
          hardshipCategories: i % 7 === 0 ? ['zero-employment-household'] : i % 5 === 0 ? ['disabled'] : [],
        }),
      );
    }
    const rank = (top: number, minScore?: number) =>
      rankCandidates(
        vocabulary,
        vacancy(),
        pool.values(),
        (c) => pool.factsOf(c, today),
        () => true,
        {
          top,
          ...(minScore === undefined ? {} : { minScore }),
        },
      );
    const all = rank(1_000);
    expect(all.best).toHaveLength(300);
    expect(rank(25).best.map((m) => m.candidate.doc._id)).toEqual(
      all.best.slice(0, 25).map((m) => m.candidate.doc._id),
    );
    const above = rank(1_000, 60);
    expect(above.ranked).toBe(all.best.filter((m) => m.score >= 60).length);
    expect(above.eligible).toBe(300);
  });

  it('when a household record exists, then its zero-employment flag wins over the copy on the profile', () => {
    const c = candidate('m', { householdId: 'h1', hardshipCategories: ['zero-employment-household'] });
    const solved = {
      _id: 'h1',
      communityCode: c.communityCode,
      zeroEmployment: false,
      doubleUnemployed: false,
      memberResidentIds: ['m'],
      since: null,
      version: 3,
      syncedAt: new Date(),
    };
    expect(candidateFacts(c, solved, today).zeroEmploymentHousehold).toBe(false);
    expect(
      candidateFacts(c, { ...solved, zeroEmployment: true }, today).groups.has('zero-employment-household'),
    ).toBe(true);
  });

  it('derives 4050 from age and sex on the day', () => {
    expect(
      candidateFacts(candidate('w', { sex: 'female', birthDate: '1980-01-01' }), undefined, today).groups.has(
        '4050',
      ),
    ).toBe(true);
    expect(
      candidateFacts(
        candidate('m', { sex: 'male', birthDate: '1980-01-01', hardshipCategories: ['4050'] }),
        undefined,
        today,
      ).groups.has('4050'),
    ).toBe(false);
  });

  describe('a public-welfare post', () => {
    const post = vacancy({
      kind: 'public-welfare',
      requiredSkills: [],
      optionalSkills: [],
      publicWelfare: {
        category: 'cleaning',
        eligibleGroups: ['disabled', 'zero-employment-household'],
        termMonths: 24,
        funding: { source: 'city employment fund', from: '2025-01-01', until: '2026-12-31' },
      },
    });

    it('never admits a person outside its eligible groups', () => {
      const outsider = candidate('x', { hardshipCategories: ['long-term-unemployed'] });
      const result = eligibility(post, outsider, candidateFacts(outsider, undefined, today));
      expect(result.eligible).toBe(false);
      const insider = candidate('y', { hardshipCategories: ['disabled'] });
      expect(eligibility(post, insider, candidateFacts(insider, undefined, today)).eligible).toBe(true);
    });
  });

  it('excludes people not looking for work, already placed, or outside the age range', () => {
    const v = vacancy({ ageMax: 45 });
    const check = (doc: CandidateDocument) =>
      eligibility(v, doc, candidateFacts(doc, undefined, today)).eligible;
    expect(check(candidate('ok'))).toBe(true);
    expect(check(candidate('employed', { employmentStatus: 'employed' }))).toBe(false);
    expect(check(candidate('placed', { activePlacementId: 'p1' }))).toBe(false);
    expect(check(candidate('old', { birthDate: '1970-01-01' }))).toBe(false);
    expect(check(candidate('partial', { workCapacity: 'partial' }))).toBe(false);
  });
});

describe('the referral state machine', () => {
  it('allows only the documented moves', () => {
    expect(canTransition('proposed', 'sent')).toBe(true);
    expect(canTransition('sent', 'interviewed')).toBe(true);
    expect(canTransition('interviewed', 'hired')).toBe(true);
    expect(canTransition('proposed', 'interviewed')).toBe(false);
    expect(canTransition('proposed', 'no-show')).toBe(false);
    for (const final of ['hired', 'rejected', 'no-show'] as const)
      expect(REFERRAL_TRANSITIONS[final]).toEqual([]);
  });
});
