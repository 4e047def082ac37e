import { ResidentRegisteredSchema } from '@employment/contracts';
import { eventually, KafkaProbe, StoreUnderTest, sleep, type TcpProxy, testInfra } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import {
  DISTRICT_A,
  dropDatabase,
  eventsOf,
  type RunningResidents,
  registration,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

/** What a caller may wait, at most, for the answer while the store is away (the setting below, plus margin). */
const SELECTION_MS = 1_500;
const BOUND_MS = SELECTION_MS + 2_000;

/**
 * Registrations while the store is away (FerretDB, or the PostgreSQL under it): the caller gets a
 * 503 with Retry-After within a bounded time, never a 500 and never a 201 for a write not made;
 * readiness is off meanwhile; nothing of the refused request is stored or published, and the
 * service works again on its own once the part is back.
 */
describe('registration when the store is away', () => {
  let auth: TestAuth;
  let store: StoreUnderTest;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let probe: KafkaProbe;
  let token: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    store = await StoreUnderTest.start();
    config = residentsTestConfig(auth, {
      MONGODB_URL: store.url,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: String(SELECTION_MS),
    });
    service = await startResidents(config);
    probe = await KafkaProbe.start([config.RESIDENTS_EVENTS_TOPIC]);
    token = await auth.token(DISTRICT_A);
  });

  afterAll(async () => {
    await store?.ferretdb.up();
    await store?.postgres.up();
    await probe?.stop();
    await service?.runtime.stop();
    await auth?.stop();
    await dropDatabase({ ...config, MONGODB_URL: testInfra.mongodbUrl });
    await store?.stop();
  });

  const registered = (fullName: string) =>
    eventsOf(probe, config.RESIDENTS_EVENTS_TOPIC, ResidentRegisteredSchema).filter(
      (e) => e.payload.fullName === fullName,
    );

  const outage = (part: () => TcpProxy) => async () => {
    const body = registration({ fullName: `断线${Date.now() % 100_000}` });
    await part().down();
    try {
      const started = Date.now();
      const res = await service.request('POST', '/v1/residents', { token, body });
      const elapsed = Date.now() - started;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: 'urn:employment:problem:unavailable', status: 503 });
      expect(elapsed).toBeLessThan(BOUND_MS);
      const ready = await eventually(
        async () => {
          const r = await service.request('GET', '/readyz');
          return r.status === 503 ? r : undefined;
        },
        { what: 'readiness to turn off' },
      );
      expect(ready.body.checks.store).toMatch(/^failing/);
      // Later requests, once the driver holds the store for unknown, are bounded the same way.
      const laterStarted = Date.now();
      const later = await service.request('POST', '/v1/residents', { token, body });
      expect(later.status).toBe(503);
      expect(later.headers.get('retry-after')).toBe('5');
      expect(Date.now() - laterStarted).toBeLessThan(BOUND_MS);
    } finally {
      await part().up();
    }
    await eventually(async () => (await service.request('GET', '/readyz')).status === 200, {
      what: 'readiness to come back',
      timeoutMs: 15_000,
    });
    // Past the outbox sweep's grace: nothing of the refused request was stored to be applied later.
    await sleep(6_000);
    expect(registered(body.fullName)).toHaveLength(0);
    const again = await service.request('POST', '/v1/residents', { token, body });
    expect(again.status).toBe(201);
    await probe.waitFor((r) => r.key === again.body.id);
    await sleep(500);
    expect(registered(body.fullName)).toHaveLength(1);
  };

  it(
    'when FerretDB is away, then a registration gets 503 with Retry-After in bounded time, readiness is off, nothing is stored, and the service recovers',
    outage(() => store.ferretdb),
    60_000,
  );

  it(
    'when PostgreSQL is away under FerretDB, then a registration gets 503 with Retry-After at once, readiness is off, nothing is stored, and the service recovers',
    outage(() => store.postgres),
    60_000,
  );
});
