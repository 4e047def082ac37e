import type { CandidateDocument, VacancyDocument } from '../data-access/models.ts';
import { DISTANCE_LABELS, distanceLevel, withinDistance } from './areas.ts';
import type { PooledCandidate } from './candidate-pool.ts';
import type { CandidateFacts } from './candidates.ts';
import type { IsoDate } from './dates.ts';
import type { SkillRef, SkillVocabulary } from './skills.ts';
import {
  type DistanceLevel,
  EDUCATION_RANK,
  HARDSHIP_LABELS,
  type HardshipCategory,
  JOB_SEEKING_STATUSES,
  PUBLIC_WELFARE_GROUPS,
} from './vocabulary.ts';

/**
 * The matching score: 100 points in five components, each shown with its points and why.
 *
 * | component        | points | how                                                                  |
 * |------------------|--------|----------------------------------------------------------------------|
 * | essentialSkills  | 40     | share of the vacancy's required skills the person has                |
 * | optionalSkills   | 10     | share of the optional skills                                         |
 * | education        | 15     | meets the minimum: 15; one level short: 5; more: 0; not recorded: 7.5 |
 * | distance         | 20     | same community 20, street 15, district 10, city 5, beyond 0           |
 * | preferences      | 15     | 5 each: preferred occupation, within the preferred distance, wage     |
 *
 * A criterion the vacancy does not set (no optional skills, no minimum education) or the person
 * has not stated (no preferences) gives its full points: nothing is missing.
 *
 * Eligibility comes before the score: a person who is not looking for work, cannot work, is
 * outside the age range, or (for a public-welfare post) belongs to none of the groups the post is
 * open to is never listed, whatever the score.
 *
 * Ranking applies the two priorities (两个优先): among candidates of comparable score, i.e. in the
 * same 5-point band, members of zero-employment households come first, then other hardship groups,
 * then everyone else; within a tier, the higher score first.
 */
export const WEIGHTS = {
  essentialSkills: 40,
  optionalSkills: 10,
  education: 15,
  distance: 20,
  preferences: 15,
} as const;
export type ComponentName = keyof typeof WEIGHTS;

/** Scores within one band of this many points count as comparable for the two priorities. */
export const COMPARABLE_BAND = 5;

const DISTANCE_POINTS: Readonly<Record<DistanceLevel, number>> = {
  community: 20,
  street: 15,
  district: 10,
  city: 5,
  beyond: 0,
};

export interface ComponentScore {
  component: ComponentName;
  points: number;
  max: number;
  detail: string;
}

/** 2: zero-employment household member (零就业家庭), 1: other hardship group (困难群体), 0: none. */
export type PriorityTier = 0 | 1 | 2;

export interface Match {
  candidate: PooledCandidate;
  vacancy: VacancyDocument;
  facts: CandidateFacts;
  score: number;
  tier: PriorityTier;
  /** Sorts the two priorities: score band first, then tier, then score (higher first). */
  rankKey: number;
  distance: DistanceLevel;
}

export type Eligibility = { eligible: true } | { eligible: false; reasons: string[] };

/** The groups a person belongs to that a public-welfare post is open to. */
export function publicWelfareGroupsOf(vacancy: VacancyDocument, facts: CandidateFacts): HardshipCategory[] {
  const open = new Set<string>(vacancy.publicWelfare?.eligibleGroups ?? PUBLIC_WELFARE_GROUPS);
  return [...facts.groups].filter((g) => open.has(g));
}

/**
 * Whether a person may be offered a vacancy at all. `forPlacement` relaxes nothing: the same rules
 * hold for a match list, a referral and a hire, so a public-welfare post can never reach a person
 * outside its groups by any route.
 */
