import { create, toBinary } from '@bufbuild/protobuf';
import { EmploymentStatus, ResidentRegisteredSchema } from '@employment/contracts';
import { buildEvent, deadLetterTopic } from '@employment/messaging';
import { eventually, KafkaProbe, type Producer, sleep, testProducer } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import { ResidentsRepository } from '../../src/data-access/residents-repository.ts';
import { consumerGroups } from '../../src/entry-points/messaging/community-stats.ts';
import {
  DISTRICT_A,
  dropDatabase,
  newCommunity,
  type RunningResidents,
  registration,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

/** A ResidentRegistered event as the residents service would publish it. */
function registeredEvent(
  communityCode: string,
  overrides: Partial<{ employmentStatus: EmploymentStatus }> = {},
) {
  const residentId = `${Date.now()}-${Math.random()}`;
  return buildEvent('residents', {
    topic: 'employment.residents.v1',
    subject: residentId,
    communityCode,
    schema: ResidentRegisteredSchema,
    payload: {
      residentId,
      communityCode,
      fullName: '测试',
      employmentStatus: overrides.employmentStatus ?? EmploymentStatus.UNEMPLOYED,
    },
  });
}

describe('delivery guarantees', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let producer: Producer;
  let probe: KafkaProbe;
  let token: string;
  let dlq: string;
  let topic: string;
  let statsGroup: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth, { CONSUMER_MAX_ATTEMPTS: '3' });
    topic = config.RESIDENTS_EVENTS_TOPIC;
    statsGroup = consumerGroups(config.CONSUMER_GROUP_PREFIX).communityStats;
    dlq = deadLetterTopic(statsGroup);
    service = await startResidents(config);
    producer = await testProducer();
    probe = await KafkaProbe.start([topic, dlq]);
    token = await auth.token(DISTRICT_A);
  });

  afterAll(async () => {
    await probe.stop();
    await producer.disconnect();
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  // The community's counters as the service reads them (its partitions' documents added up).
  const stats = (community: string) =>
    new ResidentsRepository(service.runtime.store).communityStats(community);

  it('when the relay stops between the store write and the publish, then the event is published once after a restart', async () => {
    {
      service.runtime.relay.pause();
      const created = await service.request('POST', '/v1/residents', { token, body: registration() });
      expect(created.status).toBe(201);
      // Stored, and its event waiting in the outbox, but not published.
      expect(await service.runtime.store.collection('outbox').countDocuments()).toBe(1);
      await sleep(500);
      expect(probe.records.filter((r) => r.key === created.body.id)).toHaveLength(0);

      // The process dies without flushing; a new one takes over the same database.
      await service.runtime.stop({ flushOutbox: false });
      service = await startResidents(config);

      await probe.waitFor((r) => r.key === created.body.id);
      await sleep(1_500);
      expect(probe.records.filter((r) => r.key === created.body.id)).toHaveLength(1);
      expect(await service.runtime.store.collection('outbox').countDocuments()).toBe(0);
      const read = await service.request('GET', `/v1/residents/${created.body.id}`, { token });
      expect(read.status).toBe(200);
    }
  });

  it('when another replica dies before publishing, then a running replica publishes its events on its next timer sweep', async () => {
    const sweeping = await startResidents(
      { ...config, OUTBOX_SWEEP_INTERVAL_MS: 300 },
      { sweepGraceMs: 500 },
    );
    try {
      service.runtime.relay.pause();
      const created = await service.request('POST', '/v1/residents', { token, body: registration() });
      expect(created.status).toBe(201);
      // The replica that took the request dies without publishing; the other one keeps running.
      await service.runtime.stop({ flushOutbox: false });
      await probe.waitFor((r) => r.key === created.body.id, 1, 10_000);
      await eventually(
        async () => (await sweeping.runtime.store.collection('outbox').countDocuments()) === 0,
        { what: 'the outbox to be emptied' },
      );
      await sleep(1_000);
      expect(probe.records.filter((r) => r.key === created.body.id)).toHaveLength(1);
    } finally {
      await sweeping.runtime.stop();
      service = await startResidents(config);
    }
  });

  it('when a staged change was stored but never applied, then the restart applies it and publishes its event', async () => {
    {
      // Simulate a crash right after the outbox insert: stage the record by hand, apply nothing.
      const body = registration();
      service.runtime.relay.pause();
      const created = await service.request('POST', '/v1/residents', { token, body });
      const record = await service.runtime.store.collection('outbox').findOne({});
      await service.runtime.store.collection('residents').deleteOne({ _id: created.body.id } as never);
      await service.runtime.store.collection('audit_log').deleteMany({ subjectId: created.body.id });
      expect(record).not.toBeNull();
      await service.runtime.stop({ flushOutbox: false });
      service = await startResidents(config);

      await probe.waitFor((r) => r.key === created.body.id);
      const read = await service.request('GET', `/v1/residents/${created.body.id}`, { token });
      expect(read.status).toBe(200);
      expect(read.body.fullName).toBe(body.fullName);
      expect(
        await service.runtime.store
          .collection('audit_log')
          .countDocuments({ subjectId: created.body.id, action: 'resident.registered' }),
      ).toBe(1);
    }
  });

  it('when an event is delivered twice, then it has one effect', async () => {
    const community = newCommunity();
    const event = registeredEvent(community);
    const message = { key: event.key, value: event.value, headers: event.headers };
    await producer.send({ topic, acks: -1, messages: [message] });
    await producer.send({ topic, acks: -1, messages: [message] });
    // A third, distinct event marks the point by which both copies were handled (same key, same partition).
    const marker = registeredEvent(community, { employmentStatus: EmploymentStatus.EMPLOYED });
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: event.key, value: marker.value, headers: marker.headers }],
    });

    const counted = await eventually(async () => {
      const s = await stats(community);
      return s && s.byStatus?.employed === 1 ? s : undefined;
    });
    expect(counted.registered).toBe(2);
    expect(counted.byStatus).toEqual({ unemployed: 1, employed: 1 });
    const duplicates =
      await service.runtime.metrics.registry.getSingleMetricAsString('consumer_messages_total');
    expect(duplicates).toMatch(/result="duplicate"[^\n]* [1-9]/);
  });

  it('when an event comes twice in one fetched batch, then it has one effect and the batch moves on', async () => {
    const community = newCommunity();
    const event = registeredEvent(community);
    const other = registeredEvent(community, { employmentStatus: EmploymentStatus.EMPLOYED });
    const copy = { key: event.key, value: event.value, headers: event.headers };
    // One send: the copies and the event after them reach the consumer in one fetch.
    await producer.send({
      topic,
      acks: -1,
      messages: [copy, copy, { key: event.key, value: other.value, headers: other.headers }],
    });
    const counted = await eventually(async () => {
      const s = await stats(community);
      return s && s.byStatus?.employed === 1 ? s : undefined;
    });
    expect(counted.registered).toBe(2);
    expect(counted.byStatus).toEqual({ unemployed: 1, employed: 1 });
    const done = await service.runtime.store
      .collection('processed_events')
      .countDocuments({ _id: { $regex: `/${event.eventId}/done$` } } as never);
    expect(done).toBe(1);
  });

  it('when a message cannot be decoded, then it goes to the dead-letter topic and the partition moves on', async () => {
    {
      const community = newCommunity();
      const good = registeredEvent(community);
      const key = good.key;
      await producer.send({
        topic,
        acks: -1,
        messages: [
          {
            key,
            value: Buffer.from('this is not a protobuf envelope \u0000\u00ff'),
            headers: { 'event-type': 'garbage' },
          },
          { key, value: good.value, headers: good.headers },
        ],
      });
      const [dead] = await probe.waitFor((r) => r.topic === dlq && r.key === key);
      expect(dead!.headers['dlq-original-topic']).toBe(topic);
      expect(dead!.headers['dlq-error']).toBeTruthy();
      expect(dead!.headers['dlq-attempts']).toBe('1');
      // The good event behind it on the same partition was applied.
      await eventually(async () => (await stats(community))?.registered === 1, {
        what: 'the next event to be applied',
      });
    }
  });

  it('when a handler keeps failing, then the message is retried a bounded number of times and dead-lettered', async () => {
    {
      // A decodable envelope whose payload breaks the handler's rule (no valid community code).
      const bad = registeredEvent('not-a-code');
      const community = newCommunity();
      const after = registeredEvent(community);
      await producer.send({
        topic,
        acks: -1,
        messages: [
          { key: bad.key, value: bad.value, headers: bad.headers },
          { key: bad.key, value: after.value, headers: after.headers },
        ],
      });
      const [dead] = await probe.waitFor((r) => r.topic === dlq && r.key === bad.key);
      expect(dead!.headers['dlq-attempts']).toBe('3');
      expect(dead!.headers['dlq-error']).toContain('no valid community code');
      await eventually(async () => (await stats(community))?.registered === 1, {
        what: 'the next event to be applied',
      });
      // A later redelivery of the dead-lettered event is tried afresh, not skipped as done.
      const claim = await service.runtime.store
        .collection('processed_events')
        .findOne({ _id: `${statsGroup}/${bad.eventId}` } as never);
      expect(claim).toBeNull();
    }
  });

  it('when the payload of a known type is corrupt, then it is dead-lettered too', async () => {
    {
      const event = registeredEvent(newCommunity());
      // Re-wrap with a payload that is not a ResidentRegistered message.
      const { EventEnvelopeSchema } = await import('@employment/contracts');
      const envelope = create(EventEnvelopeSchema, {
        eventId: `${event.eventId}-corrupt`,
        eventType: ResidentRegisteredSchema.typeName,
        source: 'residents',
        subject: event.key,
        communityCode: '420102001001',
        schemaVersion: 1,
        payload: new Uint8Array([0xff, 0xff, 0xff]),
      });
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: event.key, value: Buffer.from(toBinary(EventEnvelopeSchema, envelope)) }],
      });
      const [dead] = await probe.waitFor((r) => r.topic === dlq && r.key === event.key);
      expect(dead!.headers['dlq-consumer-group']).toBe(statsGroup);
    }
  });
});
