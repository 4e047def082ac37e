import { createHash } from 'node:crypto';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Principal } from '@employment/core';
import { Metrics } from '@employment/telemetry';
import { eventually, sleep, testInfra, uniqueName } from '@employment/testing';
import type { Router } from 'express';
import { Redis } from 'ioredis';
import { createHttpApp } from '../../src/app.ts';
import type { OpenApiDocument } from '../../src/openapi.ts';

/**
 * The kit's HTTP edge against a real Redis: what every service gets before its own routes run
 * (Idempotency-Key, body and path checks, methods, problem details).
 */

const document: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'edge', version: '1' },
  paths: {
    '/v1/things': {
      get: { operationId: 'listThings' },
      post: {
        operationId: 'createThing',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  name: { type: 'string' },
                  tags: { type: 'array', items: { type: 'string' } },
                  size: { type: 'object', properties: { w: { type: 'integer' }, h: { type: 'integer' } } },
                },
              },
            },
          },
        },
      },
    },
    '/v1/things/{thingId}': {
      get: {
        operationId: 'getThing',
        parameters: [
          { name: 'thingId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        ],
      },
    },
    // An action without a body schema: what it is sent goes unchecked to the route.
    '/v1/jobs': { post: { operationId: 'runJob' } },
  },
};

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  body: any;
}

