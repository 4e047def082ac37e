import {
  EmploymentStatus,
  EmploymentStatusChangedSchema,
  ResidentProfileChangedSchema,
} from '@employment/contracts';
import { eventually, KafkaProbe } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import {
  changeStatus,
  DISTRICT_A,
  DISTRICT_B,
  dropDatabase,
  eventsOf,
  newCommunity,
  newNationalId,
  type RunningResidents,
  registerPerson,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

describe('people: profile, employment status and its history, lookup, audit', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let probe: KafkaProbe;
  let token: string;
  let tokenB: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth);
    service = await startResidents(config);
    probe = await KafkaProbe.start([config.RESIDENTS_EVENTS_TOPIC]);
    token = await auth.token(DISTRICT_A);
    tokenB = await auth.token(DISTRICT_B);
  });

  afterAll(async () => {
    await probe.stop();
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  it('when the employment status changes, then it is kept with its history and announced with when it began', async () => {
    const person = await registerPerson(service, token, {
      communityCode: newCommunity(),
      employmentStatus: 'laid-off',
    });
    const began = new Date();
    const employed = await changeStatus(service, token, person.id, 'employed', {
      since: began.toISOString(),
      reason: 'found work at a logistics firm',
    });
    expect(employed).toMatchObject({
      employmentStatus: 'employed',
      employmentStatusSince: began.toISOString(),
      version: 2,
    });
    const history = await service.request('GET', `/v1/residents/${person.id}/employment-history`, { token });
    expect(
      history.body.periods.map((p: { status: string; reason: string | null }) => [p.status, p.reason]),
    ).toEqual([
      ['laid-off', 'registration'],
      ['employed', 'found work at a logistics firm'],
    ]);

    const [event] = await eventually(() => {
      const found = eventsOf(probe, config.RESIDENTS_EVENTS_TOPIC, EmploymentStatusChangedSchema, person.id);
      return found.length > 0 ? found : undefined;
    });
    expect(event!.payload).toMatchObject({
      residentId: person.id,
      previousStatus: EmploymentStatus.LAID_OFF,
      status: EmploymentStatus.EMPLOYED,
      reason: 'found work at a logistics firm',
      version: 2,
    });
    expect(Number(event!.payload.since!.seconds)).toBe(Math.floor(began.getTime() / 1000));
  });

  it('when a status change is stale, dated before the current one, or in the future, then it is refused', async () => {
    const person = await registerPerson(service, token, { communityCode: newCommunity() });
    const stale = await service.request('POST', `/v1/residents/${person.id}/employment-status`, {
      token,
      body: { status: 'employed', version: 7 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.currentVersion).toBe(1);
    const early = await service.request('POST', `/v1/residents/${person.id}/employment-status`, {
      token,
      body: { status: 'employed', version: 1, since: '2020-01-01T00:00:00Z' },
    });
    expect(early.status).toBe(400);
    expect(early.body.errors[0].pointer).toBe('/since');
    const future = await service.request('POST', `/v1/residents/${person.id}/employment-status`, {
      token,
      body: { status: 'employed', version: 1, since: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(future.status).toBe(400);
    const child = await registerPerson(service, token, {
      communityCode: newCommunity(),
      birthDate: '2014-06-01',
      employmentStatus: 'student',
    });
    const tooYoung = await service.request('POST', `/v1/residents/${child.id}/employment-status`, {
      token,
      body: { status: 'employed', version: 1 },
    });
    expect(tooYoung.status).toBe(400);
    expect(tooYoung.body.errors[0].detail).toContain('minimum working age');
  });

  it('when a profile is changed, then only the given fields change, 4050 follows the facts, and the whole profile is announced', async () => {
    const person = await registerPerson(service, token, {
      communityCode: newCommunity(),
      birthDate: '1972-08-08',
      sex: 'male',
      skills: ['电焊'],
    });
    expect(person.hardshipCategories).toEqual(['4050']);
    const changed = await service.request('PATCH', `/v1/residents/${person.id}`, {
      token,
      body: {
        version: 1,
        skills: ['电焊', '叉车', ' 电焊 '],
        phone: '13800138000',
        hardshipCategories: ['long-term-unemployed'],
        education: null,
      },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      skills: ['电焊', '叉车'],
      phone: '13800138000',
      hardshipCategories: ['4050', 'long-term-unemployed'],
      education: null,
      fullName: person.fullName,
      version: 2,
    });
    const refused = await service.request('PATCH', `/v1/residents/${person.id}`, {
      token,
      body: { version: 2, hardshipCategories: ['zero-employment-household'] },
    });
    expect(refused.status).toBe(400);

    const [event] = await eventually(() => {
      const found = eventsOf(probe, config.RESIDENTS_EVENTS_TOPIC, ResidentProfileChangedSchema, person.id);
      return found.length > 0 ? found : undefined;
    });
    expect(event!.payload).toMatchObject({
      skills: ['电焊', '叉车'],
      version: 2,
      changedBy: `district-${DISTRICT_A}`,
    });
    expect([...event!.payload.changedFields].sort()).toEqual([
      'education',
      'hardshipCategories',
      'phone',
      'skills',
    ]);

    const trail = await service.request('GET', `/v1/audit-log?subjectId=${person.id}`, { token });
    const change = trail.body.items.find((e: { action: string }) => e.action === 'resident.profile-changed');
    expect(change).toMatchObject({
      actor: `district-${DISTRICT_A}`,
      before: { skills: ['电焊'], phone: null, education: 'senior-secondary' },
      after: { skills: ['电焊', '叉车'], phone: '13800138000', education: null, version: 2 },
    });
  });

  it('when a person moves to another community, then the caller needs both areas and the counters follow', async () => {
    const from = newCommunity();
    const to = newCommunity();
    const person = await registerPerson(service, token, { communityCode: from });
    const foreign = await service.request('PATCH', `/v1/residents/${person.id}`, {
      token,
      body: { version: 1, communityCode: newCommunity(DISTRICT_B) },
    });
    expect(foreign.status).toBe(403);
    const moved = await service.request('PATCH', `/v1/residents/${person.id}`, {
      token,
      body: { version: 1, communityCode: to },
    });
    expect(moved.body.communityCode).toBe(to);
    const counted = await eventually(async () => {
      const [a, b] = await Promise.all([
        service.request('GET', `/v1/communities/${from}/statistics`, { token }),
        service.request('GET', `/v1/communities/${to}/statistics`, { token }),
      ]);
      return a.body.registered === 0 && b.body.registered === 1 ? b.body : undefined;
    });
    expect(counted.byEmploymentStatus).toEqual({ unemployed: 1 });
  });

  it('when a person moved to another district, then its callers page through the whole trail of their part', async () => {
    const city = await auth.token('4201', ['residents:read', 'residents:write'], 'city-4201');
    const person = await registerPerson(service, token, { communityCode: newCommunity() });
    for (let i = 0; i < 3; i++) {
      expect((await service.request('GET', `/v1/residents/${person.id}`, { token })).status).toBe(200);
    }
    const moved = await service.request('PATCH', `/v1/residents/${person.id}`, {
      token: city,
      body: { version: 1, communityCode: newCommunity(DISTRICT_B) },
    });
    expect(moved.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      expect((await service.request('GET', `/v1/residents/${person.id}`, { token: tokenB })).status).toBe(
        200,
      );
    }
    const pages = async (caller: string) => {
      const seen: Array<{ action: string; communityCode: string }> = [];
      let cursor: string | undefined;
      do {
        const res = await service.request(
          'GET',
          `/v1/audit-log?subjectId=${person.id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
          { token: caller },
        );
        expect(res.status).toBe(200);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    };
    const all = await eventually(async () => {
      const entries = await pages(city);
      return entries.filter((e) => e.action === 'resident.read').length === 6 ? entries : undefined;
    });
    const inB = all.filter((e) => e.communityCode.startsWith(DISTRICT_B));
    expect(inB.length).toBeGreaterThanOrEqual(3);
    // District B sees every entry of its part, one page at a time, although the trail starts in A.
    expect(await pages(tokenB)).toEqual(inB);
    expect((await pages(token)).length).toBe(all.length - inB.length);
  });

  it('when a caller of another district reads, changes or looks up a person, then 404 as if absent', async () => {
    const nationalId = newNationalId();
    const person = await registerPerson(service, token, { communityCode: newCommunity(), nationalId });
    expect((await service.request('GET', `/v1/residents/${person.id}`, { token: tokenB })).status).toBe(404);
    expect(
      (
        await service.request('PATCH', `/v1/residents/${person.id}`, {
          token: tokenB,
          body: { version: 1, skills: [] },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await service.request('POST', `/v1/residents/${person.id}/employment-status`, {
          token: tokenB,
          body: { version: 1, status: 'employed' },
        })
      ).status,
    ).toBe(404);
    expect(
      (await service.request('GET', `/v1/residents/${person.id}/employment-history`, { token: tokenB }))
        .status,
    ).toBe(404);
    expect(
      (await service.request('POST', '/v1/residents/lookup', { token: tokenB, body: { nationalId } })).status,
    ).toBe(404);
    const trail = await service.request('GET', `/v1/audit-log?subjectId=${person.id}`, { token: tokenB });
    expect(trail.body.items).toEqual([]);
  });

  it('when a person is looked up by ID number written any way, then the record is found and the look-up audited', async () => {
    const nationalId = newNationalId({ birthDate: '1988-12-30' });
    const person = await registerPerson(service, token, { communityCode: newCommunity(), nationalId });
    const spelt =
      `${nationalId.slice(0, 6)} ${nationalId.slice(6, 14)} ${nationalId.slice(14).toLowerCase()}`.replace(
        /\d/g,
        (d) => String.fromCharCode(0xff10 + Number(d)),
      );
    const found = await service.request('POST', '/v1/residents/lookup', {
      token,
      body: { nationalId: spelt },
    });
    expect(found.status).toBe(200);
    expect(found.body.id).toBe(person.id);
    const bad = await service.request('POST', '/v1/residents/lookup', {
      token,
      body: { nationalId: '420102198001011234' },
    });
    expect(bad.status).toBe(400);
    const trail = await service.request('GET', `/v1/audit-log?subjectId=${person.id}`, { token });
    expect(trail.body.items.map((e: { action: string }) => e.action)).toEqual([
      'resident.registered',
      'resident.looked-up',
    ]);
    expect(JSON.stringify(trail.body)).not.toContain(nationalId);
  });
});
