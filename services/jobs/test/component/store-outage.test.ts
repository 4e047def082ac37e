import { deadLetterTopic } from '@employment/messaging';
import {
  eventually,
  KafkaProbe,
  mongoCommand,
  StoreUnderTest,
  sleep,
  testProducer,
} from '@employment/testing';
import type { Producer } from 'kafkajs';
import type { JobsConfig } from '../../src/config.ts';
import {
  cleanUp,
  community,
  jobsTestConfig,
  newStreet,
  type RunningJobs,
  registered,
  startJobs,
  TestAuth,
} from '../support.ts';

/**
 * Residents' registrations reaching jobs while its store is away (FerretDB, or the PostgreSQL under
 * it): a store outage is never a poison message. The consumer records nothing as handled and
 * dead-letters nothing while the store is away, and once it is back every registration becomes a
 * candidate, each applied once.
 */
describe('the candidates consumer when the store is away', () => {
  let auth: TestAuth;
  let store: StoreUnderTest;
  let config: JobsConfig;
  let service: RunningJobs;
  let producer: Producer;
  let probe: KafkaProbe;

  beforeAll(async () => {
    auth = await TestAuth.start();
    store = await StoreUnderTest.start();
    // Two attempts per event: an outage outlasts a handler's retries, as a longer one does in production.
    config = jobsTestConfig(auth, {
      MONGODB_URL: store.url,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1500',
      CONSUMER_MAX_ATTEMPTS: '2',
    });
    service = await startJobs(config);
    producer = await testProducer();
    probe = await KafkaProbe.start([deadLetterTopic(config.CANDIDATES_CONSUMER_GROUP)]);
  });

  afterAll(async () => {
    await store?.ferretdb.up();
    await store?.postgres.up();
    await probe?.stop();
    await producer?.disconnect();
    await service?.runtime.stop();
    await cleanUp(config);
    await store?.stop();
    await auth?.stop();
  });

  const register = async (count: number) => {
    const home = community(newStreet());
    const people = Array.from({ length: count }, (_, i) =>
      registered(config.RESIDENTS_EVENTS_TOPIC, { communityCode: home, fullName: `王${i}` }),
    );
    await producer.send({
      topic: config.RESIDENTS_EVENTS_TOPIC,
      acks: -1,
      messages: people.map(({ event }) => ({
        key: event.key,
        value: event.value,
        headers: { ...event.headers, 'event-id': event.eventId },
      })),
    });
    return people;
  };
  const candidates = (ids: string[]) =>
    service.runtime.store.collection('candidates').countDocuments({ _id: { $in: ids } } as never);
  const completions = (people: Array<{ event: { eventId: string } }>) =>
    Promise.all(
      people.map((p) =>
        service.runtime.store
          .collection('processed_events')
          .countDocuments({ _id: `${config.CANDIDATES_CONSUMER_GROUP}/${p.event.eventId}/done` } as never),
      ),
    );
  const applied = async () =>
    (await service.runtime.metrics.consumed.get()).values
      .filter((v) => v.labels.result === 'applied')
      .reduce((sum, v) => sum + v.value, 0);

  /** Waits until every registration is a candidate and recorded as handled once; then checks nothing was doubled or dead-lettered. */
  const allAppliedOnce = async (
    people: Awaited<ReturnType<typeof register>>,
    before: number,
    timeoutMs: number,
  ) => {
    const ids = people.map((p) => p.residentId);
    let found = 0;
    await eventually(
      async () => {
        found = await candidates(ids);
        return found === ids.length;
      },
      {
        what: 'every registration to become a candidate',
        timeoutMs,
      },
    ).catch((err) => {
      throw new Error(`${(err as Error).message} (${found} of ${ids.length} are)`);
    });
    await eventually(async () => (await completions(people)).every((n) => n === 1), {
      what: 'every event to be recorded as handled',
      timeoutMs: 15_000,
    });
    await sleep(1_000);
    // Applied once each, and none dead-lettered.
    expect(await applied()).toBe(before + people.length);
    expect(probe.records).toHaveLength(0);
  };

  const outage = (part: 'ferretdb' | 'postgres') => async () => {
    const before = await applied();
    const proxy = part === 'ferretdb' ? store.ferretdb : store.postgres;
    await proxy.down();
    let people: Awaited<ReturnType<typeof register>>;
    try {
      people = await register(40);
      // Long enough for the consumer to fetch them and fail on the store many times over.
      await sleep(6_000);
    } finally {
      await proxy.up();
    }
    await allAppliedOnce(people, before, 60_000);
  };

  it(
    'when FerretDB is away, then no registration is lost, dead-lettered or applied twice',
    outage('ferretdb'),
    120_000,
  );

  it(
    'when PostgreSQL is away under FerretDB, then no registration is lost, dead-lettered or applied twice',
    outage('postgres'),
    120_000,
  );

  it('when the store dies as the handler writes the candidates, then the consumer waits for it instead of dead-lettering, and applies each once', async () => {
    const before = await applied();
    const dies = store.ferretdb.cutAt(mongoCommand('insert', 'candidates'), 'before-forwarding', {
      dies: true,
    });
    const people = await register(40);
    await dies;
    // Claimed, not applied: the store stays away for longer than the handler's retries last.
    await sleep(6_000);
    expect(probe.records).toHaveLength(0);
    await store.ferretdb.up();
    // Well within a claim's lease (30 s): the consumer goes on with the claims it holds.
    await allAppliedOnce(people, before, 15_000);
  }, 60_000);

  it('when the store dies as the completions are written, then they are written once it is back and no event is applied again', async () => {
    const before = await applied();
    const dies = store.ferretdb.cutAt(
      mongoCommand('insert', 'processed_events', '/done'),
      'before-forwarding',
      { dies: true },
    );
    const people = await register(40);
    await dies;
    await sleep(4_000);
    await store.ferretdb.up();
    await allAppliedOnce(people, before, 15_000);
  }, 60_000);
});
