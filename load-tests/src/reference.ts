import { randomBytes, randomUUID } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EventEnvelopeSchema, ResidentRegisteredSchema } from '@employment/contracts';
import { type Kafka, Partitioners } from 'kafkajs';
import mongoose from 'mongoose';
import { type Distribution, distribution, rate } from './stats.ts';

type MongoClient = mongoose.mongo.MongoClient;
type Doc = Record<string, unknown>;

/**
 * The physical reference: what the store and the broker do on their own, on this machine, with
 * the platform's document and message sizes. The platform's rates are read against these.
 */
export interface StoreReference {
  /** Documents per second, `insertOne` by `concurrency` workers. */
  insertsPerSecond: number;
  concurrency: number;
  seconds: number;
  documentBytes: number;
  latencyMs: Distribution;
  /** People per second with `insertMany` of `batchSize` documents by `batchConcurrency` workers. */
  batchInsertsPerSecond: number;
  batchSize: number;
  batchConcurrency: number;
  indexes: string[];
  scratchDatabase: string;
}

export interface KafkaReference {
  /** Messages per second, idempotent producer, acks=all, one request in flight, batches of `batchSize`. */
  messagesPerSecond: number;
  batchSize: number;
  /** The same producer with one message per send. */
  singleSendsPerSecond: number;
  sendLatencyMs: Distribution;
  messageBytes: number;
  partitions: number;
  scratchTopic: string;
}

const { BSON } = mongoose.mongo;

/** The template with new values for the fields a unique index or the primary key holds. */
function freshCopy(template: Doc): Doc {
  const doc: Doc = { ...template, _id: randomUUID(), createdAt: new Date(), updatedAt: new Date() };
  for (const field of ['idHash', 'idCipher']) {
    const value = template[field];
    if (typeof value === 'string') {
      doc[field] = randomBytes(Math.ceil((value.length * 3) / 4) + 2)
        .toString('base64')
        .slice(0, value.length);
    }
  }
  return doc;
}

async function until(deadline: number, work: () => Promise<void>): Promise<void> {
  while (performance.now() < deadline) await work();
}

export async function measureStore(options: {
  client: MongoClient;
  /** Where the platform keeps residents: its indexes are copied to the scratch collection. */
  liveDatabase: string;
  collection: string;
  template: Doc;
  concurrency: number;
  seconds: number;
  batchSize: number;
  batchConcurrency: number;
  batchSeconds: number;
  scratchDatabase: string;
}): Promise<StoreReference> {
  const { client, template } = options;
  const scratch = client.db(options.scratchDatabase);
  const collection = scratch.collection<Doc>(options.collection);
  const indexes: string[] = [];
  try {
    await scratch.createCollection(options.collection);
    const live = await client.db(options.liveDatabase).collection(options.collection).indexes();
    for (const index of live) {
      if (index.name === '_id_') continue;
      await collection.createIndex(index.key, {
        ...(index.name ? { name: index.name } : {}),
        ...(index.unique ? { unique: true } : {}),
      });
      indexes.push(`${index.name}${index.unique ? ' (unique)' : ''}`);
    }

    // A short warm-up, so connection setup is not measured.
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency, 8) }, () =>
        collection.insertOne(freshCopy(template)),
      ),
    );

    const latencies: number[] = [];
    let inserted = 0;
    const start = performance.now();
    const deadline = start + options.seconds * 1000;
    await Promise.all(
      Array.from({ length: options.concurrency }, () =>
        until(deadline, async () => {
          const t = performance.now();
          await collection.insertOne(freshCopy(template));
          latencies.push(performance.now() - t);
          inserted++;
        }),
      ),
    );
    const elapsed = performance.now() - start;

    let batchInserted = 0;
    const batchStart = performance.now();
    const batchDeadline = batchStart + options.batchSeconds * 1000;
    await Promise.all(
      Array.from({ length: options.batchConcurrency }, () =>
        until(batchDeadline, async () => {
          const docs = Array.from({ length: options.batchSize }, () => freshCopy(template));
          await collection.insertMany(docs, { ordered: false });
          batchInserted += docs.length;
        }),
      ),
    );
    const batchElapsed = performance.now() - batchStart;

    return {
      insertsPerSecond: rate(inserted, elapsed),
      concurrency: options.concurrency,
      seconds: Math.round(elapsed) / 1000,
      documentBytes: BSON.calculateObjectSize(template),
      latencyMs: distribution(latencies),
      batchInsertsPerSecond: rate(batchInserted, batchElapsed),
      batchSize: options.batchSize,
      batchConcurrency: options.batchConcurrency,
      indexes,
      scratchDatabase: options.scratchDatabase,
    };
  } finally {
    await scratch.dropDatabase().catch(() => undefined);
  }
}