export function eligibility(
  vacancy: VacancyDocument,
  candidate: CandidateDocument,
  facts: CandidateFacts,
  options: { requireJobSeeking: boolean } = { requireJobSeeking: true },
): Eligibility {
  const reasons: string[] = [];
  if (options.requireJobSeeking) {
    if (!candidate.employmentStatus || !JOB_SEEKING_STATUSES.has(candidate.employmentStatus))
      reasons.push(`is not looking for work (status: ${candidate.employmentStatus ?? 'not recorded'})`);
    if (candidate.activePlacementId) reasons.push('already holds a job placed through the service');
  }
  if (candidate.workCapacity === 'none') reasons.push('has no capacity to work');
  if (candidate.workCapacity === 'partial' && !vacancy.acceptsPartialCapacity)
    reasons.push('can work only partly, and this vacancy needs full capacity');
  if (facts.age !== null) {
    if (vacancy.ageMin !== null && facts.age < vacancy.ageMin)
      reasons.push(`is ${facts.age}, younger than the minimum age of ${vacancy.ageMin}`);
    if (vacancy.ageMax !== null && facts.age > vacancy.ageMax)
      reasons.push(`is ${facts.age}, older than the maximum age of ${vacancy.ageMax}`);
  }
  if (vacancy.kind === 'public-welfare' && publicWelfareGroupsOf(vacancy, facts).length === 0) {
    reasons.push(
      `belongs to none of the groups this public-welfare post is open to (${(vacancy.publicWelfare?.eligibleGroups ?? []).join(', ')})`,
    );
  }
  return reasons.length === 0 ? { eligible: true } : { eligible: false, reasons };
}

/**
 * The same rules as `eligibility`, as a yes/no without building reasons: run for every candidate
 * of a match, so it allocates nothing.
 */
