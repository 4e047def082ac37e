import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { EmploymentStatus, ResidentRegisteredSchema } from '@employment/contracts';
import { createLogger, type Logger } from '@employment/core';
import { buildEvent, newId } from '@employment/messaging';
import { initTracing, SpanKind } from '@employment/telemetry';
import { eventually, testInfra, testProducer, uniqueName } from '@employment/testing';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ResidentsConfig } from '../../src/config.ts';
import { consumerGroups } from '../../src/entry-points/messaging/community-stats.ts';
import {
  DISTRICT_A,
  dropDatabase,
  newNationalId,
  type RunningResidents,
  registration,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

const spans = new InMemorySpanExporter();
initTracing({ serviceName: 'residents', exporters: [spans] });

/** Everything the service logs, as text, to search for what must never be there. */
function captureLogs(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger({ service: 'residents', level: 'debug', destination }),
    text: () => lines.join(''),
  };
}

describe('operations: auth, probes, metrics, limits, logs, traces', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let logs: ReturnType<typeof captureLogs>;
  let token: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth, { RATE_LIMIT_PER_MINUTE: '100000' });
    logs = captureLogs();
    service = await startResidents(config, { logger: logs.logger });
    token = await auth.token(DISTRICT_A);
  });

  afterAll(async () => {
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  it('when no token, a forged token or an expired token is sent, then 401 problems', async () => {
    const none = await service.request('GET', '/v1/communities/420102001001/residents');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');

    const otherIssuer = await TestAuth.start();
    const forged = await service.request('GET', '/v1/communities/420102001001/residents', {
      token: await otherIssuer.token(DISTRICT_A),
    });
    await otherIssuer.stop();
    expect(forged.status).toBe(401);
    expect(forged.body.type).toBe('urn:employment:problem:unauthenticated');

    const expired = await auth.issuer.token({
      clientId: 'x',
      roles: ['residents:read'],
      areas: [DISTRICT_A],
      ttlSeconds: -120,
    });
    const late = await service.request('GET', '/v1/communities/420102001001/residents', { token: expired });
    expect(late.status).toBe(401);
    expect(late.body.detail).toBe('the token has expired');

    const noArea = await auth.issuer.token({ clientId: 'x', roles: ['residents:read'], areas: [] });
    expect(
      (await service.request('GET', '/v1/communities/420102001001/residents', { token: noArea })).status,
    ).toBe(403);
  });

  it('when an undocumented path or method is called, then 404 or 405 problems', async () => {
    const unknown = await service.request('GET', '/v1/nothing-here', { token });
    expect(unknown.status).toBe(404);
    const method = await service.request('DELETE', '/v1/residents', { token });
    expect(method.status).toBe(405);
    expect(method.body.type).toBe('urn:employment:problem:method-not-allowed');
  });

  it('when probes and scrapers call, then health, readiness, metrics and the OpenAPI document answer without a token', async () => {
    expect((await service.request('GET', '/healthz')).status).toBe(200);
    const ready = await service.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ store: 'ok', redis: 'ok', kafka: 'ok' });

    await service.request('POST', '/v1/residents', { token, body: registration() });
    const metrics = await service.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(
      /http_server_request_duration_seconds_count\{[^}]*route="registerResident"[^}]*status="201"/,
    );
    expect(metrics.body).toContain('outbox_events_published_total');

    const doc = await service.request('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    const operations = Object.values(doc.body.paths).flatMap((item) =>
      Object.values(item as object).map((op) => op.operationId),
    );
    expect(operations.sort()).toEqual(
      [
        'acknowledgeWarning',
        'addHouseholdMember',
        'applyForCertificate',
        'assignHelper',
        'changeEmploymentStatus',
        'createHousehold',
        'defineArea',
        'endAssignment',
        'findCertificateByNumber',
        'getArea',
        'getAreaStatistics',
        'getCertificate',
        'getCommunityStatistics',
        'getEmploymentHistory',
        'getHousehold',
        'getHouseholdContacts',
        'getResident',
        'getTrackingCard',
        'getWarning',
        'importAreas',
        'issueCertificate',
        'listAreaChildren',
        'listAreaEntryPoints',
        'listAreaWarnings',
        'listAssignments',
        'listAuditEntries',
        'listCommunityCertificates',
        'listCommunityHouseholds',
        'listCommunityResidents',
        'listResidentCertificates',
        'listServiceDeliveries',
        'listSurveys',
        'lookupResident',
        'openTrackingCard',
        'recordAnnualCheck',
        'recordServiceDelivery',
        'recordSurvey',
        'registerHouseholdsBatch',
        'registerResident',
        'registerResidentsBatch',
        'removeHouseholdMember',
        'resolveWarning',
        'reviewCertificate',
        'revokeCertificate',
        'updateResidentProfile',
      ].sort(),
    );
  });

  it('when a client exceeds its budget, then 429 with Retry-After, and other clients are unaffected', async () => {
    const auth2 = await TestAuth.start();
    const limitedConfig = residentsTestConfig(auth2, { RATE_LIMIT_PER_MINUTE: '3' });
    const limited = await startResidents(limitedConfig);
    try {
      const greedy = await auth2.token(DISTRICT_A, ['residents:read'], uniqueName('greedy'));
      const other = await auth2.token(DISTRICT_A, ['residents:read'], uniqueName('other'));
      const path = '/v1/communities/420102001001/statistics';
      const statuses = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await limited.request('GET', path, { token: greedy })).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const refused = await limited.request('GET', path, { token: greedy });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.body.type).toBe('urn:employment:problem:rate-limited');
      expect((await limited.request('GET', path, { token: other })).status).toBe(200);
    } finally {
      await limited.runtime.stop();
      await auth2.stop();
      await dropDatabase(limitedConfig);
    }
  });

  it('when ID numbers pass through requests and errors, then none reaches the logs', async () => {
    const nationalId = newNationalId();
    await service.request('POST', '/v1/residents', { token, body: registration({ nationalId }) });
    await service.request('POST', '/v1/residents', { token, body: registration({ nationalId }) }); // duplicate
    await service.request('POST', '/v1/residents', {
      token,
      body: registration({ nationalId, sex: 'female', birthDate: '1900-01-01' }),
    });
    service.runtime.logger.error(
      { input: { nationalId, note: `person ${nationalId}` } },
      `failed for ${nationalId}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(nationalId);
    expect(text).toContain(`${nationalId.slice(0, 6)}********${nationalId.slice(14)}`);
  });

  it('when a request carries a trace, then the consumer of its event continues the same trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    spans.reset();
    const created = await service.request('POST', '/v1/residents', {
      token,
      body: registration(),
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(created.status).toBe(201);
    const consumerSpan = await eventually(
      () =>
        spans
          .getFinishedSpans()
          .find(
            (s) =>
              s.kind === SpanKind.CONSUMER &&
              s.attributes['messaging.consumer.group.name'] ===
                consumerGroups(config.CONSUMER_GROUP_PREFIX).communityStats &&
              s.spanContext().traceId === traceId,
          ),
      { what: 'a consumer span in the request trace' },
    );
    const serverSpan = spans
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.SERVER && s.spanContext().traceId === traceId);
    expect(serverSpan?.name).toBe('HTTP POST registerResident');
    expect(consumerSpan.attributes['messaging.destination.name']).toBe(config.RESIDENTS_EVENTS_TOPIC);
  });

  it('when several traced events are handled as one run, then each continues its own trace', async () => {
    spans.reset();
    const traceIds = Array.from(
      { length: 4 },
      (_, i) => `${String(i + 1).repeat(8)}77b34da6a3ce929d0e0e4736`,
    );
    const producer = await testProducer();
    try {
      await producer.send({
        topic: config.RESIDENTS_EVENTS_TOPIC,
        acks: -1,
        messages: traceIds.map((traceId) => {
          const residentId = crypto.randomUUID();
          const event = buildEvent('residents', {
            topic: config.RESIDENTS_EVENTS_TOPIC,
            subject: residentId,
            communityCode: '420102001001',
            schema: ResidentRegisteredSchema,
            payload: {
              residentId,
              communityCode: '420102001001',
              fullName: '测试',
              employmentStatus: EmploymentStatus.UNEMPLOYED,
            },
          });
          // One key: one partition, so the four reach the counters' consumer as one run.
          return {
            key: 'one-run',
            value: event.value,
            headers: {
              ...event.headers,
              'event-id': event.eventId,
              traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
            },
          };
        }),
      });
    } finally {
      await producer.disconnect();
    }
    const statsGroup = consumerGroups(config.CONSUMER_GROUP_PREFIX).communityStats;
    const consumerSpans = await eventually(
      () => {
        const found = spans
          .getFinishedSpans()
          .filter(
            (s) =>
              s.kind === SpanKind.CONSUMER && s.attributes['messaging.consumer.group.name'] === statsGroup,
          );
        return traceIds.every((id) => found.some((s) => s.spanContext().traceId === id)) ? found : undefined;
      },
      { what: 'a consumer span in each trace' },
    );
    const inRuns = consumerSpans.filter((s) => traceIds.includes(s.spanContext().traceId));
    expect(inRuns.map((s) => s.attributes['messaging.batch.message_count'])).toEqual([4, 4, 4, 4]);
  });

  it('when the store becomes unreachable, then readiness turns false, and true again when it is back', async () => {
    const port = await freePort();
    const ferret = startFerretDb(port);
    const auth3 = await TestAuth.start();
    const ownConfig = residentsTestConfig(auth3, { MONGODB_URL: `mongodb://127.0.0.1:${port}` });
    let own: RunningResidents | undefined;
    let again: ReturnType<typeof startFerretDb> | undefined;
    try {
      await explained(
        eventually(() => canConnect(port), { what: 'a private FerretDB' }),
        ferret,
      );
      own = await startResidents(ownConfig);
      const running = own;
      expect((await running.request('GET', '/readyz')).status).toBe(200);
      ferret.process.kill('SIGKILL');
      const down = await eventually(
        async () => {
          const r = await running.request('GET', '/readyz');
          return r.status === 503 ? r : undefined;
        },
        { what: 'readiness to turn false' },
      );
      expect(down.body.checks.store).toMatch(/^failing/);
      expect((await running.request('GET', '/healthz')).status).toBe(200);
      // A request meanwhile gets a 503 to retry, not a 500.
      const read = await running.request('GET', `/v1/residents/${newId()}`, {
        token: await auth3.token(DISTRICT_A),
      });
      expect(read.status).toBe(503);
      expect(read.headers.get('retry-after')).toBe('5');
      expect(read.body).toMatchObject({ type: 'urn:employment:problem:unavailable', status: 503 });

      await exited(ferret.process);
      const restarted = startFerretDb(port);
      again = restarted;
      await explained(
        eventually(() => canConnect(port), { what: 'the private FerretDB back' }),
        restarted,
      );
      await explained(
        eventually(async () => (await running.request('GET', '/readyz')).status === 200, {
          what: 'readiness to return',
          timeoutMs: 15_000,
        }),
        restarted,
      );
    } finally {
      ferret.process.kill('SIGKILL');
      if (own) await own.runtime.stop();
      again?.process.kill('SIGTERM');
      await auth3.stop();
      // The private FerretDB is gone; the shared one reaches the same PostgreSQL.
      await dropDatabase({ ...ownConfig, MONGODB_URL: testInfra.mongodbUrl });
    }
  });

  it('when the service stops, then readiness turns false first and the process leaves nothing pending', async () => {
    const auth4 = await TestAuth.start();
    // The readiness probe below comes 100 ms into a 3 s delay: a busy machine still lands inside it.
    const ownConfig = residentsTestConfig(auth4, { SHUTDOWN_DELAY_MS: '3000' });
    const own = await startResidents(ownConfig);
    const tokenOwn = await auth4.token(DISTRICT_A);
    await own.request('POST', '/v1/residents', { token: tokenOwn, body: registration() });
    const stopping = own.runtime.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const during = await own.request('GET', '/readyz');
    expect(during.status).toBe(503);
    expect(during.body.checks.shutdown).toBe('in progress');
    await stopping;
    const pending = await (await import('mongoose')).default
      .createConnection(ownConfig.MONGODB_URL, { dbName: ownConfig.MONGODB_DATABASE })
      .asPromise()
      .then(async (c) => {
        const n = await c.collection('outbox').countDocuments();
        await c.close();
        return n;
      });
    expect(pending).toBe(0);
    await auth4.stop();
    await dropDatabase(ownConfig);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = require('node:net').connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A failed wait on the private FerretDB says what the FerretDB printed. */
async function explained<T>(wait: Promise<T>, ferret: { output: () => string }): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    throw new Error(`${(err as Error).message}; FerretDB printed: ${ferret.output() || 'nothing'}`);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * A FerretDB of its own on the test PostgreSQL, so the test can take the store away. Its output
 * is kept, so a start that fails says why.
 */
function startFerretDb(port: number): { process: ChildProcess; output: () => string } {
  const cache = process.env.EMPLOYMENT_CACHE ?? join(homedir(), '.cache', 'employment-platform');
  const pgPort = process.env.TEST_PG_PORT ?? '25442';
  const child = spawn(
    join(cache, 'ferretdb-v1.24.2', 'ferretdb'),
    ['-listen', `127.0.0.1:${port}`, '-postgresql-url', `postgres://postgres@127.0.0.1:${pgPort}/ferretdb`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', (code, signal) => keep(Buffer.from(`\n[exited: code ${code}, signal ${signal}]\n`)));
  return { process: child, output: () => output };
}
