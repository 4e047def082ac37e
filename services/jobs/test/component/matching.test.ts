import { eventually, testProducer } from '@employment/testing';
import type { Producer } from 'kafkajs';
import type { JobsConfig } from '../../src/config.ts';
import {
  cleanUp,
  community,
  DISTRICT_A,
  DISTRICT_B,
  EmploymentStatus,
  HardshipCategory,
  householdChanged,
  jobsTestConfig,
  newCreditCode,
  newStreet,
  profileChanged,
  publish,
  type RunningJobs,
  registered,
  startJobs,
  statusChanged,
  TestAuth,
  today,
  WorkCapacity,
} from '../support.ts';

describe('candidate profiles and matching', () => {
  let auth: TestAuth;
  let config: JobsConfig;
  let service: RunningJobs;
  let producer: Producer;
  let tokenA: string;
  let tokenB: string;
  let topic: string;
  let employerId: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = jobsTestConfig(auth);
    topic = config.RESIDENTS_EVENTS_TOPIC;
    service = await startJobs(config);
    producer = await testProducer();
    tokenA = await auth.token(DISTRICT_A);
    tokenB = await auth.token(DISTRICT_B);
    const employer = await service.request('POST', '/v1/employers', {
      token: tokenA,
      body: { creditCode: newCreditCode(), name: '汉阳钢构有限公司', communityCode: community(newStreet()) },
    });
    expect(employer.status).toBe(201);
    employerId = employer.body.id;
  });

  afterAll(async () => {
    await producer?.disconnect();
    await service?.runtime.stop();
    await auth?.stop();
    await cleanUp(config);
  });

  const candidate = (id: string, token = tokenA) => service.request('GET', `/v1/candidates/${id}`, { token });
  const waitForCandidate = (id: string, ready: (body: Record<string, unknown>) => boolean = () => true) =>
    eventually(
      async () => {
        const res = await candidate(id);
        return res.status === 200 && ready(res.body) ? res.body : undefined;
      },
      { what: `candidate ${id} in the read model`, timeoutMs: 20_000 },
    );

  async function postVacancy(body: Record<string, unknown>, token = tokenA) {
    const res = await service.request('POST', '/v1/vacancies', {
      token,
      body: {
        employerId,
        title: '电焊工',
        occupation: '焊工',
        wage: { min: 4000, max: 6000 },
        places: 3,
        closesOn: '2099-12-31',
        ...body,
      },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  it('when residents publishes events, then the candidate read model follows them, and a duplicate or stale event changes nothing', async () => {
    const home = community(newStreet());
    const person = registered(topic, {
      communityCode: home,
      skills: ['电焊'],
      hardship: [HardshipCategory.HARDSHIP_CATEGORY_DISABLED],
    });
    await publish(producer, topic, [person.event]);
    const first = await waitForCandidate(person.residentId);
    expect(first).toMatchObject({
      communityCode: home,
      skills: ['电焊'],
      hardshipCategories: ['disabled'],
      employmentStatus: 'unemployed',
    });
    expect(first.recognisedSkills).toEqual([{ concept: 'skill.welding', name: 'welding (电焊)' }]);

    await publish(producer, topic, [
      profileChanged(topic, person.residentId, 3, {
        communityCode: home,
        skills: ['电焊', '叉车'],
        hardship: [HardshipCategory.HARDSHIP_CATEGORY_DISABLED],
      }),
    ]);
    await waitForCandidate(person.residentId, (c) => (c.versions as { profile: number }).profile === 3);

    // The same registration again (same event id), an older profile under a new id, then a marker
    // on the same key: once the marker is applied, the two before it were handled.
    await publish(producer, topic, [
      person.event,
      profileChanged(topic, person.residentId, 2, { communityCode: home, skills: ['old skill'] }),
      statusChanged(topic, person.residentId, home, 4, EmploymentStatus.LAID_OFF),
    ]);
    const after = await waitForCandidate(person.residentId, (c) => c.employmentStatus === 'laid-off');
    expect(after.skills).toEqual(['电焊', '叉车']);
    expect(after.versions).toEqual({ profile: 3, status: 4, preferences: 0 });
    expect(after.hardshipCategories).toEqual(['disabled']);
    // One claim and one completion for the event, however often it was delivered.
    const claims = await service.runtime.store
      .collection('processed_events')
      .find({ _id: { $regex: person.event.eventId } } as never)
      .toArray();
    expect(claims.map((c) => String(c._id).endsWith('/done')).sort()).toEqual([false, true]);
    expect(
      await service.runtime.store
        .collection('candidates')
        .countDocuments({ _id: person.residentId } as never),
    ).toBe(1);
  });

  it('when a candidate lives outside the caller’s area, then the candidate is invisible to it', async () => {
    const street = newStreet();
    const vacancy = await postVacancy({ communityCode: community(street), requiredSkills: ['电焊'] });
    const near = registered(topic, { communityCode: community(street, 2), skills: ['电焊'] });
    const elsewhere = registered(topic, {
      communityCode: community(newStreet(DISTRICT_B)),
      skills: ['电焊'],
    });
    await publish(producer, topic, [near.event, elsewhere.event]);
    await waitForCandidate(near.residentId);
    await eventually(async () => (await candidate(elsewhere.residentId, tokenB)).status === 200);

    expect((await candidate(elsewhere.residentId, tokenA)).status).toBe(404);
    const listed = await service.request('GET', `/v1/vacancies/${vacancy.id}/candidates?limit=1000`, {
      token: tokenA,
    });
    expect(listed.status).toBe(200);
    const ids = listed.body.items.map((i: { candidate: { residentId: string } }) => i.candidate.residentId);
    expect(ids).toContain(near.residentId);
    expect(ids).not.toContain(elsewhere.residentId);
    // Vacancies are visible to every district: district B sees the vacancy and its own people.
    const fromB = await service.request('GET', `/v1/vacancies/${vacancy.id}/candidates?limit=1000`, {
      token: tokenB,
    });
    const idsB = fromB.body.items.map((i: { candidate: { residentId: string } }) => i.candidate.residentId);
    expect(idsB).toContain(elsewhere.residentId);
    expect(idsB).not.toContain(near.residentId);
    const prefs = await service.request('PUT', `/v1/candidates/${elsewhere.residentId}/preferences`, {
      token: tokenA,
      body: { maxDistance: 'city' },
    });
    expect(prefs.status).toBe(404);
  });

  it('when skills are written in another language, then synonyms still match them', async () => {
    const street = newStreet();
    const chineseVacancy = await postVacancy({
      communityCode: community(street),
      requiredSkills: ['电焊', '叉车'],
    });
    const englishVacancy = await postVacancy({
      communityCode: community(street),
      title: 'Elderly carer',
      occupation: 'elderly carer',
      requiredSkills: ['elderly care', 'First Aid'],
    });
    const welder = registered(topic, {
      communityCode: community(street, 3),
      skills: ['Arc welding', 'forklift driving'],
    });
    const carer = registered(topic, {
      communityCode: community(street, 3),
      skills: ['养老护理', '急救'],
      occupation: '',
    });
    await publish(producer, topic, [welder.event, carer.event]);
    await waitForCandidate(welder.residentId);
    await waitForCandidate(carer.residentId);

    const forWelding = await service.request(
      'GET',
      `/v1/vacancies/${chineseVacancy.id}/candidates?limit=1000`,
      { token: tokenA },
    );
    const welderItem = forWelding.body.items.find(
      (i: { candidate: { residentId: string } }) => i.candidate.residentId === welder.residentId,
    );
    expect(welderItem.components[0]).toMatchObject({ component: 'essentialSkills', points: 40, max: 40 });
    expect(welderItem.components[0].detail).toContain('welding (电焊)');
    expect(welderItem.skillGaps.essential).toEqual([]);

    const forCare = await service.request('GET', `/v1/vacancies/${englishVacancy.id}/candidates?limit=1000`, {
      token: tokenA,
    });
    const carerItem = forCare.body.items.find(
      (i: { candidate: { residentId: string } }) => i.candidate.residentId === carer.residentId,
    );
    expect(carerItem.components[0]).toMatchObject({ points: 40 });
    expect(carerItem.skillGaps.essential).toEqual([]);

    const lookup = await service.request('GET', `/v1/vocabulary/skills?q=${encodeURIComponent('电焊')}`, {
      token: tokenA,
    });
    expect(lookup.body.resolved).toBe('skill.welding');
  });

  it('when candidates are otherwise equal, then a zero-employment household member ranks first and the answer says why', async () => {
    const street = newStreet();
    const home = community(street, 5);
    const vacancy = await postVacancy({
      communityCode: community(street),
      requiredSkills: ['电焊'],
      minimumEducation: 'junior-secondary',
    });
    const same = { communityCode: home, skills: ['电焊'], birthDate: '1990-03-03' };
    const plain = registered(topic, { ...same, fullName: '王一' });
    // The profile names no household: residents' household event lists the person as a member.
    const zero = registered(topic, { ...same, fullName: '王二' });
    const householdId = crypto.randomUUID();
    await publish(producer, topic, [plain.event, zero.event]);
    await waitForCandidate(zero.residentId);
    await publish(producer, topic, [householdChanged(topic, householdId, home, 2, true, [zero.residentId])]);
    await waitForCandidate(zero.residentId, (c) => c.zeroEmploymentHousehold === true);
    await waitForCandidate(plain.residentId);

    const listed = await service.request('GET', `/v1/vacancies/${vacancy.id}/candidates`, { token: tokenA });
    expect(listed.status).toBe(200);
    const [first, second] = listed.body.items;
    expect(first.candidate.residentId).toBe(zero.residentId);
    expect(second.candidate.residentId).toBe(plain.residentId);
    expect(first.score).toBe(second.score);
    expect(first.priority).toMatchObject({ tier: 2, applied: true, groups: ['zero-employment-household'] });
    expect(first.priority.reason).toContain('两个优先');
    expect(first.explanation.join('\n')).toMatch(/zero-employment household/);
    expect(second.priority.applied).toBe(false);
    expect(first.components.map((c: { component: string }) => c.component)).toEqual([
      'essentialSkills',
      'optionalSkills',
      'education',
      'distance',
      'preferences',
    ]);

    // The household found work: the priority goes with it.
    await publish(producer, topic, [householdChanged(topic, householdId, home, 3, false, [zero.residentId])]);
    await waitForCandidate(zero.residentId, (c) => c.zeroEmploymentHousehold === false);
  });

  it('when a person states preferences, then the preferences component follows them', async () => {
    const street = newStreet();
    const vacancy = await postVacancy({
      communityCode: community(street),
      requiredSkills: ['电焊'],
      wage: { min: 3000, max: 3500 },
    });
    const person = registered(topic, { communityCode: community(newStreet()), skills: ['电焊'] });
    await publish(producer, topic, [person.event]);
    await waitForCandidate(person.residentId);
    const set = await service.request('PUT', `/v1/candidates/${person.residentId}/preferences`, {
      token: tokenA,
      body: { occupations: ['welder'], maxDistance: 'street', minMonthlyWage: 5000 },
    });
    expect(set.status).toBe(200);
    expect(set.body.preferences.occupations[0]).toMatchObject({ concept: 'occupation.welder', known: true });
    const forPerson = await service.request(
      'GET',
      `/v1/candidates/${person.residentId}/vacancies?limit=1000`,
      { token: tokenA },
    );
    const item = forPerson.body.items.find((i: { vacancy: { id: string } }) => i.vacancy.id === vacancy.id);
    const prefs = item.components.find((c: { component: string }) => c.component === 'preferences');
    expect(prefs.points).toBe(5);
    expect(prefs.detail).toMatch(/one the person prefers.*farther than.*below the 5000 yuan/);
  });

  describe('a public-welfare post (公益性岗位)', () => {
    let post: { id: string };
    let eligible: string;
    let zeroMember: string;
    let solvedMember: string;
    let outsider: string;
    let plain: string;

    beforeAll(async () => {
      const street = newStreet();
      post = await postVacancy({
        communityCode: community(street),
        title: '社区保洁员',
        occupation: '保洁员',
        wage: { min: 1800, max: 2000 },
        publicWelfare: {
          category: 'cleaning',
          eligibleGroups: ['disabled', 'zero-employment-household', '4050'],
          termMonths: 24,
          funding: { source: '市就业专项资金', from: '2025-01-01', until: '2099-12-31' },
        },
      });
      const home = community(street, 7);
      const a = registered(topic, {
        communityCode: home,
        skills: ['保洁'],
        hardship: [HardshipCategory.HARDSHIP_CATEGORY_DISABLED],
        workCapacity: WorkCapacity.PARTIAL,
      });
      // Zero-employment is never a declared category (residents refuses the declaration): it comes
      // from the household, as residents publishes it. b's household has no work; e's had none,
      // then found work.
      const b = registered(topic, { communityCode: home, skills: ['保洁'] });
      const e = registered(topic, { communityCode: home, skills: ['保洁'] });
      const c = registered(topic, {
        communityCode: home,
        skills: ['保洁'],
        hardship: [HardshipCategory.HARDSHIP_CATEGORY_LONG_TERM_UNEMPLOYED],
      });
      const d = registered(topic, { communityCode: home, skills: ['保洁', '清洁'] });
      await publish(producer, topic, [a.event, b.event, c.event, d.event, e.event]);
      for (const p of [a, b, c, d, e]) await waitForCandidate(p.residentId);
      const [zeroHousehold, solvedHousehold] = [crypto.randomUUID(), crypto.randomUUID()];
      await publish(producer, topic, [
        profileChanged(topic, b.residentId, 2, {
          communityCode: home,
          skills: ['保洁'],
          householdId: zeroHousehold,
        }),
        householdChanged(topic, zeroHousehold, home, 1, true, [b.residentId]),
        profileChanged(topic, e.residentId, 2, {
          communityCode: home,
          skills: ['保洁'],
          householdId: solvedHousehold,
        }),
        householdChanged(topic, solvedHousehold, home, 1, true, [e.residentId]),
      ]);
      await waitForCandidate(b.residentId, (p) => p.zeroEmploymentHousehold === true);
      await waitForCandidate(e.residentId, (p) => p.zeroEmploymentHousehold === true);
      await publish(producer, topic, [
        householdChanged(topic, solvedHousehold, home, 2, false, [e.residentId]),
      ]);
      await waitForCandidate(e.residentId, (p) => p.zeroEmploymentHousehold === false);
      [eligible, zeroMember, solvedMember, outsider, plain] = [
        a.residentId,
        b.residentId,
        e.residentId,
        c.residentId,
        d.residentId,
      ];
    });

    const vacanciesOf = async (residentId: string) => {
      const res = await service.request('GET', `/v1/candidates/${residentId}/vacancies?limit=1000`, {
        token: tokenA,
      });
      expect(res.status).toBe(200);
      return res.body.items.map((i: { vacancy: { id: string } }) => i.vacancy.id);
    };

    it('when read, then its category, term and funding period come back', async () => {
      const read = await service.request('GET', `/v1/vacancies/${post.id}`, { token: tokenB });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        kind: 'public-welfare',
        acceptsPartialCapacity: true,
        publicWelfare: {
          category: 'cleaning',
          categoryName: expect.stringContaining('社区保洁'),
          eligibleGroups: ['disabled', 'zero-employment-household', '4050'],
          termMonths: 24,
          funding: { source: '市就业专项资金', from: '2025-01-01', until: '2099-12-31' },
        },
      });
      const listed = await service.request(
        'GET',
        '/v1/vacancies?kind=public-welfare&publicWelfareCategory=cleaning&limit=100',
        { token: tokenA },
      );
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((v: { id: string }) => v.id)).toContain(post.id);
      const elsewhere = await service.request(
        'GET',
        '/v1/vacancies?kind=public-welfare&publicWelfareCategory=security&limit=100',
        { token: tokenA },
      );
      expect(elsewhere.body.items.map((v: { id: string }) => v.id)).not.toContain(post.id);
    });

    it('when matched, then only people of its eligible groups are offered it', async () => {
      const listed = await service.request('GET', `/v1/vacancies/${post.id}/candidates?limit=1000`, {
        token: tokenA,
      });
      const ids = listed.body.items.map((i: { candidate: { residentId: string } }) => i.candidate.residentId);
      expect(ids).toEqual(expect.arrayContaining([eligible, zeroMember]));
      expect(ids).not.toContain(solvedMember);
      expect(ids).not.toContain(outsider);
      expect(ids).not.toContain(plain);
      for (const item of listed.body.items) {
        expect(
          item.candidate.hardshipCategories.some((g: string) =>
            ['disabled', 'zero-employment-household', '4050'].includes(g),
          ),
        ).toBe(true);
      }
      const member = listed.body.items.find(
        (i: { candidate: { residentId: string } }) => i.candidate.residentId === zeroMember,
      );
      expect(member.candidate).toMatchObject({
        zeroEmploymentHousehold: true,
        hardshipCategories: ['zero-employment-household'],
      });
      expect(await vacanciesOf(zeroMember)).toContain(post.id);
      expect(await vacanciesOf(eligible)).toContain(post.id);
      expect(await vacanciesOf(solvedMember)).not.toContain(post.id);
      expect(await vacanciesOf(outsider)).not.toContain(post.id);
    });

    it('when someone outside its groups is referred or placed, then it is refused with 422', async () => {
      const referral = await service.request('POST', '/v1/referrals', {
        token: tokenA,
        body: { vacancyId: post.id, residentId: outsider },
      });
      expect(referral.status).toBe(422);
      expect(referral.headers.get('content-type')).toContain('application/problem+json');
      expect(referral.body.reasons.join(' ')).toMatch(/none of the groups/);
      const placement = await service.request('POST', '/v1/placements', {
        token: tokenA,
        body: {
          vacancyId: post.id,
          residentId: plain,
          startDate: today(),
          contractType: 'public-welfare-agreement',
          monthlyWage: 1900,
        },
      });
      expect(placement.status).toBe(422);
      expect(await service.runtime.store.collection('placements').countDocuments({ residentId: plain })).toBe(
        0,
      );
      expect(
        await service.runtime.store.collection('referrals').countDocuments({ residentId: outsider }),
      ).toBe(0);
    });
  });
});
