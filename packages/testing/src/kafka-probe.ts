import { fromBinary } from '@bufbuild/protobuf';
import { type EventEnvelope, EventEnvelopeSchema } from '@employment/contracts';
import { type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { testInfra, uniqueName } from './infra.ts';
import { eventually } from './wait.ts';

export interface ReceivedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  receivedAt: number;
}

export type { Producer };

export const testKafka = (clientId = 'tests') =>
  new Kafka({
    clientId,
    brokers: testInfra.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 8 },
  });

/**
 * Records everything published to some topics from the moment it starts, for assertions on what
 * a service published. Uses its own consumer group, reading from the end of each topic.
 */
export class KafkaProbe {
  readonly records: ReceivedRecord[] = [];
  private readonly consumer: Consumer;
  private readonly topics: string[];

  private constructor(consumer: Consumer, topics: string[]) {
    this.consumer = consumer;
    this.topics = topics;
  }

  static async start(topics: string[], options: { fromBeginning?: boolean } = {}): Promise<KafkaProbe> {
    const kafka = testKafka('probe');
    const admin = kafka.admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: 3 })),
      });
    }
    await admin.disconnect();
    const consumer = kafka.consumer({
      groupId: uniqueName('probe'),
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
    });
    const probe = new KafkaProbe(consumer, topics);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: options.fromBeginning ?? false });
    let assigned = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      assigned = true;
    });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        probe.records.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value,
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [
              k,
              Buffer.isBuffer(v) ? v.toString('utf8') : String(v),
            ]),
          ),
          receivedAt: Date.now(),
        });
      },
    });
    await eventually(() => assigned, { what: 'the probe to join its group', timeoutMs: 30_000 });
    return probe;
  }

  envelopes(topic?: string): Array<{ record: ReceivedRecord; envelope: EventEnvelope }> {
    return this.records
      .filter((r) => (topic ? r.topic === topic : this.topics.includes(r.topic)) && r.value)
      .flatMap((record) => {
        try {
          return [{ record, envelope: fromBinary(EventEnvelopeSchema, record.value!) }];
        } catch {
          return [];
        }
      });
  }

  /** Waits until `count` records match, then returns them. */
  async waitFor(
    predicate: (r: ReceivedRecord) => boolean,
    count = 1,
    timeoutMs = 15_000,
  ): Promise<ReceivedRecord[]> {
    return eventually(
      () => {
        const found = this.records.filter(predicate);
        return found.length >= count ? found : undefined;
      },
      { timeoutMs, what: `${count} matching Kafka record(s)` },
    );
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

export async function testProducer(): Promise<Producer> {
  const producer = testKafka('test-producer').producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return producer;
}
