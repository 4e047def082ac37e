import type { ResidentsConfig } from '../../src/config.ts';
import {
  DISTRICT_A,
  DISTRICT_B,
  dropDatabase,
  newCommunity,
  newNationalId,
  type RunningResidents,
  registration,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

describe('requests: validation, area scope, idempotency', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth);
    service = await startResidents(config);
    tokenA = await auth.token(DISTRICT_A);
    tokenB = await auth.token(DISTRICT_B);
  });

  afterAll(async () => {
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  const storedIn = (community: string) =>
    service.runtime.store.collection('residents').countDocuments({ communityCode: community });
  const pendingEvents = () => service.runtime.store.collection('outbox').countDocuments();

  describe('bad input gets a precise 400 and stores nothing', () => {
    const cases: Array<[string, (community: string) => unknown, Array<{ in: string; pointer: string }>]> = [
      [
        'a wrong check digit',
        (c) => registration({ communityCode: c, nationalId: '420102198503121231' }),
        [{ in: 'body', pointer: '/nationalId' }],
      ],
      [
        'a 15-digit old-style number',
        (c) => registration({ communityCode: c, nationalId: '420102850312123' }),
        [{ in: 'body', pointer: '/nationalId' }],
      ],
      [
        'an impossible birth date',
        (c) => registration({ communityCode: c, nationalId: fixCheck('42010219850230123') }),
        [{ in: 'body', pointer: '/nationalId' }],
      ],
      [
        'an unknown province',
        (c) => registration({ communityCode: c, nationalId: fixCheck('99010219850312123') }),
        [{ in: 'body', pointer: '/nationalId' }],
      ],
      [
        'a sex that contradicts the number',
        (c) => registration({ communityCode: c, nationalId: newNationalId({ sex: 'male' }), sex: 'female' }),
        [{ in: 'body', pointer: '/sex' }],
      ],
      [
        'a birth date that contradicts the number',
        (c) => registration({ communityCode: c, birthDate: '1990-01-01' }),
        [{ in: 'body', pointer: '/birthDate' }],
      ],
      [
        'a child declared unemployed',
        (c) => registration({ communityCode: c, nationalId: newNationalId({ birthDate: '2015-05-05' }) }),
        [{ in: 'body', pointer: '/employmentStatus' }],
      ],
      [
        '4050 declared by a 30-year-old',
        (c) =>
          registration({
            communityCode: c,
            nationalId: newNationalId({ birthDate: '1996-01-01' }),
            hardshipCategories: ['4050'],
          }),
        [{ in: 'body', pointer: '/hardshipCategories' }],
      ],
      [
        'a missing name',
        (c) => ({ ...registration({ communityCode: c }), fullName: undefined }),
        [{ in: 'body', pointer: '/fullName' }],
      ],
      [
        'an unknown field',
        (c) => registration({ communityCode: c, salary: 100 }),
        [{ in: 'body', pointer: '/salary' }],
      ],
      [
        'a wrong type',
        (c) => registration({ communityCode: c, skills: 'welding' }),
        [{ in: 'body', pointer: '/skills' }],
      ],
      [
        'an unknown status',
        (c) => registration({ communityCode: c, employmentStatus: 'busy' }),
        [{ in: 'body', pointer: '/employmentStatus' }],
      ],
      [
        'a bad phone number',
        (c) => registration({ communityCode: c, phone: '12345' }),
        [{ in: 'body', pointer: '/phone' }],
      ],
    ];

    it.each(cases)('when the body has %s, then the answer names the field', async (_name, make, expected) => {
      const community = newCommunity();
      const res = await service.request('POST', '/v1/residents', { token: tokenA, body: make(community) });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({
        type: 'urn:employment:problem:validation-failed',
        status: 400,
        instance: '/v1/residents',
      });
      expect(res.body.errors).toEqual(
        expect.arrayContaining(expected.map((e) => expect.objectContaining(e))),
      );
      expect(await storedIn(community)).toBe(0);
      expect(await pendingEvents()).toBe(0);
    });

    it('when the body is not JSON, then 400 says so', async () => {
      const res = await service.request('POST', '/v1/residents', {
        token: tokenA,
        body: '{"nationalId": "4201',
        headers: {},
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        type: 'urn:employment:problem:bad-request',
        detail: 'the body is not valid JSON',
      });
    });

    it('when the body is not JSON at all, then 415', async () => {
      const res = await service.request('POST', '/v1/residents', {
        token: tokenA,
        body: 'nationalId=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(415);
    });

    it('when a batch has more than 1,000 rows, then it is refused whole', async () => {
      const community = newCommunity();
      const rows = Array.from({ length: 1001 }, () => ({ communityCode: community }));
      const res = await service.request('POST', '/v1/residents/batch', {
        token: tokenA,
        body: { residents: rows },
      });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ pointer: '/residents', detail: expect.stringContaining('1000') }),
      ]);
      expect(await storedIn(community)).toBe(0);
    });

    it('when a query parameter is out of range or unknown, then 400 names it', async () => {
      const community = newCommunity();
      const res = await service.request(
        'GET',
        `/v1/communities/${community}/residents?limit=5000&colour=red`,
        { token: tokenA },
      );
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ in: 'query', pointer: '/limit' }),
          expect.objectContaining({ in: 'query', pointer: '/colour' }),
        ]),
      );
    });

    it('when a cursor was not issued by the service, then 400', async () => {
      const res = await service.request('GET', `/v1/communities/${newCommunity()}/residents?cursor=bm9wZQ`, {
        token: tokenA,
      });
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ in: 'query', pointer: '/cursor' });
    });
  });

  describe('a district sees and changes only its own area', () => {
    it('when district B reads a person of district A, then it gets 404 as if absent', async () => {
      const created = await service.request('POST', '/v1/residents', { token: tokenA, body: registration() });
      expect(created.status).toBe(201);
      const res = await service.request('GET', `/v1/residents/${created.body.id}`, { token: tokenB });
      expect(res.status).toBe(404);
      expect(res.body.detail).not.toContain(created.body.fullName);
      const missing = await service.request('GET', '/v1/residents/01a21e23-b091-774a-aabd-000000000000', {
        token: tokenB,
      });
      expect(missing.status).toBe(404);
      expect(missing.body.detail).toBe(res.body.detail);
    });

    it('when district B lists or counts a community of district A, then 404', async () => {
      const community = newCommunity(DISTRICT_A);
      expect(
        (await service.request('GET', `/v1/communities/${community}/residents`, { token: tokenB })).status,
      ).toBe(404);
      expect(
        (await service.request('GET', `/v1/communities/${community}/statistics`, { token: tokenB })).status,
      ).toBe(404);
    });

    it('when district B registers someone into district A, then 403 and nothing is stored', async () => {
      const community = newCommunity(DISTRICT_A);
      const res = await service.request('POST', '/v1/residents', {
        token: tokenB,
        body: registration({ communityCode: community }),
      });
      expect(res.status).toBe(403);
      expect(res.body.type).toBe('urn:employment:problem:forbidden');
      expect(await storedIn(community)).toBe(0);
    });

    it('when district B registers a person already registered in A, then 409 without revealing the record', async () => {
      const nationalId = newNationalId();
      await service.request('POST', '/v1/residents', { token: tokenA, body: registration({ nationalId }) });
      const res = await service.request('POST', '/v1/residents', {
        token: tokenB,
        body: registration({ nationalId, communityCode: newCommunity(DISTRICT_B) }),
      });
      expect(res.status).toBe(409);
      expect(res.body.residentId).toBeUndefined();
    });

    it('when a street-level client reads a person of another street in its district, then 404', async () => {
      const created = await service.request('POST', '/v1/residents', {
        token: tokenA,
        body: registration({ communityCode: `${DISTRICT_A}001001` }),
      });
      const street = await auth.token(`${DISTRICT_A}002`);
      expect(
        (await service.request('GET', `/v1/residents/${created.body.id}`, { token: street })).status,
      ).toBe(404);
      const ownStreet = await auth.token(`${DISTRICT_A}001`);
      expect(
        (await service.request('GET', `/v1/residents/${created.body.id}`, { token: ownStreet })).status,
      ).toBe(200);
    });

    it('when a client has only the read role, then it cannot register', async () => {
      const reader = await auth.token(DISTRICT_A, ['residents:read']);
      const res = await service.request('POST', '/v1/residents', { token: reader, body: registration() });
      expect(res.status).toBe(403);
      expect(res.body.detail).toContain('residents:write');
    });
  });

  describe('Idempotency-Key', () => {
    it('when a POST is repeated with the same key, then the first answer comes back and one record is stored', async () => {
      const community = newCommunity();
      const body = registration({ communityCode: community });
      const headers = { 'idempotency-key': `reg-${Date.now()}-1` };
      const first = await service.request('POST', '/v1/residents', { token: tokenA, body, headers });
      const second = await service.request('POST', '/v1/residents', { token: tokenA, body, headers });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('location')).toBe(first.headers.get('location'));
      expect(second.headers.get('idempotency-replayed')).toBe('true');
      expect(await storedIn(community)).toBe(1);
    });

    it('when many copies arrive at once, then exactly one runs and one record is stored', async () => {
      const community = newCommunity();
      const body = registration({ communityCode: community });
      const headers = { 'idempotency-key': `reg-${Date.now()}-burst` };
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          service.request('POST', '/v1/residents', { token: tokenA, body, headers }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
      expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
      const conflicts = answers.filter((a) => a.status === 409);
      for (const c of conflicts)
        expect(c.body.type).toBe('urn:employment:problem:idempotency-request-in-progress');
      expect(await storedIn(community)).toBe(1);
    });

    it('when the key is reused with a different body, then 422 and nothing new is stored', async () => {
      const community = newCommunity();
      const headers = { 'idempotency-key': `reg-${Date.now()}-2` };
      await service.request('POST', '/v1/residents', {
        token: tokenA,
        body: registration({ communityCode: community }),
        headers,
      });
      const res = await service.request('POST', '/v1/residents', {
        token: tokenA,
        body: registration({ communityCode: community }),
        headers,
      });
      expect(res.status).toBe(422);
      expect(res.body.type).toBe('urn:employment:problem:idempotency-key-reused');
      expect(await storedIn(community)).toBe(1);
    });

    it('when another client uses the same key, then it is a different request', async () => {
      const headers = { 'idempotency-key': `shared-${Date.now()}` };
      const a = await service.request('POST', '/v1/residents', {
        token: tokenA,
        body: registration(),
        headers,
      });
      const b = await service.request('POST', '/v1/residents', {
        token: tokenB,
        body: registration({ communityCode: newCommunity(DISTRICT_B) }),
        headers,
      });
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
    });

    it('when a batch is retried with its key, then its rows are not registered twice', async () => {
      const community = newCommunity();
      const body = {
        residents: [registration({ communityCode: community }), registration({ communityCode: community })],
      };
      const headers = { 'idempotency-key': `batch-${Date.now()}` };
      const first = await service.request('POST', '/v1/residents/batch', { token: tokenA, body, headers });
      const again = await service.request('POST', '/v1/residents/batch', { token: tokenA, body, headers });
      expect(again.body).toEqual(first.body);
      expect(first.body.summary.created).toBe(2);
      expect(await storedIn(community)).toBe(2);
    });

    it('when the key is malformed, then 400 names the header', async () => {
      const res = await service.request('POST', '/v1/residents', {
        token: tokenA,
        body: registration(),
        headers: { 'idempotency-key': 'short' },
      });
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ in: 'header', pointer: '/Idempotency-Key' });
    });
  });
});

/** Appends the right GB 11643 check digit, to build numbers that fail only on another rule. */
function fixCheck(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * weights[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}