/** A ResidentRegistered event as the platform would publish it for `resident`. */
export function eventLike(resident: Doc): { key: string; value: Buffer; headers: Record<string, string> } {
  const id = String(resident._id ?? randomUUID());
  const [year, month, day] = String(resident.birthDate ?? '1990-01-01')
    .split('-')
    .map(Number) as [number, number, number];
  const payload = create(ResidentRegisteredSchema, {
    residentId: id,
    communityCode: String(resident.communityCode ?? ''),
    fullName: String(resident.fullName ?? ''),
    sex: resident.sex === 'female' ? 2 : 1,
    birthDate: { year, month, day },
    employmentStatus: 2,
    education: 3,
    workCapacity: 1,
    hardshipCategories: Array.isArray(resident.hardshipCategories)
      ? resident.hardshipCategories.map(() => 4)
      : [],
    skills: Array.isArray(resident.skills) ? resident.skills.map(String) : [],
    occupation: typeof resident.occupation === 'string' ? resident.occupation : '',
    householdId: typeof resident.householdId === 'string' ? resident.householdId : '',
    registeredBy: String(resident.createdBy ?? ''),
  });
  const envelope = create(EventEnvelopeSchema, {
    eventId: randomUUID(),
    eventType: ResidentRegisteredSchema.typeName,
    source: 'residents',
    occurredAt: timestampFromDate(new Date()),
    subject: id,
    communityCode: String(resident.communityCode ?? ''),
    schemaVersion: 1,
    payload: toBinary(ResidentRegisteredSchema, payload),
  });
  return {
    key: id,
    value: Buffer.from(toBinary(EventEnvelopeSchema, envelope)),
    headers: {
      traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
      'event-type': ResidentRegisteredSchema.typeName,
      'content-type': 'application/x-protobuf',
      'event-id': randomUUID(),
    },
  };
}

export async function measureKafka(options: {
  kafka: Kafka;
  scratchTopic: string;
  partitions: number;
  message: { key: string; value: Buffer; headers: Record<string, string> };
  seconds: number;
  batchSize: number;
  singleSeconds: number;
}): Promise<KafkaReference> {
  const { kafka, scratchTopic: topic, message } = options;
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: options.partitions, replicationFactor: 1 }],
    });
    await producer.connect();
    const messageOf = () => ({ key: randomUUID(), value: message.value, headers: message.headers });
    // Warm-up: metadata, producer id, connections to the partition leaders.
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, messageOf) });

    let sent = 0;
    const start = performance.now();
    const deadline = start + options.seconds * 1000;
    while (performance.now() < deadline) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: options.batchSize }, messageOf),
      });
      sent += options.batchSize;
    }
    const elapsed = performance.now() - start;

    let singles = 0;
    const latencies: number[] = [];
    const singleStart = performance.now();
    const singleDeadline = singleStart + options.singleSeconds * 1000;
    while (performance.now() < singleDeadline) {
      const t = performance.now();
      await producer.send({ topic, acks: -1, messages: [messageOf()] });
      latencies.push(performance.now() - t);
      singles++;
    }
    const singleElapsed = performance.now() - singleStart;
    return {
      messagesPerSecond: rate(sent, elapsed),
      batchSize: options.batchSize,
      singleSendsPerSecond: rate(singles, singleElapsed),
      sendLatencyMs: distribution(latencies),
      messageBytes: message.value.length + message.key.length,
      partitions: options.partitions,
      scratchTopic: topic,
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
