import { randomBytes } from 'node:crypto';
import { creditCodeFor, organizationCodeFor } from '@employment/identifiers';
import type { ApiSeed, SeedContext } from '@employment/testing';

// The jobs records of a district for the adversarial suite and the fuzz run (test/adversarial,
// test/fuzz): an employer with a contact and a hiring link, two vacancies, the candidates built
// from the residents the residents seed registered, a referral and a placement.

/** A valid unified social credit code no other run used (an enterprise registered in Wuhan). */
function newCreditCode(): string {
  const body = randomBytes(8)
    .toString('hex')
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '0')
    .slice(0, 8);
  return creditCodeFor(`91420100${organizationCodeFor(body)}`);
}

const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

async function postVacancy(ctx: SeedContext, employerId: string, community: string, places: number) {
  const res = await ctx.call('POST', '/v1/vacancies', {
    body: {
      employerId,
      communityCode: community,
      title: '仓库叉车司机',
      occupation: '叉车司机',
      requiredSkills: ['forklift driving'],
      optionalSkills: ['电焊'],
      wage: { min: 3500, max: 5500 },
      places,
      closesOn: '2099-12-31',
    },
    expect: [201],
  });
  const id = (res.body as { id: string }).id;
  ctx.add('vacancyId', id);
  return id;
}

