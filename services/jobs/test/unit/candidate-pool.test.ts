import type { CandidateDocument, HouseholdDocument } from '../../src/data-access/models.ts';
import { CandidatePool, type CandidateSource } from '../../src/domain/candidate-pool.ts';
import { fromProfileChanged, fromRegistered } from '../../src/domain/candidates.ts';
import { SkillVocabulary } from '../../src/domain/skills.ts';

const vocabulary = SkillVocabulary.bundled();

function doc(id: string, syncedAt: Date, skills: string[]): CandidateDocument {
  return {
    _id: id,
    communityCode: '420105001001',
    fullName: '赵六',
    sex: 'female',
    birthDate: '1984-02-02',
    education: null,
    workCapacity: 'full',
    hardshipCategories: [],
    skills,
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
    syncedAt,
  };
}

/** The store as the pool sees it: whatever `rows` holds when it asks. */
function source(rows: { candidates: CandidateDocument[]; households: HouseholdDocument[] }): CandidateSource {
  return {
    async *allCandidates() {
      yield* rows.candidates;
    },
    candidatesChangedSince: async (since) => rows.candidates.filter((c) => c.syncedAt >= since),
    allHouseholds: async () => rows.households,
    householdsChangedSince: async (since) => rows.households.filter((h) => h.syncedAt >= since),
  };
}

describe('the candidate pool', () => {
  it('when another replica changes a record, then a poll brings it in, and an older copy never replaces a newer one', async () => {
    const t0 = new Date(Date.now() - 60_000);
    const rows = { candidates: [doc('a', t0, ['电焊'])], households: [] as HouseholdDocument[] };
    const pool = new CandidatePool(vocabulary);
    await pool.load(source(rows));
    expect(pool.get('a')?.concepts.has('skill.welding')).toBe(true);

    rows.candidates = [doc('a', new Date(), ['叉车']), doc('b', new Date(), [])];
    await pool.refresh();
    expect(pool.size).toBe(2);
    expect(pool.get('a')?.concepts.has('skill.forklift')).toBe(true);

    // This replica's own later write, then a poll that still returns the store's older copy.
    pool.putCandidate(doc('a', new Date(Date.now() + 1_000), ['保洁']));
    await pool.refresh();
    expect(pool.get('a')?.doc.skills).toEqual(['保洁']);
  });

  it('when a household lists a person, then the person counts as a member of it', async () => {
    const now = new Date();
    const rows = {
      candidates: [doc('m', now, [])],
      households: [
        {
          _id: 'h',
          communityCode: '420105001001',
          zeroEmployment: true,
          doubleUnemployed: false,
          memberResidentIds: ['m'],
          since: null,
          version: 2,
          syncedAt: now,
        },
      ],
    };
    const pool = new CandidatePool(vocabulary);
    await pool.load(source(rows));
    expect(pool.factsOf(pool.get('m')!, '2025-01-01').zeroEmploymentHousehold).toBe(true);
    pool.putHousehold({
      ...rows.households[0]!,
      zeroEmployment: false,
      memberResidentIds: ['m'],
      version: 3,
    });
    expect(pool.factsOf(pool.get('m')!, '2025-01-01').zeroEmploymentHousehold).toBe(false);
    // An older household version arriving late changes nothing.
    pool.putHousehold({ ...rows.households[0]!, version: 1 });
    expect(pool.factsOf(pool.get('m')!, '2025-01-01').zeroEmploymentHousehold).toBe(false);
  });
});

describe('residents events as read-model updates', () => {
  it('never sets and sets-on-insert the same field (MongoDB refuses such an update)', () => {
    const now = new Date();
    for (const change of [
      fromRegistered(
        {
          residentId: 'r',
          communityCode: '420105001001',
          skills: [],
          hardshipCategories: [],
          occupation: '',
          householdId: '',
          fullName: 'x',
          sex: 1,
          employmentStatus: 2,
          education: 0,
          workCapacity: 1,
          registeredBy: 'x',
        } as never,
        now,
        now,
      ),
      fromProfileChanged(
        {
          residentId: 'r',
          communityCode: '420105001001',
          skills: [],
          hardshipCategories: [],
          occupation: '',
          householdId: '',
          fullName: 'x',
          education: 0,
          workCapacity: 1,
          version: 2,
        } as never,
        now,
      ),
    ]) {
      const set = Object.keys(change.update.$set);
      const onInsert = Object.keys(change.update.$setOnInsert ?? {});
      expect(set.filter((k) => onInsert.includes(k))).toEqual([]);
    }
  });
});
