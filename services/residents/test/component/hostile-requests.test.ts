import type { ResidentsConfig } from '../../src/config.ts';
import {
  DISTRICT_A,
  dropDatabase,
  newCommunity,
  type RunningResidents,
  registerPerson,
  registration,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

/** Requests an attacker would send: each is refused at the edge with a 4xx and changes nothing. */
describe('hostile requests are refused at the edge', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let token: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth);
    service = await startResidents(config);
    token = await auth.token(DISTRICT_A);
  });

  afterAll(async () => {
    await service?.runtime.stop();
    await auth?.stop();
    await dropDatabase(config);
  });

  const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

  it('when a profile change carries U+0000 in the name, then 400 names the field and the record stays writable', async () => {
    const person = await registerPerson(service, token);
    const refused = await service.request('PATCH', `/v1/residents/${person.id}`, {
      token,
      body: { version: 1, fullName: '王\u0000秀英' },
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.errors).toEqual([
      { in: 'body', pointer: '/fullName', detail: 'must not contain control characters or line breaks' },
    ]);
    const changed = await service.request('PATCH', `/v1/residents/${person.id}`, {
      token,
      body: { version: 1, fullName: '王秀兰' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ fullName: '王秀兰', version: 2 });
  });

  it.each([
    ['a right-to-left override in the name', { fullName: '王\u202e秀英' }, '/fullName'],
    ['a blank name', { fullName: ' \u3000 ' }, '/fullName'],
    ['an unpaired surrogate in a skill', { skills: ['电焊\ud800'] }, '/skills/0'],
    ['a line break in the address', { address: '江岸区\r\n1号' }, '/address'],
  ])(
    'when a registration carries %s, then 400 names the field and nothing is stored',
    async (_what, change, pointer) => {
      const community = newCommunity();
      const res = await service.request('POST', '/v1/residents', {
        token,
        body: registration({ communityCode: community, ...change }),
      });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ in: 'body', pointer })]);
      expect(
        await service.runtime.store.collection('residents').countDocuments({ communityCode: community }),
      ).toBe(0);
    },
  );

  it('when a path holds a broken percent-escape, then 400 names the parameter', async () => {
    const res = await service.request('GET', '/v1/residents/%ZZ', { token });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ in: 'path', pointer: '/residentId' })]);
  });

  it('when a body nests 10,000 levels deep and carries an Idempotency-Key, then 400 before anything runs', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const res = await service.request(
      'POST',
      `/v1/households/${'01a21e23-b091-774a-aabd-000000000001'}/tracking-card`,
      { token, body: deep, headers: { 'idempotency-key': `deep-${Date.now()}` } },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { in: 'body', pointer: '', detail: expect.stringContaining('nests deeper than') },
    ]);
  });

  it('when a cursor decodes to an operator or to extra keys, then 400 and the store is not asked', async () => {
    const community = newCommunity();
    await registerPerson(service, token, { communityCode: community });
    for (const forged of [
      { after: { $gt: '' } },
      { after: ['x'] },
      { after: '01a21e23-b091-774a-aabd-000000000000', extra: 1 },
      { offset: 1 },
    ]) {
      const res = await service.request(
        'GET',
        `/v1/communities/${community}/residents?cursor=${cursorOf(forged)}`,
        { token },
      );
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ in: 'query', pointer: '/cursor' })]);
    }
  });

  it('when every page is walked with the cursors the service issued, then each record comes once', async () => {
    const community = newCommunity();
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++)
      ids.add((await registerPerson(service, token, { communityCode: community })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await service.request('GET', `/v1/communities/${community}/residents?limit=2${query}`, {
        token,
      });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((r: { id: string }) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
  });
});