export const seed: ApiSeed = {
  roles: ['jobs:read', 'jobs:write'],
  after: ['residents'],
  environment: (run) => ({
    // The residents service of the same run publishes here: jobs builds its candidates from it.
    RESIDENTS_EVENTS_TOPIC: `test.residents.${run}`,
    CANDIDATES_CONSUMER_GROUP: `jobs-candidates-${run}`,
    CANDIDATE_POOL_REFRESH_MS: '500',
  }),
  kinds: {
    // Employers and vacancies are visible to every district (the document says so); people are not.
    employerId: 'city',
    creditCode: 'city',
    vacancyId: 'city',
    referralId: 'area',
    placementId: 'area',
  },
  aliases: { area: 'areaCode', subjectId: 'residentId' },
  values: { creditCode: () => newCreditCode() },
  crossAreaAllowed: {
    recordHiringLink:
      'any district may record that one of its communities keeps a hiring link with any employer (POST /v1/employers/{employerId}/hiring-links)',
    addEmployerContact:
      'allowed to an area the employer has a hiring link with, which any district may record',
  },
  examples: {
    registerEmployer: (x) => ({
      body: {
        creditCode: x.fresh('creditCode'),
        name: '汉口物流有限公司',
        communityCode: x.record('communityCode'),
      },
    }),
    addEmployerContact: () => ({ body: { name: '赵经理', role: '人事', phone: '13912345678' } }),
    recordHiringLink: (x) => ({ body: { communityCode: x.record('communityCode'), since: today() } }),
    postVacancy: (x) => ({
      body: {
        employerId: x.record('employerId'),
        communityCode: x.record('communityCode'),
        title: '保洁员',
        occupation: '保洁员',
        wage: { min: 2500, max: 3000 },
        places: 2,
        closesOn: '2099-12-31',
      },
    }),
    closeVacancy: () => ({ body: { reason: '岗位已招满' } }),
    setCandidatePreferences: () => ({
      body: { occupations: ['叉车司机'], maxDistance: 'district', minMonthlyWage: 3000 },
    }),
    proposeReferral: (x) => ({
      body: {
        vacancyId: x.record('vacancyId'),
        residentId: x.records('residentId').at(-1)!,
        note: '技能对口',
      },
    }),
    transitionReferral: () => ({ body: { to: 'sent', note: '已推荐' } }),
    recordPlacement: (x) => ({
      body: {
        vacancyId: x.record('vacancyId'),
        residentId: x.records('residentId').at(-2)!,
        startDate: today(),
        contractType: 'fixed-term',
        monthlyWage: 4000,
      },
    }),
    recordFollowUp: () => ({
      body: {
        checkpoint: '3-months',
        contactedOn: today(),
        method: 'phone',
        stillEmployed: true,
        note: '在岗',
      },
    }),
    endPlacement: () => ({ body: { endedOn: today(), reason: 'resigned', detail: '个人原因' } }),
  },
  async seed(ctx) {
    const residents = ctx.pool.of('residentId', ctx.district.code).map((r) => r.value);
    const communities = ctx.pool.of('communityCode', ctx.district.code).map((r) => r.value);
    if (residents.length < 4 || communities.length === 0)
      throw new Error('the jobs seed needs the residents seed’s people and communities');
    // The candidates come from the residents' events.
    for (const id of residents) {
      await ctx.eventually(
        async () => (await ctx.call('GET', `/v1/candidates/${id}`, { expect: [200, 404] })).status === 200,
        `candidate ${id} in jobs`,
      );
    }
    const creditCode = newCreditCode();
    const employer = await ctx.call('POST', '/v1/employers', {
      body: {
        creditCode,
        name: `${ctx.district.label}区建材有限公司`,
        communityCode: communities[0],
        industry: '制造业',
        contacts: [{ name: '钱主任', phone: '13700001111' }],
      },
      expect: [201],
    });
    const employerId = (employer.body as { id: string }).id;
    ctx.add('employerId', employerId);
    ctx.add('creditCode', creditCode);
    await ctx.call('POST', `/v1/employers/${employerId}/hiring-links`, {
      body: { communityCode: communities[1] ?? communities[0], since: today() },
    });
    const vacancyId = await postVacancy(ctx, employerId, communities[0]!, 5);
    await postVacancy(ctx, employerId, communities[1] ?? communities[0]!, 3);

    await ctx.call('PUT', `/v1/candidates/${residents[0]}/preferences`, {
      body: { occupations: ['叉车司机'], maxDistance: 'city', minMonthlyWage: 3000 },
    });
    const referral = await ctx.call('POST', '/v1/referrals', {
      body: { vacancyId, residentId: residents[1], note: '技能对口' },
      expect: [201],
    });
    const referralId = (referral.body as { id: string }).id;
    ctx.add('referralId', referralId);
    await ctx.call('POST', `/v1/referrals/${referralId}/transitions`, { body: { to: 'sent' } });

    const placement = await ctx.call('POST', '/v1/placements', {
      body: {
        vacancyId,
        residentId: residents[3],
        startDate: today(),
        contractType: 'fixed-term',
        monthlyWage: 4200,
      },
      expect: [201],
    });
    ctx.add('placementId', (placement.body as { id: string }).id);
  },
  touch: {
    residentId: (call, id) =>
      call('PUT', `/v1/candidates/${id}/preferences`, {
        body: { maxDistance: 'district', minMonthlyWage: 2800 },
        expect: 'any',
      }),
    employerId: (call, id) =>
      call('POST', `/v1/employers/${id}/contacts`, {
        body: { name: `孙${randomBytes(2).toString('hex')}` },
        expect: 'any',
      }),
    vacancyId: async (call, id) => {
      const vacancy = (await call('GET', `/v1/vacancies/${id}`)).body as { state: string };
      if (vacancy.state !== 'open') return 'final';
      return call('POST', `/v1/vacancies/${id}/close`, { body: { reason: '复查后关闭' }, expect: 'any' });
    },
    referralId: async (call, id) => {
      const referral = (await call('GET', `/v1/referrals/${id}`)).body as { state: string; version: number };
      const next: Record<string, string> = { proposed: 'sent', sent: 'interviewed', interviewed: 'rejected' };
      const to = next[referral.state];
      if (!to) return 'final';
      return call('POST', `/v1/referrals/${id}/transitions`, {
        body: { to, expectedVersion: referral.version },
        expect: 'any',
      });
    },
    placementId: async (call, id) => {
      const placement = (await call('GET', `/v1/placements/${id}`)).body as { status: string };
      if (placement.status === 'ended') return 'final';
      return call('POST', `/v1/placements/${id}/end`, {
        body: { endedOn: today(), reason: 'contract-expired' },
        expect: 'any',
      });
    },
  },
};