/** node:http rather than fetch: fetch refuses TRACE. */
function send(
  port: number,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Answer> {
  const payload =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        agent: false,
        method,
        path,
        headers: {
          authorization: 'Bearer district-a',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('the HTTP edge every service shares', () => {
  const service = uniqueName('edge');
  const redis = new Redis(testInfra.redisUrl);
  const servers: Server[] = [];
  const clients: Redis[] = [redis];
  let created = 0;
  let jobsRun = 0;
  /** Requests to POST /v1/jobs wait here until the test lets them go. */
  let gate: Promise<void> = Promise.resolve();
  let openGate: () => void = () => undefined;
  const closeGate = () => {
    gate = new Promise((resolve) => {
      openGate = resolve;
    });
  };

  const routes = (router: Router) => {
    router.get('/v1/things', (_req, res) => {
      res.json({ items: [], nextCursor: null });
    });
    router.post('/v1/things', (req, res) => {
      created++;
      res
        .status(201)
        .location(`/v1/things/${created}`)
        .json({ id: created, ...req.body });
    });
    router.post('/v1/jobs', async (_req, res) => {
      jobsRun++;
      await gate;
      res.status(201).json({ job: jobsRun });
    });
  };

  async function serve(options: { redis?: Redis; leaseMs?: number } = {}): Promise<number> {
    const app = createHttpApp({
      service,
      logger: createLogger({ service, level: 'silent' }),
      metrics: new Metrics(service),
      openapi: document,
      redis: options.redis ?? redis,
      verifyToken: async (token): Promise<Principal> => ({
        clientId: token,
        subject: token,
        roles: new Set(['admin']),
        areas: ['*'],
      }),
      readiness: () => ({ ready: true, checks: {} }),
      rateLimits: { perMinute: 100_000, perAddress: 100_000, clientQuotas: {} },
      idempotencyTtlSeconds: 60,
      ...(options.leaseMs === undefined ? {} : { idempotencyLeaseMs: options.leaseMs }),
      routes,
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, () => resolve(s));
    });
    servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  let port: number;
  beforeAll(async () => {
    port = await serve();
  });

  afterAll(async () => {
    openGate();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    const keys = await redis.keys(`idem:${service}:*`);
    if (keys.length > 0) await redis.del(...keys);
    for (const client of clients) if (client.status !== 'end') client.disconnect();
  });

  const idemKeys = () => redis.keys(`idem:${service}:*`);

  describe('Idempotency-Key', () => {
    it('when the same body comes back with its keys in another order, then it is the same request', async () => {
      const headers = { 'idempotency-key': `order-${Date.now()}` };
      const first = await send(port, 'POST', '/v1/things', {
        body: { name: 'a', tags: ['x'], size: { w: 1, h: 2 } },
        headers,
      });
      const again = await send(port, 'POST', '/v1/things', {
        body: '{"size":{"h":2,"w":1},"tags":["x"],"name":"a"}',
        headers,
      });
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.headers['idempotency-replayed']).toBe('true');
      expect(again.body.id).toBe(first.body.id);
      const different = await send(port, 'POST', '/v1/things', {
        body: { name: 'a', tags: ['x'], size: { w: 2, h: 1 } },
        headers,
      });
      expect(different.status).toBe(422);
    });

    it('when a key holds an ID number, then Redis keeps only its hash', async () => {
      const key = `reg-420102198503121234-${Date.now()}`;
      const res = await send(port, 'POST', '/v1/things', {
        body: { name: 'b' },
        headers: { 'idempotency-key': key },
      });
      expect(res.status).toBe(201);
      const keys = await idemKeys();
      expect(keys.filter((k) => k.includes('420102198503121234'))).toEqual([]);
      const hashed = createHash('sha256').update(key, 'utf8').digest('base64url');
      expect(keys).toContain(`idem:${service}:district-a:${hashed}`);
    });

    it('when Redis cannot be reached, then a request with a key answers 503 with Retry-After and runs nothing', async () => {
      // A real client on a port nothing listens on, with the service's client settings (and
      // short waits, so that nothing of it is pending when the test ends).
      const away = new Redis('redis://127.0.0.1:1', {
        maxRetriesPerRequest: 2,
        enableOfflineQueue: true,
        lazyConnect: true,
        retryStrategy: () => 50,
        disconnectTimeout: 50,
      });
      away.on('error', () => undefined);
      clients.push(away);
      const awayPort = await serve({ redis: away });
      const before = created;
      const res = await send(awayPort, 'POST', '/v1/things', {
        body: { name: 'c' },
        headers: { 'idempotency-key': `away-${Date.now()}` },
      });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^[0-9]+$/);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.type).toBe('urn:employment:problem:unavailable');
      expect(created).toBe(before);
    });

    it('when a request runs longer than the lease, then it keeps its key, a retry meanwhile gets 409, and after it the answer', async () => {
      const leasePort = await serve({ leaseMs: 300 });
      closeGate();
      const headers = { 'idempotency-key': `long-${Date.now()}` };
      const runs = jobsRun;
      const first = send(leasePort, 'POST', '/v1/jobs', { headers });
      await sleep(1_200); // four leases
      const during = await send(leasePort, 'POST', '/v1/jobs', { headers });
      expect(during.status).toBe(409);
      expect(during.body.type).toBe('urn:employment:problem:idempotency-request-in-progress');
      expect(during.headers['retry-after']).toBe('1');
      openGate();
      const answer = await first;
      expect(answer.status).toBe(201);
      const after = await eventually(async () => {
        const res = await send(leasePort, 'POST', '/v1/jobs', { headers });
        return res.headers['idempotency-replayed'] === 'true' ? res : undefined;
      });
      expect(after.body).toEqual(answer.body);
      expect(jobsRun).toBe(runs + 1);
    });

    it('when the process holding a key dies, then the key frees after the lease and a retry runs', async () => {
      const dyingRedis = new Redis(testInfra.redisUrl);
      clients.push(dyingRedis);
      const dyingPort = await serve({ redis: dyingRedis, leaseMs: 500 });
      const alivePort = await serve({ leaseMs: 500 });
      closeGate();
      const headers = { 'idempotency-key': `crash-${Date.now()}` };
      const runs = jobsRun;
      const aborted = new AbortController();
      const first = send(dyingPort, 'POST', '/v1/jobs', { headers, signal: aborted.signal }).catch(
        () => undefined,
      );
      await eventually(() => jobsRun === runs + 1); // the first attempt holds the key and runs
      // As a killed process: its Redis connection drops and nothing renews the lease again.
      dyingRedis.disconnect();
      const started = Date.now();
      const during = await send(alivePort, 'POST', '/v1/jobs', { headers });
      expect(during.status).toBe(409);
      openGate();
      const retried = await eventually(
        async () => {
          const res = await send(alivePort, 'POST', '/v1/jobs', { headers });
          return res.status === 201 ? res : undefined;
        },
        { timeoutMs: 5_000, intervalMs: 100 },
      );
      expect(retried.headers['idempotency-replayed']).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(2_000);
      aborted.abort();
      await first;
    });
  });

  describe('bodies and paths', () => {
    it('when a body nests 10,000 levels deep with an Idempotency-Key, then 400 names the body', async () => {
      const runs = jobsRun;
      const res = await send(port, 'POST', '/v1/jobs', {
        body: `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
        headers: { 'idempotency-key': `deep-${Date.now()}` },
      });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ in: 'body', pointer: '', detail: 'nests deeper than 32 levels' }]);
      expect(jobsRun).toBe(runs);
    });

    it('when a body nests 32 levels, then it passes', async () => {
      const res = await send(port, 'POST', '/v1/jobs', { body: `${'['.repeat(32)}${']'.repeat(32)}` });
      expect(res.status).toBe(201);
    });

    it('when a path parameter has a broken percent-escape, then 400 names it', async () => {
      for (const path of ['/v1/things/%ZZ', '/v1/things/%E0%A4%A']) {
        const res = await send(port, 'GET', path);
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([expect.objectContaining({ in: 'path', pointer: '/thingId' })]);
      }
    });
  });

  describe('methods', () => {
    it.each([
      ['TRACE', '/v1/things', 'GET, HEAD, POST'],
      ['DELETE', '/v1/things', 'GET, HEAD, POST'],
      ['PUT', '/v1/things/01a21e23-b091-774a-aabd-000000000000', 'GET, HEAD'],
      ['TRACE', '/healthz', 'GET, HEAD'],
      ['POST', '/openapi.json', 'GET, HEAD'],
    ])('when %s is sent to %s, then 405 lists the allowed methods', async (method, path, allow) => {
      const res = await send(port, method, path);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.headers['content-type']).toContain('application/problem+json');
    });
  });

  describe('problem details never echo an ID number', () => {
    it('when a path, a query and a field name carry one, then the problem masks it everywhere', async () => {
      const id = '420102198503121234';
      const read = await send(port, 'GET', `/v1/things/${id}?owner=${id}`);
      expect(read.status).toBe(400);
      expect(read.text).not.toContain(id);
      expect(read.body.instance).toBe('/v1/things/420102********1234');
      const write = await send(port, 'POST', '/v1/things', { body: { [id]: 1 } });
      expect(write.status).toBe(400);
      expect(write.text).not.toContain(id);
      const unknown = await send(port, 'GET', `/v1/${id}`);
      expect(unknown.status).toBe(404);
      expect(unknown.text).not.toContain(id);
    });
  });
});
