import { LocalIssuer } from '@employment/http';
import { createNationalIdGenerator, creditCodeFor, organizationCodeFor } from '@employment/identifiers';
import { deadLetterTopic } from '@employment/messaging';
import {
  eventually,
  randomKeyBase64,
  ServiceProcess,
  testKafka,
  testPort,
  testServiceEnv,
  uniqueName,
} from '@employment/testing';
import { wuhanAreaRows } from '../../services/residents/src/cli/city-model.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test reads arbitrary JSON answers
type Json = any;

/**
 * Residents and jobs as their own processes, talking only through Kafka: a household of two
 * unemployed adults becomes zero-employment; jobs ranks its member first for a vacancy and says
 * why; the hire reaches residents and solves the household; a placement that ends within six
 * months raises the warning.
 */
describe('a zero-employment household placed through jobs, end to end', () => {
  let issuer: LocalIssuer;
  let jwks: { server: import('node:http').Server; jwksUrl: string };
  let residents: ServiceProcess;
  let jobs: ServiceProcess;
  let token: string;
  const ids = createNationalIdGenerator(Date.now() % 1_000_003);
  const community = `420105${String(Math.floor(Math.random() * 10) + 1).padStart(3, '0')}00${Math.floor(Math.random() * 8) + 1}`;

  const call = async (service: ServiceProcess, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };

  // Residents' events travel on a topic of this run, read by consumer groups of this run, so no
  // other run's people reach jobs' candidate pool. Jobs publishes on its contract topic (the
  // service has no setting for it); residents reads it under groups of its own and skips the
  // placements of people it does not hold, which is all another run can put there.
  const residentsTopic = uniqueName('test.residents.e2e');
  const residentsGroups = uniqueName('residents-e2e');
  const candidatesGroup = uniqueName('jobs-candidates-e2e');

  beforeAll(async () => {
    issuer = await LocalIssuer.create();
    jwks = await issuer.serve();
    const shared = {
      AUTH_JWKS_URL: jwks.jwksUrl,
      OUTBOX_SWEEP_INTERVAL_MS: '2000',
      RESIDENTS_EVENTS_TOPIC: residentsTopic,
    };
    residents = new ServiceProcess(
      'residents',
      testServiceEnv({
        ...shared,
        MONGODB_DATABASE: uniqueName('residents_e2e'),
        PII_ENCRYPTION_KEY: randomKeyBase64(),
        PII_HASH_KEY: randomKeyBase64(),
        CONSUMER_GROUP_PREFIX: residentsGroups,
      }),
      testPort(),
    );
    jobs = new ServiceProcess(
      'jobs',
      testServiceEnv({
        ...shared,
        MONGODB_DATABASE: uniqueName('jobs_e2e'),
        CANDIDATES_CONSUMER_GROUP: candidatesGroup,
      }),
      testPort(),
    );
    await Promise.all([residents.ready(), jobs.ready()]);
    token = await issuer.token({
      clientId: 'district-420105',
      roles: ['residents:read', 'residents:write', 'jobs:read', 'jobs:write'],
      areas: ['420105'],
    });
    // The city's part of the area tree, imported by a city-wide client.
    const cityToken = await issuer.token({ clientId: 'city', roles: ['areas:write'], areas: ['4201'] });
    const tree = await fetch(`${residents.url}/v1/areas/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cityToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        areas: wuhanAreaRows({ districts: ['420105'], streetsPerDistrict: 10, communitiesPerStreet: 8 }),
      }),
    });
    expect(tree.status).toBe(200);
  });

  afterAll(async () => {
    await Promise.all([residents?.stop(), jobs?.stop()]);
    await new Promise((resolve) => jwks.server.close(resolve));
    const groups = [
      ...['community-stats', 'households', 'placements'].map((g) => `${residentsGroups}-${g}`),
      candidatesGroup,
    ];
    const admin = testKafka('e2e-cleanup').admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: [residentsTopic, ...groups.map(deadLetterTopic)] })
      .catch(() => undefined);
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  });

  const register = async (person: {
    fullName: string;
    sex: 'male' | 'female';
    birthDate: string;
    skills: string[];
  }) => {
    const res = await call(residents, 'POST', '/v1/residents', {
      nationalId: ids.next({ regionCode: '420105', birthDate: person.birthDate, sex: person.sex }),
      fullName: person.fullName,
      communityCode: community,
      employmentStatus: 'unemployed',
      education: 'senior-secondary',
      skills: person.skills,
    });
    expect(res).toMatchObject({ status: 201 });
    return res.body as { id: string };
  };

  const warningsOf = async (subjectId: string) =>
    (await call(residents, 'GET', `/v1/areas/${community}/warnings`)).body.items.filter(
      (w: Json) => w.subjectId === subjectId || w.residentId === subjectId,
    );

  let husband: { id: string };
  let householdId: string;
  let placementId: string;

  it('when two unemployed adults form a household, then it is zero-employment with a warning', async () => {
    husband = await register({ fullName: '陈国强', sex: 'male', birthDate: '1990-05-12', skills: ['电焊'] });
    const wife = await register({
      fullName: '周丽',
      sex: 'female',
      birthDate: '1991-08-30',
      skills: ['保洁'],
    });
    const household = await call(residents, 'POST', '/v1/households', {
      communityCode: community,
      members: [
        { residentId: husband.id, relation: 'head' },
        { residentId: wife.id, relation: 'spouse' },
      ],
    });
    expect(household.status).toBe(201);
    expect(household.body).toMatchObject({ zeroEmployment: true, doubleUnemployed: true });
    householdId = household.body.id;
    const [warning] = await warningsOf(householdId);
    expect(warning).toMatchObject({ kind: 'zero-employment-household', state: 'raised' });
  });

  it('when a vacancy is posted, then matching ranks the household member first among equal candidates and says why', async () => {
    // Another unemployed welder of the same age, education and community, in no household.
    const neighbour = await register({
      fullName: '刘志远',
      sex: 'male',
      birthDate: '1990-02-03',
      skills: ['电焊'],
    });
    const employer = await call(jobs, 'POST', '/v1/employers', {
      creditCode: creditCodeFor(
        `91420100${organizationCodeFor(String(Date.now() % 100_000_000).padStart(8, '0'))}`,
      ),
      name: '武汉江城钢构有限公司',
      communityCode: community,
    });
    expect(employer.status).toBe(201);
    const today = new Date().toISOString().slice(0, 10);
    const vacancy = await call(jobs, 'POST', '/v1/vacancies', {
      employerId: employer.body.id,
      communityCode: community,
      title: '电焊工',
      occupation: '焊工',
      requiredSkills: ['welding'],
      wage: { min: 4500, max: 6500 },
      places: 2,
      opensOn: today,
      closesOn: '2099-12-31',
    });
    expect(vacancy.status).toBe(201);

    // The candidates are jobs' own read model, built from residents' events.
    const ranked = await eventually(
      async () => {
        const res = await call(jobs, 'GET', `/v1/vacancies/${vacancy.body.id}/candidates`);
        const ids = res.body.items?.map((i: Json) => i.candidate.residentId) ?? [];
        const first = res.body.items?.[0];
        return ids.includes(neighbour.id) && first?.candidate.zeroEmploymentHousehold === true
          ? res.body.items
          : undefined;
      },
      { what: 'both welders to be matched, with the household status known', timeoutMs: 30_000 },
    );
    const [first, second] = ranked;
    expect(first.candidate.residentId).toBe(husband.id);
    expect(second.candidate.residentId).toBe(neighbour.id);
    expect(first.score).toBe(second.score);
    expect(first.priority).toMatchObject({ applied: true, groups: ['zero-employment-household'] });
    expect(first.priority.reason).toContain('两个优先');
    expect(first.explanation.join('\n')).toMatch(/zero-employment household/);

    const referral = await call(jobs, 'POST', '/v1/referrals', {
      vacancyId: vacancy.body.id,
      residentId: husband.id,
    });
    expect(referral.status).toBe(201);
    for (const to of ['sent', 'interviewed']) {
      expect((await call(jobs, 'POST', `/v1/referrals/${referral.body.id}/transitions`, { to })).status).toBe(
        200,
      );
    }
    const placed = await call(jobs, 'POST', '/v1/placements', {
      vacancyId: vacancy.body.id,
      residentId: husband.id,
      referralId: referral.body.id,
      startDate: today,
      contractType: 'fixed-term',
      monthlyWage: 5200,
    });
    expect(placed.status).toBe(201);
    placementId = placed.body.id;
    const hired = await call(jobs, 'GET', `/v1/referrals/${referral.body.id}`);
    expect(hired.body).toMatchObject({ state: 'hired', placementId });
    expect(hired.body.history.map((h: Json) => h.to)).toEqual(['proposed', 'sent', 'interviewed', 'hired']);
  });

  it('when the person is hired, then residents shows them employed, the household solved and its warning resolved', async () => {
    const person = await eventually(
      async () => {
        const res = await call(residents, 'GET', `/v1/residents/${husband.id}`);
        return res.body.employmentStatus === 'employed' ? res.body : undefined;
      },
      { what: 'the placement to reach residents', timeoutMs: 30_000 },
    );
    expect(person.placementId).toBe(placementId);
    // The household follows the person's change in a change of its own, just after.
    const household = await eventually(
      async () => {
        const res = await call(residents, 'GET', `/v1/households/${householdId}`);
        return res.body.zeroEmployment === false ? res : undefined;
      },
      { what: 'the household to be recomputed' },
    );
    expect(household.body).toMatchObject({ zeroEmployment: false, doubleUnemployed: false });
    // The household's change resolves its warning in a change of its own, just after.
    const warnings = await eventually(
      async () => {
        const found = await warningsOf(householdId);
        return found.length > 0 && found.every((w: Json) => w.state === 'resolved') ? found : undefined;
      },
      { what: "the household's warning to be resolved" },
    );
    expect(warnings.map((w: Json) => w.resolution)).toEqual(
      warnings.map(() => 'a member of working age found work'),
    );
  });

  it('when the placement ends within six months, then residents raises the warning', async () => {
    const ended = await call(jobs, 'POST', `/v1/placements/${placementId}/end`, {
      endedOn: new Date().toISOString().slice(0, 10),
      reason: 'dismissed',
    });
    expect(ended.status).toBe(200);
    const warning = await eventually(
      async () => (await warningsOf(husband.id)).find((w: Json) => w.kind === 'job-lost-within-six-months'),
      { what: 'the job-lost warning', timeoutMs: 30_000 },
    );
    expect(warning.state).toBe('raised');
    // The warning is raised first, then the status changes: wait for the second write too.
    const person = await eventually(
      async () => {
        const res = await call(residents, 'GET', `/v1/residents/${husband.id}`);
        return res.body.employmentStatus === 'unemployed' ? res.body : undefined;
      },
      { what: 'the person to be unemployed again', timeoutMs: 30_000 },
    );
    expect(person.placementId).toBeNull();
    const household = await eventually(
      async () => {
        const res = await call(residents, 'GET', `/v1/households/${householdId}`);
        return res.body.zeroEmployment === true ? res : undefined;
      },
      { what: 'the household to be recomputed' },
    );
    expect(household.body.zeroEmployment).toBe(true);
  });
});
