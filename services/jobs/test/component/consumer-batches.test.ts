import { deadLetterTopic } from '@employment/messaging';
import { eventually, KafkaProbe, testProducer } from '@employment/testing';
import type { Producer } from 'kafkajs';
import type { JobsConfig } from '../../src/config.ts';
import {
  cleanUp,
  community,
  DISTRICT_A,
  jobsTestConfig,
  newStreet,
  type RunningJobs,
  registered,
  startJobs,
  TestAuth,
} from '../support.ts';

describe('registrations handled a run at a time', () => {
  let auth: TestAuth;
  let config: JobsConfig;
  let service: RunningJobs;
  let producer: Producer;
  let probe: KafkaProbe;
  let token: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = jobsTestConfig(auth);
    service = await startJobs(config);
    producer = await testProducer();
    probe = await KafkaProbe.start([deadLetterTopic(config.CANDIDATES_CONSUMER_GROUP)]);
    token = await auth.token(DISTRICT_A);
  });

  afterAll(async () => {
    await probe?.stop();
    await producer?.disconnect();
    await service?.runtime.stop();
    await auth?.stop();
    await cleanUp(config);
  });

  it('when a run of registrations holds a broken event and a copy, then the others are applied once and the broken one is dead-lettered', async () => {
    const topic = config.RESIDENTS_EVENTS_TOPIC;
    const home = community(newStreet());
    const good = Array.from({ length: 10 }, (_, i) =>
      registered(topic, { communityCode: home, fullName: `李${i}` }),
    );
    const broken = registered(topic, { communityCode: 'not-a-community' });
    const message = (e: (typeof good)[number]['event']) => ({
      // One key: one partition, so the whole run reaches the consumer together and in order.
      key: 'one-run',
      value: e.value,
      headers: { ...e.headers, 'event-id': e.eventId },
    });
    await producer.send({
      topic,
      acks: -1,
      messages: [
        ...good.slice(0, 5).map((p) => message(p.event)),
        message(broken.event),
        ...good.slice(5).map((p) => message(p.event)),
        message(good[0]!.event),
      ],
    });

    const [dead] = await probe.waitFor(
      (r) => r.topic === deadLetterTopic(config.CANDIDATES_CONSUMER_GROUP),
      1,
      20_000,
    );
    expect(dead!.headers['dlq-attempts']).toBe('1');
    expect(dead!.headers['dlq-error']).toMatch(/communityCode/);
    for (const person of good) {
      const candidate = await eventually(async () => {
        const res = await service.request('GET', `/v1/candidates/${person.residentId}`, { token });
        return res.status === 200 ? res.body : undefined;
      });
      expect(candidate).toMatchObject({ communityCode: home, versions: { profile: 1, status: 1 } });
    }
    expect((await service.request('GET', `/v1/candidates/${broken.residentId}`, { token })).status).toBe(404);
    const done = await service.runtime.store
      .collection('processed_events')
      .countDocuments({ _id: { $regex: `/${good[0]!.event.eventId}/done$` } } as never);
    expect(done).toBe(1);
    const metric = await service.runtime.metrics.registry.getSingleMetricAsString('consumer_messages_total');
    expect(metric).toMatch(/result="applied"[^\n]* 10$/m);
    expect(metric).toMatch(/result="dead-lettered"[^\n]* 1$/m);
    expect(metric).toMatch(/result="duplicate"[^\n]* 1$/m);
    // The run holding the broken event was retried one by one; the copy ends the second run.
    const runs = await service.runtime.metrics.registry.getSingleMetricAsString('consumer_batch_run_events');
    expect(runs).toMatch(/consumer_batch_run_events_count\{[^}]*result="retried-one-by-one"[^}]*\} 1$/m);
  });

  it('when many registrations come at once, then they are written as runs, not one by one', async () => {
    const topic = config.RESIDENTS_EVENTS_TOPIC;
    const home = community(newStreet());
    const people = Array.from({ length: 60 }, (_, i) =>
      registered(topic, { communityCode: home, fullName: `王${i}` }),
    );
    await producer.send({
      topic,
      acks: -1,
      messages: people.map((p) => ({
        key: 'one-run',
        value: p.event.value,
        headers: { ...p.event.headers, 'event-id': p.event.eventId },
      })),
    });
    for (const person of people) {
      await eventually(
        async () =>
          (await service.request('GET', `/v1/candidates/${person.residentId}`, { token })).status === 200 ||
          undefined,
      );
    }
    const runs = await service.runtime.metrics.registry.getSingleMetricAsString('consumer_batch_run_events');
    const applied = runs.match(/consumer_batch_run_events_sum\{[^}]*result="applied"[^}]*\} (\d+)/);
    const count = runs.match(/consumer_batch_run_events_count\{[^}]*result="applied"[^}]*\} (\d+)/);
    // Sixty events (and the first test's ten) in a handful of runs.
    expect(Number(applied?.[1])).toBeGreaterThanOrEqual(60);
    expect(Number(count?.[1])).toBeLessThan(20);
  });
});
