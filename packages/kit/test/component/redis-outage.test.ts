import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@employment/core';
import { eventually, testInfraPart } from '@employment/testing';
import { awaitFreshWindow, call, type KitTestService, startKitService } from '../support.ts';

/**
 * Redis stopped and started again under a running service (the test stack's own Redis, with
 * scripts/infra-ctl, as an operator's bad day would go). The policy (docs/security.md): rate limits
 * fail open, quickly, counted and logged; idempotent POSTs fail closed; readiness is off meanwhile.
 */
describe('when Redis goes away and comes back', () => {
  let service: KitTestService;
  const lines: string[] = [];

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    service = await startKitService(
      {
        RATE_LIMIT_CLIENT_QUOTAS: JSON.stringify({ 'district-limited': 3 }),
        RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '5',
      },
      { logger: createLogger({ service: 'kit-test', level: 'info', destination }) },
    );
  });

  afterAll(async () => {
    // Whatever happened above, leave the stack's Redis running for the tests after this one.
    await testInfraPart('start', 'redis');
    await service?.stop();
  });

  it('then requests are answered within a bounded time, limits fail open (counted, logged once), readiness goes off, and all of it recovers', async () => {
    const token = await service.token('district-420102');
    const limited = await service.token('district-limited');
    expect((await call(service.port, 'GET', '/readyz')).status).toBe(200);

    await testInfraPart('stop', 'redis');
    const stoppedAt = Date.now();
    const down = await eventually(
      async () => {
        const ready = await call(service.port, 'GET', '/readyz');
        return ready.status === 503 ? ready : undefined;
      },
      { what: 'readiness to turn off', timeoutMs: 10_000 },
    );
    expect(down.body.checks.redis).toMatch(/^failing: not connected/);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect((await call(service.port, 'GET', '/healthz')).status).toBe(200);

    // Reads and plain writes go on, each answered at once; the limits are not checked meanwhile.
    const reads = [];
    for (let i = 0; i < 10; i++) reads.push(await call(service.port, 'GET', '/v1/echo', { token: limited }));
    expect(reads.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(Math.max(...reads.map((a) => a.ms))).toBeLessThan(1_000);
    const write = await call(service.port, 'POST', '/v1/echo', { token, body: { a: 1 } });
    expect(write.status).toBe(201);
    expect(write.ms).toBeLessThan(1_000);
    // A bad token is still refused, just not counted against its address.
    const unauthenticated = [];
    for (let i = 0; i < 8; i++)
      unauthenticated.push(await call(service.port, 'GET', '/v1/echo', { token: 'x.y.z' }));
    expect(unauthenticated.map((a) => a.status)).toEqual(Array(8).fill(401));
    expect(Math.max(...unauthenticated.map((a) => a.ms))).toBeLessThan(1_000);
    // An idempotent POST needs Redis: it is answered (by the idempotency layer, which fails closed)
    // within the same bound, not after the client's reconnection attempts.
    const keyed = await call(service.port, 'POST', '/v1/echo', {
      token,
      body: { a: 2 },
      headers: { 'idempotency-key': 'outage-key-0001' },
    });
    expect(keyed.ms).toBeLessThan(1_000);
    expect(keyed.status).not.toBe(201);

    const metrics = await call(service.port, 'GET', '/metrics');
    const unchecked = (scope: string) =>
      Number(
        new RegExp(`^rate_limit_unavailable_total\\{[^}]*scope="${scope}"[^}]*\\} (\\d+)`, 'm').exec(
          metrics.body,
        )?.[1] ?? 0,
      );
    expect(unchecked('client')).toBeGreaterThanOrEqual(12);
    expect(unchecked('address')).toBeGreaterThanOrEqual(20);
    // One warning per 10 s of outage, not one per request.
    const warnings = lines.filter((l) => l.includes('rate limits unavailable')).length;
    expect(warnings).toBeGreaterThanOrEqual(1);
    expect(warnings).toBeLessThanOrEqual(1 + Math.floor((Date.now() - stoppedAt) / 10_000));

    await testInfraPart('start', 'redis');
    const startedAt = Date.now();
    await eventually(async () => (await call(service.port, 'GET', '/readyz')).status === 200, {
      what: 'readiness to return',
      timeoutMs: 15_000,
    });
    const recovered = Date.now() - startedAt;
    expect(recovered).toBeLessThan(5_000);
    // Limits count again (the restarted Redis starts empty): the quota of 3 binds.
    await awaitFreshWindow(5);
    const after = [];
    for (let i = 0; i < 4; i++)
      after.push((await call(service.port, 'GET', '/v1/echo', { token: limited })).status);
    expect(after).toEqual([200, 200, 200, 429]);
    const replayed = await call(service.port, 'POST', '/v1/echo', {
      token,
      body: { a: 3 },
      headers: { 'idempotency-key': 'outage-key-0002' },
    });
    expect(replayed.status).toBe(201);
  });

  it('when Redis hangs (stopped, its connection open), then each request waits at most the command timeout, and readiness goes off and comes back', async () => {
    const hung = await startKitService({ REDIS_COMMAND_TIMEOUT_MS: '300' });
    const pid = stackRedisPid();
    try {
      const token = await hung.token('district-420102');
      expect((await call(hung.port, 'GET', '/v1/echo', { token })).status).toBe(200);
      process.kill(pid, 'SIGSTOP');
      const reads = [];
      for (let i = 0; i < 3; i++) reads.push(await call(hung.port, 'GET', '/v1/echo', { token }));
      expect(reads.map((a) => a.status)).toEqual([200, 200, 200]);
      // Two limiter calls at most (address, client), each bounded by the 300 ms timeout.
      expect(Math.max(...reads.map((a) => a.ms))).toBeLessThan(1_500);
      await eventually(async () => (await call(hung.port, 'GET', '/readyz')).status === 503, {
        what: 'readiness to turn off',
        timeoutMs: 10_000,
      });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await eventually(async () => (await call(hung.port, 'GET', '/readyz')).status === 200, {
      what: 'readiness to return',
      timeoutMs: 10_000,
    });
    await hung.stop();
  });
});

/** The test stack's Redis (scripts/lib/infra.sh keeps its pid in the stack's state folder). */
function stackRedisPid(): number {
  const cache = process.env.EMPLOYMENT_CACHE ?? join(homedir(), '.cache', 'employment-platform');
  const stack = `test${process.env.INFRA_PORT_OFFSET ? `-${process.env.INFRA_PORT_OFFSET}` : ''}`;
  return Number(readFileSync(join(cache, 'state', stack, 'pids', 'redis.pid'), 'utf8').trim());
}
