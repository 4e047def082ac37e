import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import { createLogger } from '@employment/core';
import {
  buildEvent,
  type ConsumerDefinition,
  deadLetterTopic,
  ensureTopics,
  IdempotentConsumer,
  type OutboxEvent,
} from '@employment/messaging';
import { ensureIndexes } from '@employment/store';
import { Metrics } from '@employment/telemetry';
import { publishEvents, testInfra, testKafka, testProducer, uniqueName } from '@employment/testing';
import type { Producer } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';

/**
 * A read model fed as a service feeds it: its own database, a topic of its own, and the kit's
 * IdempotentConsumer running the projection's handlers; events go in as a producing service's
 * relay publishes them.
 */
export class ProjectionHarness {
  readonly store: Connection;
  readonly topic: string;
  private readonly producer: Producer;
  private readonly consumer: IdempotentConsumer;
  private readonly groupId: string;

  private constructor(
    store: Connection,
    topic: string,
    producer: Producer,
    consumer: IdempotentConsumer,
    groupId: string,
  ) {
    this.store = store;
    this.topic = topic;
    this.producer = producer;
    this.consumer = consumer;
    this.groupId = groupId;
  }

  static async start(options: {
    register: (connection: Connection) => void;
    consumer: (connection: Connection) => Pick<ConsumerDefinition, 'handlers' | 'batchHandlers'>;
  }): Promise<ProjectionHarness> {
    const store = await mongoose
      .createConnection(testInfra.mongodbUrl, { dbName: uniqueName('projections_test'), autoIndex: false })
      .asPromise();
    options.register(store);
    await ensureIndexes(store);
    const topic = `test.${uniqueName('projections')}`;
    const groupId = uniqueName('projections-test');
    const kafka = testKafka('projections-test');
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic }, { topic: deadLetterTopic(groupId) }], {
      partitions: 3,
      replicationFactor: 1,
    });
    await admin.disconnect();
    const producer = await testProducer();
    const consumer = new IdempotentConsumer({
      kafka,
      producer,
      store,
      logger: createLogger({ service: 'projections-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      metrics: new Metrics('projections-test'),
      definition: { groupId, topics: [topic], ...options.consumer(store) },
      maxAttempts: 3,
      retryBaseMs: 20,
      concurrency: 1,
      maxWaitTimeInMs: 100,
    });
    await consumer.start();
    return new ProjectionHarness(store, topic, producer, consumer, groupId);
  }

  /** An event as its producing service builds it, for this harness's topic. */
  event<S extends DescMessage>(
    source: 'residents' | 'jobs',
    schema: S,
    subject: string,
    communityCode: string,
    payload: MessageInitShape<S>,
    occurredAt?: Date,
  ): OutboxEvent {
    return buildEvent(source, {
      topic: this.topic,
      subject,
      communityCode,
      schema,
      payload,
      ...(occurredAt ? { occurredAt } : {}),
    } as never);
  }

  publish(...events: OutboxEvent[]): Promise<void> {
    return publishEvents(this.producer, this.topic, events);
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
    await this.producer.disconnect();
    const admin = testKafka('projections-cleanup').admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [this.topic, deadLetterTopic(this.groupId)] }).catch(() => undefined);
    await admin.deleteGroups([this.groupId]).catch(() => undefined);
    await admin.disconnect();
    await this.store.dropDatabase().catch(() => undefined);
    await this.store.close();
  }
}
