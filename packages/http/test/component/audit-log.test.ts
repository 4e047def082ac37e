import type { Server } from 'node:http';
import { createLogger, systemActor } from '@employment/core';
import { AUDIT_COLLECTION, auditEntry } from '@employment/messaging';
import { Metrics } from '@employment/telemetry';
import { callService, testInfra, uniqueName } from '@employment/testing';
import { Redis } from 'ioredis';
import mongoose, { type Connection } from 'mongoose';
import { createHttpApp } from '../../src/app.ts';
import { auditLogOperation, bindAuditLog } from '../../src/audit-log.ts';
import { openApiDocument } from '../../src/contract.ts';
import { createJwtVerifier } from '../../src/jwt.ts';
import { LocalIssuer } from '../../src/local-issuer.ts';

const DISTRICT_A = '420113';
const DISTRICT_B = '420114';
const op = auditLogOperation({ tag: 'audit', role: 'things:read' });

let store: Connection;
let redis: Redis;
let issuer: LocalIssuer;
let closeIssuer: () => void;
let server: Server;
let url: string;

beforeAll(async () => {
  store = await mongoose
    .createConnection(testInfra.mongodbUrl, { dbName: uniqueName('audit_log') })
    .asPromise();
  redis = new Redis(testInfra.redisUrl);
  issuer = await LocalIssuer.create();
  const served = await issuer.serve();
  closeIssuer = () => served.server.close();
  const app = createHttpApp({
    service: 'audit-test',
    logger: createLogger({ service: 'audit-test', level: 'silent' }),
    metrics: new Metrics('audit-test'),
    openapi: openApiDocument({
      title: 't',
      version: '1',
      description: 't',
      tags: [{ name: 'audit' }],
      operations: [op],
    }),
    redis,
    verifyToken: createJwtVerifier({
      jwksUrl: served.jwksUrl,
      issuer: issuer.issuer,
      audience: issuer.audience,
      maxLifetimeSeconds: 3600,
      clockToleranceSeconds: 30,
    }),
    readiness: () => ({ ready: true, checks: {} }),
    rateLimits: { perMinute: 100_000, clientQuotas: {}, perAddress: 100_000 },
    idempotencyTtlSeconds: 60,
    routes: (router) => bindAuditLog(router, op, store),
  });
  await new Promise<void>((resolve) => {
    server = app.listen(0, () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  closeIssuer?.();
  redis?.disconnect();
  await store?.dropDatabase().catch(() => undefined);
  await store?.close();
});

const token = (areas: string[], roles = ['things:read']) =>
  issuer.token({ clientId: `client-${areas.join('-')}`, roles, areas });

/** Writes entries about one subject, one per community (null: bound to no area), oldest first. */
async function trail(subjectId: string, communities: Array<string | null>) {
  const entries = communities.map((communityCode, i) =>
    auditEntry(
      systemActor('audit-test', `request-${i}`),
      `step-${i}`,
      { type: 'thing', id: subjectId, communityCode },
      null,
      { step: i },
      new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    ),
  );
  // One at a time, so each id (UUIDv7) is later than the one before.
  for (const entry of entries) await store.collection(AUDIT_COLLECTION).insertOne(entry as never);
  return entries;
}

const read = async (bearer: string, subjectId: string, extra = '') =>
  callService(url, 'GET', `/v1/audit-log?subjectId=${subjectId}${extra}`, { token: bearer });

describe('the audit log', () => {
  it('when a record moved between districts, then each district reads its own part of the trail, oldest first, with the entries bound to no area', async () => {
    const subjectId = uniqueName('thing');
    const a = `${DISTRICT_A}001001`;
    const b = `${DISTRICT_B}002001`;
    const entries = await trail(subjectId, [null, b, b, b, a, b, a]);

    const inA = await read(await token([DISTRICT_A]), subjectId);
    expect(inA.status).toBe(200);
    expect(inA.body.items.map((e: { action: string }) => e.action)).toEqual(['step-0', 'step-4', 'step-6']);
    expect(inA.body.items[1]).toEqual({
      id: entries[4]!._id,
      at: '2026-01-01T00:00:04.000Z',
      actor: 'audit-test',
      action: 'step-4',
      subjectType: 'thing',
      subjectId,
      communityCode: a,
      before: null,
      after: { step: 4 },
      requestId: 'request-4',
    });

    // A page of two for district A is not cut short by B's entries in between.
    const first = await read(await token([DISTRICT_A]), subjectId, '&limit=2');
    expect(first.body.items.map((e: { action: string }) => e.action)).toEqual(['step-0', 'step-4']);
    const second = await read(
      await token([DISTRICT_A]),
      subjectId,
      `&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((e: { action: string }) => e.action)).toEqual(['step-6']);
    expect(second.body.nextCursor).toBeNull();

    const cityWide = await read(await token(['*']), subjectId);
    expect(cityWide.body.items).toHaveLength(entries.length);
    const both = await read(await token([DISTRICT_A, `${DISTRICT_B}002`]), subjectId);
    expect(both.body.items).toHaveLength(entries.length);
  });

  it('when the caller lacks the role, sends no subject or a cursor it was not given, then the answer is a problem', async () => {
    const subjectId = uniqueName('thing');
    await trail(subjectId, [null]);
    expect((await read(await token([DISTRICT_A], ['other:read']), subjectId)).status).toBe(403);
    const missing = await callService(url, 'GET', '/v1/audit-log', { token: await token([DISTRICT_A]) });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([{ in: 'query', pointer: '/subjectId', detail: 'is required' }]);
    const badCursor = await read(await token([DISTRICT_A]), subjectId, '&cursor=not-a-cursor');
    expect(badCursor.status).toBe(400);
    expect(badCursor.headers.get('content-type')).toContain('application/problem+json');
    expect((await callService(url, 'GET', `/v1/audit-log?subjectId=${subjectId}`)).status).toBe(401);
  });
});
