import { ResidentRegisteredSchema } from '@employment/contracts';
import { createLogger, type Logger } from '@employment/core';
import { buildEvent, type Change, type Mutation, Outbox, OutboxRelay } from '@employment/messaging';
import { type Connection, connectStore, registerKitModels } from '@employment/store';
import { Metrics } from '@employment/telemetry';
import { testKafka, uniqueName } from '@employment/testing';
import { Partitioners, type Producer } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';

export const testLogger = (): Logger =>
  createLogger({ service: 'kit-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A producer as the service runtime makes it: idempotent, retrying without a limit. */
export async function kitProducer(): Promise<Producer> {
  const producer = testKafka('kit-test').producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
  await producer.connect();
  return producer;
}

/** The kit's outbox and relay on a store of the test's choosing, wired as the service runtime wires them. */
export class OutboxUnderTest {
  readonly connection: Connection;
  readonly outbox: Outbox;
  readonly relay: OutboxRelay;
  readonly metrics: Metrics;
  readonly database: string;

  private constructor(connection: Connection, relay: OutboxRelay, metrics: Metrics, database: string) {
    this.connection = connection;
    this.relay = relay;
    this.metrics = metrics;
    this.database = database;
    this.outbox = new Outbox(connection, relay);
    relay.attach(this.outbox);
  }

  static async start(options: {
    url: string;
    producer: Producer;
    database?: string;
    logger?: Logger;
    sweepIntervalMs?: number;
    sweepGraceMs?: number;
    serverSelectionTimeoutMs?: number;
  }): Promise<OutboxUnderTest> {
    const logger = options.logger ?? testLogger();
    const database = options.database ?? uniqueName('kit_outbox');
    const connection = await connectStore({
      url: options.url,
      database,
      logger,
      maxPoolSize: 16,
      socketTimeoutMs: 30_000,
      ...(options.serverSelectionTimeoutMs === undefined
        ? {}
        : { serverSelectionTimeoutMs: options.serverSelectionTimeoutMs }),
    });
    registerKitModels(connection);
    const metrics = new Metrics('kit-test');
    const relay = new OutboxRelay({
      producer: options.producer,
      logger,
      metrics,
      sweepIntervalMs: options.sweepIntervalMs ?? 300,
      sweepGraceMs: options.sweepGraceMs ?? 2_000,
    });
    const running = new OutboxUnderTest(connection, relay, metrics, database);
    await relay.start();
    return running;
  }

  collection(name: string) {
    return this.connection.collection(name);
  }

  async stop(options: { drop?: boolean } = {}): Promise<void> {
    await this.relay.stop({ flush: false, timeoutMs: 1_000 });
    if (options.drop) await this.connection.dropDatabase().catch(() => undefined);
    await this.connection.close();
  }
}

/** A change that inserts a note (its guard) and publishes one event keyed by the note's id. */
export function noteCreated(topic: string, text = 'a note', extra: Mutation[] = []): Change {
  const noteId = uuidv7();
  return {
    id: uuidv7(),
    mutations: [
      { op: 'insert', collection: 'notes', document: { _id: noteId, text, version: 1 } as { _id: string } },
      ...extra,
    ],
    events: [
      buildEvent('kit-test', {
        topic,
        subject: noteId,
        communityCode: '420102001001',
        schema: ResidentRegisteredSchema,
        payload: { residentId: noteId, communityCode: '420102001001', fullName: text },
      }),
    ],
  };
}

/** A change that moves a note from `version` to the next, guarded by that version. */
export function noteEdited(topic: string, noteId: string, version: number, text: string): Change {
  return {
    id: uuidv7(),
    mutations: [
      {
        op: 'update',
        collection: 'notes',
        filter: { _id: noteId, version },
        update: { $set: { text, version: version + 1 } },
      },
    ],
    events: [
      buildEvent('kit-test', {
        topic,
        subject: noteId,
        communityCode: '420102001001',
        schema: ResidentRegisteredSchema,
        payload: { residentId: noteId, communityCode: '420102001001', fullName: text },
      }),
    ],
  };
}

export const noteIdOf = (change: Change): string =>
  String((change.mutations[0] as Extract<Mutation, { op: 'insert' }>).document._id);
