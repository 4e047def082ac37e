import { eventually, testProducer } from '@employment/testing';
import type { Producer } from 'kafkajs';
import type { JobsConfig } from '../../src/config.ts';
import {
  cleanUp,
  community,
  DISTRICT_A,
  jobsTestConfig,
  newCreditCode,
  newStreet,
  publish,
  type RunningJobs,
  registered,
  startJobs,
  TestAuth,
} from '../support.ts';

/** Requests an attacker would send: each is refused at the edge with a 4xx and changes nothing. */
describe('hostile requests are refused at the edge', () => {
  let auth: TestAuth;
  let config: JobsConfig;
  let service: RunningJobs;
  let producer: Producer;
  let token: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = jobsTestConfig(auth);
    service = await startJobs(config);
    producer = await testProducer();
    token = await auth.token(DISTRICT_A);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await service?.runtime.stop();
    await auth?.stop();
    await cleanUp(config);
  });

  const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

  async function registerEmployer(name = '汉阳钢构有限公司') {
    const res = await service.request('POST', '/v1/employers', {
      token,
      body: { creditCode: newCreditCode(), name, communityCode: community(newStreet()) },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  it('when preferences carry an occupation holding U+0000, then 400 names it and the candidate stays writable', async () => {
    const person = registered(config.RESIDENTS_EVENTS_TOPIC, { communityCode: community(newStreet()) });
    await publish(producer, config.RESIDENTS_EVENTS_TOPIC, [person.event]);
    await eventually(
      async () =>
        (await service.request('GET', `/v1/candidates/${person.residentId}`, { token })).status === 200,
      { what: 'the candidate in the read model', timeoutMs: 20_000 },
    );
    const refused = await service.request('PUT', `/v1/candidates/${person.residentId}/preferences`, {
      token,
      body: { occupations: ['焊\u0000工'] },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { in: 'body', pointer: '/occupations/0', detail: 'must not contain control characters or line breaks' },
    ]);
    const set = await service.request('PUT', `/v1/candidates/${person.residentId}/preferences`, {
      token,
      body: { occupations: ['焊工'] },
    });
    expect(set.status).toBe(200);
  });

  it("when an employer's contact name holds U+0000, then 400 names it and the employer stays writable", async () => {
    const employer = await registerEmployer();
    const refused = await service.request('POST', `/v1/employers/${employer.id}/contacts`, {
      token,
      body: { name: '刘\u0000经理' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { in: 'body', pointer: '/name', detail: 'must not contain control characters or line breaks' },
    ]);
    const added = await service.request('POST', `/v1/employers/${employer.id}/contacts`, {
      token,
      body: { name: '刘经理' },
    });
    expect(added.status).toBe(200);
  });

  it('when a vacancy title holds a bidirectional override, then 400; its description may span lines', async () => {
    const employer = await registerEmployer();
    const vacancy = (change: Record<string, unknown>) =>
      service.request('POST', '/v1/vacancies', {
        token,
        body: {
          employerId: employer.id,
          communityCode: community(newStreet()),
          title: '电焊工',
          occupation: '焊工',
          wage: { min: 4000, max: 6000 },
          places: 1,
          closesOn: '2099-12-31',
          ...change,
        },
      });
    const refused = await vacancy({ title: '电焊工\u202e' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ pointer: '/title' })]);
    const posted = await vacancy({ description: '两班倒。\n包住宿。' });
    expect(posted.status).toBe(201);
    expect(posted.body.description).toBe('两班倒。\n包住宿。');
  });

  it.each([
    ['/v1/employers', { after: { $gt: '' } }],
    ['/v1/vacancies', { after: ['x'] }],
    ['/v1/candidates', { after: 'a', $where: '1' }],
    ['/v1/referrals', { after: 1 }],
    ['/v1/placements', { offset: 0 }],
    ['/v1/audit-log?subjectId=x', { after: '' }],
  ])('when %s gets a cursor decoding to %j, then 400 and the store is not asked', async (path, forged) => {
    const res = await service.request(
      'GET',
      `${path}${path.includes('?') ? '&' : '?'}cursor=${cursorOf(forged)}`,
      {
        token,
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ in: 'query', pointer: '/cursor' })]);
  });

  it('when a match list gets an offset cursor of the wrong type, then 400', async () => {
    const person = registered(config.RESIDENTS_EVENTS_TOPIC, { communityCode: community(newStreet()) });
    await publish(producer, config.RESIDENTS_EVENTS_TOPIC, [person.event]);
    await eventually(
      async () =>
        (await service.request('GET', `/v1/candidates/${person.residentId}`, { token })).status === 200,
      { what: 'the candidate in the read model', timeoutMs: 20_000 },
    );
    for (const forged of [{ offset: { $gt: 0 } }, { offset: '1' }, { after: 'x' }]) {
      const res = await service.request(
        'GET',
        `/v1/candidates/${person.residentId}/vacancies?cursor=${cursorOf(forged)}`,
        { token },
      );
      expect(res.status).toBe(400);
    }
  });

  it('when the employers list is walked with the cursors it issued, then each employer comes once', async () => {
    const area = newStreet();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await service.request('POST', '/v1/employers', {
        token,
        body: { creditCode: newCreditCode(), name: `企业${i}`, communityCode: community(area) },
      });
      ids.push(res.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await service.request('GET', `/v1/employers?area=${area}&limit=2${query}`, { token });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(ids.sort());
  });
});
