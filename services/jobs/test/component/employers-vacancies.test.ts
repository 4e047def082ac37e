import { fromBinary } from '@bufbuild/protobuf';
import { Topics, VacancyKind, VacancyPostedSchema } from '@employment/contracts';
import { decodeEnvelope } from '@employment/messaging';
import { compareRoutes, documentedRoutes, KafkaProbe } from '@employment/testing';
import type { JobsConfig } from '../../src/config.ts';
import {
  cleanUp,
  community,
  DISTRICT_A,
  DISTRICT_B,
  jobsTestConfig,
  newCreditCode,
  newStreet,
  type RunningJobs,
  startJobs,
  TestAuth,
} from '../support.ts';

describe('employers and vacancies', () => {
  let auth: TestAuth;
  let config: JobsConfig;
  let service: RunningJobs;
  let probe: KafkaProbe;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = jobsTestConfig(auth);
    service = await startJobs(config);
    probe = await KafkaProbe.start([Topics.jobs]);
    tokenA = await auth.token(DISTRICT_A);
    tokenB = await auth.token(DISTRICT_B);
  });

  afterAll(async () => {
    await probe?.stop();
    await service?.runtime.stop();
    await auth?.stop();
    await cleanUp(config);
  });

  const count = (collection: string, filter: Record<string, unknown> = {}) =>
    service.runtime.store.collection(collection).countDocuments(filter as never);

  it('when the credit code fails its check character, then the answer is 400 and nothing is stored', async () => {
    const valid = newCreditCode();
    const wrongCheck = valid.slice(0, 17) + (valid[17] === '0' ? '1' : '0');
    const before = {
      employers: await count('employers'),
      audit: await count('audit_log'),
      outbox: await count('outbox'),
    };
    for (const creditCode of [wrongCheck, '91420100MA4K00000', 'I1420100MA4K0000OO']) {
      const res = await service.request('POST', '/v1/employers', {
        token: tokenA,
        body: { creditCode, name: '假冒公司', communityCode: community(newStreet()) },
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.errors[0].pointer).toBe('/creditCode');
    }
    expect({
      employers: await count('employers'),
      audit: await count('audit_log'),
      outbox: await count('outbox'),
    }).toEqual(before);
  });

  it('when an employer is registered, then it is audited, found by every district, and a second registration of the code is refused', async () => {
    const creditCode = newCreditCode();
    const body = {
      creditCode: ` ${creditCode.slice(0, 9)} ${creditCode.slice(9)} `,
      name: '汉阳家政服务有限公司',
      communityCode: community(newStreet()),
      contacts: [{ name: '刘经理', role: 'HR', phone: '13912345678' }],
    };
    const created = await service.request('POST', '/v1/employers', { token: tokenA, body });
    expect(created.status).toBe(201);
    expect(created.body.creditCode).toBe(creditCode);
    expect(created.headers.get('location')).toBe(`/v1/employers/${created.body.id}`);

    const again = await service.request('POST', '/v1/employers', {
      token: tokenA,
      body: { ...body, name: '另一个名字' },
    });
    expect(again.status).toBe(409);
    expect(again.body.employerId).toBe(created.body.id);

    const fromB = await service.request('GET', `/v1/employers/${created.body.id}`, { token: tokenB });
    expect(fromB.status).toBe(200);
    const outsideArea = await service.request('POST', '/v1/employers', {
      token: tokenB,
      body: { ...body, creditCode: newCreditCode() },
    });
    expect(outsideArea.status).toBe(403);

    const link = await service.request('POST', `/v1/employers/${created.body.id}/hiring-links`, {
      token: tokenB,
      body: { communityCode: community(newStreet(DISTRICT_B)), since: '2024-03-01', note: '每季度招聘会' },
    });
    expect(link.status).toBe(200);
    expect(link.body.hiringLinks).toHaveLength(1);
    expect(link.body.version).toBe(2);

    const trail = await service.request('GET', `/v1/audit-log?subjectId=${created.body.id}`, {
      token: tokenA,
    });
    expect(trail.body.items.map((e: { action: string }) => e.action)).toEqual([
      'employer.registered',
      'employer.hiring-link-recorded',
    ]);
    const [registeredEntry, linkEntry] = trail.body.items;
    expect(registeredEntry).toMatchObject({ actor: `district-${DISTRICT_A}`, before: null });
    expect(registeredEntry.after.creditCode).toBe(creditCode);
    expect(linkEntry.before.hiringLinks).toEqual([]);
    expect(linkEntry.after.hiringLinks).toHaveLength(1);
  });

  it('when a POST is retried with the same Idempotency-Key, then the first answer is replayed and nothing is done twice', async () => {
    const body = { creditCode: newCreditCode(), name: '重试测试公司', communityCode: community(newStreet()) };
    const headers = { 'idempotency-key': `test-${Date.now()}-employer` };
    const first = await service.request('POST', '/v1/employers', { token: tokenA, body, headers });
    const second = await service.request('POST', '/v1/employers', { token: tokenA, body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotency-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await count('employers', { creditCode: body.creditCode })).toBe(1);
  });

  it('when a vacancy is posted, then VacancyPosted is published, every district sees it, and rules the schema cannot say are checked', async () => {
    const employer = await service.request('POST', '/v1/employers', {
      token: tokenA,
      body: { creditCode: newCreditCode(), name: '汉阳物流园', communityCode: community(newStreet()) },
    });
    const place = community(newStreet());
    const body = {
      employerId: employer.body.id,
      communityCode: place,
      title: '叉车司机',
      occupation: 'forklift driver',
      requiredSkills: ['叉车', 'Forklift', 'underwater basket weaving'],
      optionalSkills: ['仓库管理'],
      minimumEducation: 'junior-secondary',
      ageMin: 18,
      ageMax: 50,
      wage: { min: 4500, max: 6000 },
      places: 2,
      closesOn: '2099-06-30',
    };
    const posted = await service.request('POST', '/v1/vacancies', { token: tokenA, body });
    expect(posted.status).toBe(201);
    // "叉车" and "Forklift" are one concept; the unknown skill is kept, marked unknown.
    expect(
      posted.body.requiredSkills.map((s: { concept: string; known: boolean }) => [s.concept, s.known]),
    ).toEqual([
      ['skill.forklift', true],
      ['text:underwaterbasketweaving', false],
    ]);
    expect(posted.body.occupation.concept).toBe('occupation.forklift-driver');
    expect(posted.body.state).toBe('open');

    const [record] = await probe.waitFor((r) => r.key === posted.body.id);
    const envelope = decodeEnvelope(record!.value!);
    expect(envelope.eventType).toBe('employment.jobs.v1.VacancyPosted');
    const event = fromBinary(VacancyPostedSchema, envelope.payload);
    expect(event).toMatchObject({
      vacancyId: posted.body.id,
      communityCode: place,
      kind: VacancyKind.REGULAR,
      occupation: 'occupation.forklift-driver',
      places: 2,
    });
    expect(event.employer?.employerId).toBe(employer.body.id);
    expect(event.wageMin?.fen).toBe(450_000n);

    const fromB = await service.request(
      'GET',
      `/v1/vacancies?area=${DISTRICT_A}&occupation=${encodeURIComponent('叉车司机')}`,
      { token: tokenB },
    );
    expect(fromB.body.items.map((v: { id: string }) => v.id)).toContain(posted.body.id);

    const bad = await service.request('POST', '/v1/vacancies', {
      token: tokenA,
      body: { ...body, wage: { min: 7000, max: 6000 }, ageMin: 40, ageMax: 30 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      '/ageMin',
      '/wage/min',
    ]);
    const foreign = await service.request('POST', '/v1/vacancies', { token: tokenB, body });
    expect(foreign.status).toBe(403);

    const closed = await service.request('POST', `/v1/vacancies/${posted.body.id}/close`, {
      token: tokenA,
      body: { reason: '招满' },
    });
    expect(closed.status).toBe(200);
    expect(closed.body.state).toBe('closed');
    const closedAgain = await service.request('POST', `/v1/vacancies/${posted.body.id}/close`, {
      token: tokenA,
      body: { reason: '招满' },
    });
    expect(closedAgain.status).toBe(409);
  });

  it('when a request does not match the OpenAPI document, then it is refused before any route runs', async () => {
    const res = await service.request('POST', '/v1/vacancies', {
      token: tokenA,
      body: { title: 'x', surprise: true },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(
      expect.arrayContaining(['/surprise', '/employerId', '/closesOn']),
    );
  });

  it('when the routes the service registers are compared with the document it serves, then each documented operation has a route and each route is documented', async () => {
    const doc = (await fetch(`${service.url}/openapi.json`).then((r) => r.json())) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const routes = compareRoutes(service.runtime.server!, doc);
    expect({
      undocumented: routes.undocumented,
      unserved: routes.unserved,
      duplicated: routes.duplicated,
    }).toEqual({ undocumented: [], unserved: [], duplicated: [] });
    // The listing reads express's paths: parameters are named as in the document.
    expect(routes.served).toHaveLength(documentedRoutes(doc).length);
    expect(routes.served).toEqual(
      expect.arrayContaining([
        'POST /v1/employers',
        'POST /v1/vacancies/:vacancyId/close',
        'GET /v1/audit-log',
      ]),
    );
  });
});