export function isEligible(
  vacancy: VacancyDocument,
  candidate: CandidateDocument,
  facts: CandidateFacts,
): boolean {
  if (!candidate.employmentStatus || !JOB_SEEKING_STATUSES.has(candidate.employmentStatus)) return false;
  if (candidate.activePlacementId) return false;
  if (candidate.workCapacity === 'none') return false;
  if (candidate.workCapacity === 'partial' && !vacancy.acceptsPartialCapacity) return false;
  if (facts.age !== null) {
    if (vacancy.ageMin !== null && facts.age < vacancy.ageMin) return false;
    if (vacancy.ageMax !== null && facts.age > vacancy.ageMax) return false;
  }
  if (vacancy.kind === 'public-welfare') {
    const open = vacancy.publicWelfare?.eligibleGroups ?? PUBLIC_WELFARE_GROUPS;
    let member = false;
    for (const group of open) if (facts.groups.has(group)) member = true;
    if (!member) return false;
  }
  return true;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function countCovered(
  vocabulary: SkillVocabulary,
  have: ReadonlySet<string>,
  wanted: readonly SkillRef[],
): number {
  let covered = 0;
  for (const ref of wanted) if (vocabulary.covers(have, ref.concept)) covered++;
  return covered;
}

function split(vocabulary: SkillVocabulary, have: ReadonlySet<string>, wanted: readonly SkillRef[]) {
  const covered: SkillRef[] = [];
  const missing: SkillRef[] = [];
  for (const ref of wanted) (vocabulary.covers(have, ref.concept) ? covered : missing).push(ref);
  return { covered, missing };
}

function educationPoints(vacancy: VacancyDocument, candidate: PooledCandidate): number {
  if (!vacancy.minimumEducation) return WEIGHTS.education;
  if (candidate.educationRank === null) return WEIGHTS.education / 2;
  const short = EDUCATION_RANK[vacancy.minimumEducation] - candidate.educationRank;
  return short <= 0 ? WEIGHTS.education : short === 1 ? 5 : 0;
}

interface PreferenceCheck {
  occupation: boolean | null;
  distance: boolean | null;
  wage: boolean | null;
}

function preferenceCheck(
  vocabulary: SkillVocabulary,
  vacancy: VacancyDocument,
  candidate: CandidateDocument,
  distance: DistanceLevel,
): PreferenceCheck {
  const prefs = candidate.preferences;
  return {
    occupation:
      prefs && prefs.occupations.length > 0
        ? prefs.occupations.some(
            // The occupation itself, or a skill it implies ("welding" prefers welders' jobs).
            (o) =>
              o.concept === vacancy.occupation.concept ||
              (vocabulary.concept(vacancy.occupation.concept)?.skills?.includes(o.concept) ?? false),
          )
        : null,
    distance: prefs?.maxDistance ? withinDistance(distance, prefs.maxDistance) : null,
    wage: prefs?.minMonthlyWage != null ? vacancy.wageMax >= prefs.minMonthlyWage : null,
  };
}

const preferencePoints = (check: PreferenceCheck) =>
  [check.occupation, check.distance, check.wage].reduce((sum, ok) => sum + (ok === false ? 0 : 5), 0);

export function priorityTier(facts: CandidateFacts): PriorityTier {
  if (facts.zeroEmploymentHousehold) return 2;
  return facts.groups.size > 0 ? 1 : 0;
}

/** The score of an eligible person for a vacancy, 0-100 to one decimal. */
function scoreOf(
  vocabulary: SkillVocabulary,
  vacancy: VacancyDocument,
  candidate: PooledCandidate,
  distance: DistanceLevel,
): number {
  const doc = candidate.doc;
  const required = vacancy.requiredSkills.length;
  const optional = vacancy.optionalSkills.length;
  const points =
    (required === 0
      ? WEIGHTS.essentialSkills
      : (WEIGHTS.essentialSkills * countCovered(vocabulary, candidate.concepts, vacancy.requiredSkills)) /
        required) +
    (optional === 0
      ? WEIGHTS.optionalSkills
      : (WEIGHTS.optionalSkills * countCovered(vocabulary, candidate.concepts, vacancy.optionalSkills)) /
        optional) +
    educationPoints(vacancy, candidate) +
    DISTANCE_POINTS[distance] +
    (doc.preferences
      ? preferencePoints(preferenceCheck(vocabulary, vacancy, doc, distance))
      : WEIGHTS.preferences);
  return round1(points);
}

/** Sorts the two priorities: the score band, then the tier, then the score. */
const rankKeyOf = (score: number, tier: PriorityTier) =>
  Math.floor(score / COMPARABLE_BAND) * 10_000 + tier * 1_000 + score;

/** The match of an eligible person and a vacancy: numbers only (explained on demand). */
export function scoreMatch(
  vocabulary: SkillVocabulary,
  vacancy: VacancyDocument,
  candidate: PooledCandidate,
  facts: CandidateFacts,
): Match {
  const distance = distanceLevel(candidate.doc.communityCode, vacancy.communityCode);
  const score = scoreOf(vocabulary, vacancy, candidate, distance);
  const tier = priorityTier(facts);
  return { candidate, vacancy, facts, score, tier, rankKey: rankKeyOf(score, tier), distance };
}

/** The two priorities (两个优先): by score band, then priority tier, then score, then id. */
export function compareMatches(a: Match, b: Match): number {
  if (a.rankKey !== b.rankKey) return b.rankKey - a.rankKey;
  const x = a.candidate.doc._id;
  const y = b.candidate.doc._id;
  if (x !== y) return x < y ? -1 : 1;
  return a.vacancy._id < b.vacancy._id ? -1 : a.vacancy._id > b.vacancy._id ? 1 : 0;
}

export interface Explanation {
  score: number;
  components: ComponentScore[];
  skillGaps: { essential: string[]; optional: string[] };
  priority: { tier: PriorityTier; groups: HardshipCategory[]; applied: boolean; reason: string | null };
  explanation: string[];
}

/** Every component with its points and the reason, the skill gaps, and the priority that applied. */
export function explain(vocabulary: SkillVocabulary, match: Match): Explanation {
  const { vacancy, candidate, facts } = match;
  const doc = candidate.doc;
  const essential = split(vocabulary, candidate.concepts, vacancy.requiredSkills);
  const optional = split(vocabulary, candidate.concepts, vacancy.optionalSkills);
  const names = (refs: SkillRef[]) => refs.map((r) => vocabulary.describe(r));
  const list = (refs: SkillRef[]) => names(refs).join(', ');

  const essentialPoints =
    vacancy.requiredSkills.length === 0
      ? WEIGHTS.essentialSkills
      : (WEIGHTS.essentialSkills * essential.covered.length) / vacancy.requiredSkills.length;
  const optionalPoints =
    vacancy.optionalSkills.length === 0
      ? WEIGHTS.optionalSkills
      : (WEIGHTS.optionalSkills * optional.covered.length) / vacancy.optionalSkills.length;
  const edu = educationPoints(vacancy, candidate);
  const check = preferenceCheck(vocabulary, vacancy, doc, match.distance);
  const prefParts: string[] = [];
  if (check.occupation !== null)
    prefParts.push(
      check.occupation
        ? 'the occupation is one the person prefers'
        : 'the occupation is not among the preferred ones',
    );
  if (check.distance !== null)
    prefParts.push(
      check.distance
        ? `within the preferred distance (${doc.preferences?.maxDistance})`
        : `farther than the preferred distance (${doc.preferences?.maxDistance})`,
    );
  if (check.wage !== null)
    prefParts.push(
      check.wage
        ? `the wage reaches the ${doc.preferences?.minMonthlyWage} yuan asked for`
        : `the wage (up to ${vacancy.wageMax} yuan) is below the ${doc.preferences?.minMonthlyWage} yuan asked for`,
    );

  const components: ComponentScore[] = [
    {
      component: 'essentialSkills',
      points: round1(essentialPoints),
      max: WEIGHTS.essentialSkills,
      detail:
        vacancy.requiredSkills.length === 0
          ? 'the vacancy requires no particular skill'
          : `has ${essential.covered.length} of ${vacancy.requiredSkills.length} required skills` +
            (essential.covered.length > 0 ? `: ${list(essential.covered)}` : '') +
            (essential.missing.length > 0 ? `; missing ${list(essential.missing)}` : ''),
    },
    {
      component: 'optionalSkills',
      points: round1(optionalPoints),
      max: WEIGHTS.optionalSkills,
      detail:
        vacancy.optionalSkills.length === 0
          ? 'the vacancy lists no optional skill'
          : `has ${optional.covered.length} of ${vacancy.optionalSkills.length} optional skills` +
            (optional.covered.length > 0 ? `: ${list(optional.covered)}` : ''),
    },
    {
      component: 'education',
      points: edu,
      max: WEIGHTS.education,
      detail: !vacancy.minimumEducation
        ? 'no minimum education'
        : !doc.education
          ? `education not recorded (minimum: ${vacancy.minimumEducation})`
          : edu === WEIGHTS.education
            ? `${doc.education} meets the minimum (${vacancy.minimumEducation})`
            : `${doc.education} is below the minimum (${vacancy.minimumEducation})`,
    },
    {
      component: 'distance',
      points: DISTANCE_POINTS[match.distance],
      max: WEIGHTS.distance,
      detail: `lives in ${DISTANCE_LABELS[match.distance]} as the workplace (${doc.communityCode} → ${vacancy.communityCode})`,
    },
    {
      component: 'preferences',
      points: preferencePoints(check),
      max: WEIGHTS.preferences,
      detail: prefParts.length === 0 ? 'no preferences stated' : prefParts.join('; '),
    },
  ];

  const groups = [...facts.groups].sort() as HardshipCategory[];
  const reason =
    match.tier === 2
      ? `two priorities (两个优先): ${HARDSHIP_LABELS['zero-employment-household']}, placed first among candidates of comparable score (the same ${COMPARABLE_BAND}-point band)`
      : match.tier === 1
        ? `two priorities (两个优先): hardship group (困难群体: ${groups.map((g) => HARDSHIP_LABELS[g]).join('; ')}), placed before others of comparable score (the same ${COMPARABLE_BAND}-point band)`
        : null;
  const explanation = components.map((c) => `${c.component} ${c.points}/${c.max}: ${c.detail}`);
  if (vacancy.kind === 'public-welfare')
    explanation.push(
      `eligible for this public-welfare post (公益性岗位) as: ${publicWelfareGroupsOf(vacancy, facts)
        .map((g) => HARDSHIP_LABELS[g])
        .join('; ')}`,
    );
  if (reason) explanation.push(reason);
  return {
    score: match.score,
    components,
    skillGaps: { essential: names(essential.missing), optional: names(optional.missing) },
    priority: { tier: match.tier, groups, applied: match.tier > 0, reason },
    explanation,
  };
}

/** Today's facts and eligibility for many candidates against one vacancy, ranked. */
export interface RankedPage {
  /** Candidates of the caller's area looked at. */
  considered: number;
  /** Of those, the ones who may be offered the vacancy. */
  eligible: number;
  /** Of those, the ones scoring at least `minScore` (the length of the full ranking). */
  ranked: number;
  /** The best `top` of the ranking, best first. */
  best: Match[];
}

/**
 * Ranks many candidates against one vacancy and keeps only the best `top` (the page asked for and
 * those before it): a bounded heap instead of sorting every eligible person, so a page costs one
 * pass over the pool and a Match object only for those that enter the heap.
 */
export function rankCandidates(
  vocabulary: SkillVocabulary,
  vacancy: VacancyDocument,
  candidates: Iterable<PooledCandidate>,
  factsOf: (c: PooledCandidate) => CandidateFacts,
  visible: (c: CandidateDocument) => boolean,
  options: { top: number; minScore?: number },
): RankedPage {
  let considered = 0;
  let eligible = 0;
  let ranked = 0;
  const heap = new WorstFirstHeap(Math.max(0, options.top));
  for (const candidate of candidates) {
    if (!visible(candidate.doc)) continue;
    considered++;
    const facts = factsOf(candidate);
    if (!isEligible(vacancy, candidate.doc, facts)) continue;
    eligible++;
    const distance = distanceLevel(candidate.doc.communityCode, vacancy.communityCode);
    const score = scoreOf(vocabulary, vacancy, candidate, distance);
    if (options.minScore !== undefined && score < options.minScore) continue;
    ranked++;
    const tier = priorityTier(facts);
    const rankKey = rankKeyOf(score, tier);
    // Most people rank below the page: skip them before making a Match.
    if (heap.full && rankKey < heap.worstRankKey) continue;
    heap.offer({ candidate, vacancy, facts, score, tier, rankKey, distance });
  }
  return { considered, eligible, ranked, best: heap.drain() };
}

/** The best `capacity` matches seen, with the worst of them at the root so it is replaced first. */
class WorstFirstHeap {
  private readonly items: Match[] = [];
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get full(): boolean {
    return this.items.length >= this.capacity;
  }

  get worstRankKey(): number {
    return this.items[0]?.rankKey ?? Number.NEGATIVE_INFINITY;
  }

  offer(match: Match): void {
    const items = this.items;
    if (items.length < this.capacity) {
      items.push(match);
      this.up(items.length - 1);
    } else if (items.length > 0 && compareMatches(match, items[0]!) < 0) {
      items[0] = match;
      this.down(0);
    }
  }

  drain(): Match[] {
    return this.items.sort(compareMatches);
  }

  /** True when a ranks after b (is worse). */
  private worse(a: Match, b: Match): boolean {
    return compareMatches(a, b) > 0;
  }

  private up(i: number): void {
    const items = this.items;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(items[i]!, items[parent]!)) return;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const items = this.items;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < items.length && this.worse(items[left]!, items[worst]!)) worst = left;
      if (right < items.length && this.worse(items[right]!, items[worst]!)) worst = right;
      if (worst === i) return;
      [items[i], items[worst]] = [items[worst]!, items[i]!];
      i = worst;
    }
  }
}

export const isTakingApplications = (vacancy: VacancyDocument, today: IsoDate): boolean =>
  vacancy.state === 'open' && vacancy.opensOn <= today && vacancy.closesOn >= today;
