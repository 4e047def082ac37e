import { awaitFreshWindow, call, type KitTestService, startKitService } from '../support.ts';

/** A token signed by a key the service does not trust: what a flood of guessed tokens looks like. */
async function forgedToken(): Promise<string> {
  const { LocalIssuer } = await import('@employment/http');
  const stranger = await LocalIssuer.create();
  return stranger.token({ clientId: 'district-420102', roles: ['residents:write'], areas: ['*'] });
}

/** Sends `total` requests, `perTick` at once every `tickMs`, and returns the answers in order. */
async function paced<T>(total: number, perTick: number, tickMs: number, send: (i: number) => Promise<T>) {
  const answers: Array<Promise<T>> = [];
  for (let i = 0; i < total; i += perTick) {
    const tick = Date.now();
    for (let j = i; j < Math.min(total, i + perTick); j++) answers.push(send(j));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickMs - (Date.now() - tick))));
  }
  return Promise.all(answers);
}

/** Sends `total` requests `size` at a time, each group after the previous one's answers. */
async function inGroups<T>(total: number, size: number, send: (i: number) => Promise<T>) {
  const answers: T[] = [];
  for (let i = 0; i < total; i += size) {
    answers.push(
      ...(await Promise.all(Array.from({ length: Math.min(size, total - i) }, (_, j) => send(i + j)))),
    );
  }
  return answers;
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('rate limits: per client after authentication, per source address before it', () => {
  let service: KitTestService;

  beforeAll(async () => {
    service = await startKitService({
      RATE_LIMIT_PER_MINUTE: '1000',
      RATE_LIMIT_CLIENT_QUOTAS: JSON.stringify({ 'district-greedy': 100 }),
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '20',
    });
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('when one client sends 500 requests in 5 s, then it is cut at its configured quota with 429 and Retry-After, and another client is unaffected', async () => {
    await awaitFreshWindow(25);
    const greedy = await service.token('district-greedy');
    const calm = await service.token('district-calm');
    const started = Date.now();
    const [flood, others] = await Promise.all([
      paced(500, 10, 100, () => call(service.port, 'GET', '/v1/echo', { token: greedy })),
      paced(20, 1, 250, () => call(service.port, 'GET', '/v1/echo', { token: calm })),
    ]);
    // All in one window, or the counts below would mean nothing.
    expect(Date.now() - started).toBeLessThan(25_000);
    const statuses = flood.map((a) => a.status);
    expect({ ok: count(statuses, 200), limited: count(statuses, 429) }).toEqual({ ok: 100, limited: 400 });

    const first = flood.find((a) => a.status === 200)!;
    expect(first.headers['ratelimit-policy']).toBe('"client";q=100;w=60');
    expect(first.headers.ratelimit).toMatch(/^"client";r=\d+;t=\d+$/);
    for (const refused of flood.filter((a) => a.status === 429)) {
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ type: 'urn:employment:problem:rate-limited', status: 429 });
      expect(refused.headers.ratelimit).toMatch(/^"client";r=0;t=\d+$/);
    }
    // Another client, during the flood and after it, on the default budget.
    expect(others.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(others[0]!.headers['ratelimit-policy']).toBe('"client";q=1000;w=60');
  });

  it('when one address floods with invalid tokens, then it is refused with 429 before its tokens are checked, and other addresses and a valid client are unaffected', async () => {
    await awaitFreshWindow(15);
    const forged = await forgedToken();
    const flood = await inGroups(120, 10, (i) =>
      // No token at all counts the same as a bad one.
      call(service.port, 'GET', '/v1/echo', { from: '127.0.0.2', ...(i % 4 === 0 ? {} : { token: forged }) }),
    );
    const statuses = flood.map((a) => a.status);
    // The budget is 20; requests already in flight when it ran out (at most 9 here) still pass.
    expect(count(statuses, 401)).toBeGreaterThanOrEqual(20);
    expect(count(statuses, 401)).toBeLessThan(30);
    expect(count(statuses, 401) + count(statuses, 429)).toBe(120);
    const refused = flood.filter((a) => a.status === 429);
    for (const answer of refused) {
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(answer.body).toMatchObject({ type: 'urn:employment:problem:rate-limited', status: 429 });
    }
    expect(refused[0]!.headers['ratelimit-policy']).toBe('"address";q=20;w=60');
    // An unknown path is refused the same way: scans are limited too.
    expect((await call(service.port, 'GET', '/v1/admin', { from: '127.0.0.2' })).status).toBe(429);

    // Another address still gets its own budget, and a valid client is served.
    expect((await call(service.port, 'GET', '/v1/echo', { from: '127.0.0.3', token: forged })).status).toBe(
      401,
    );
    const valid = await call(service.port, 'GET', '/v1/echo', {
      from: '127.0.0.3',
      token: await service.token('district-420102'),
    });
    expect(valid.status).toBe(200);
    expect(
      (await call(service.port, 'GET', '/v1/echo', { token: await service.token('district-420103') })).status,
    ).toBe(200);
  });

  it('when X-Forwarded-For comes from an address not configured as a trusted proxy, then it is ignored and the flood is still limited', async () => {
    await awaitFreshWindow(10);
    const forged = await forgedToken();
    const flood = await inGroups(40, 1, (i) =>
      call(service.port, 'GET', '/v1/echo', {
        from: '127.0.0.4',
        token: forged,
        headers: { 'x-forwarded-for': `198.51.100.${i + 1}` },
      }),
    );
    const statuses = flood.map((a) => a.status);
    expect({ unauthenticated: count(statuses, 401), limited: count(statuses, 429) }).toEqual({
      unauthenticated: 20,
      limited: 20,
    });
  });
});

describe('rate limits behind a trusted proxy', () => {
  let service: KitTestService;

  beforeAll(async () => {
    service = await startKitService({
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '5',
      HTTP_TRUSTED_PROXIES: 'loopback',
    });
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('when a trusted proxy forwards for several callers, then each caller (X-Forwarded-For) has its own address budget', async () => {
    await awaitFreshWindow(10);
    const forged = await forgedToken();
    const from = (caller: string) => ({
      token: forged,
      headers: { 'x-forwarded-for': `${caller}, 127.0.0.1` },
    });
    const first = await inGroups(8, 1, () => call(service.port, 'GET', '/v1/echo', from('203.0.113.7')));
    expect(first.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    expect((await call(service.port, 'GET', '/v1/echo', from('203.0.113.8'))).status).toBe(401);
  });
});
