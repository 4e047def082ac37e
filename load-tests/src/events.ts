import { fromBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { EventEnvelopeSchema, ResidentRegisteredSchema } from '@employment/contracts';
import type { Consumer, Kafka } from 'kafkajs';
import { epochNow } from './http-client.ts';

export interface SeenEvent {
  /** Epoch ms when this process received the batch holding the event. */
  receivedAt: number;
  /** Epoch ms of the envelope's occurredAt (the state change, by the service's clock). */
  occurredAt: number;
  eventId: string;
  /** `partition:offset` of the first sighting. */
  position: string;
}

/** Second sightings of a resident's ResidentRegistered, by cause. */
export interface Duplicates {
  /** The same record again (the watcher's own consumer fetched it twice). */
  redelivered: number;
  /** The same event id at another offset: the relay published the event again (at-least-once). */
  republished: number;
  /** Another event id for the same resident: the platform made a second event. */
  distinctEvents: number;
}

/**
 * Watches the residents topic during the run with its own consumer group, positioned at the
 * topic's end as it was before the run, and keeps the first sighting of every ResidentRegistered
 * event whose `registeredBy` is one of this run's clients.
 */
export class EventWatcher {
  readonly seen = new Map<string, SeenEvent>();
  readonly duplicates: Duplicates = { redelivered: 0, republished: 0, distinctEvents: 0 };
  /** Events of other clients on the topic meanwhile (other users of the same platform). */
  foreign = 0;
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly groupId: string;
  private readonly clients: ReadonlySet<string>;
  private consumer: Consumer | undefined;
  private joined: Promise<void> | undefined;
  private waiters: Array<() => void> = [];

  constructor(options: { kafka: Kafka; topic: string; groupId: string; clients: ReadonlySet<string> }) {
    this.kafka = options.kafka;
    this.topic = options.topic;
    this.groupId = options.groupId;
    this.clients = options.clients;
  }

  /** Subscribes and starts fetching; resolves once the group has been joined. */
  async start(timeoutMs: number): Promise<{ partitions: number }> {
    const admin = this.kafka.admin();
    await admin.connect();
    let offsets: Array<{ partition: number; high: string }>;
    try {
      offsets = await admin.fetchTopicOffsets(this.topic);
    } finally {
      await admin.disconnect();
    }
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    this.joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the event watcher did not join its group within ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer.on(consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.joined.catch(() => undefined);
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        const receivedAt = epochNow();
        for (const message of batch.messages) {
          this.handle(message.value, `${batch.partition}:${message.offset}`, receivedAt);
        }
        this.notify();
      },
    });
    // Start exactly where the topic ended before the run, whenever the assignment arrives.
    for (const { partition, high } of offsets) consumer.seek({ topic: this.topic, partition, offset: high });
    return { partitions: offsets.length };
  }

  /** Waits until the group is joined (the first fetch follows at once). */
  async ready(): Promise<void> {
    await this.joined;
  }

  private handle(value: Buffer | null, position: string, receivedAt: number): void {
    if (!value) return;
    let envelope: ReturnType<typeof fromBinary<typeof EventEnvelopeSchema>>;
    try {
      envelope = fromBinary(EventEnvelopeSchema, value);
    } catch {
      return;
    }
    if (envelope.eventType !== ResidentRegisteredSchema.typeName) return;
    const payload = fromBinary(ResidentRegisteredSchema, envelope.payload);
    if (!this.clients.has(payload.registeredBy)) {
      this.foreign++;
      return;
    }
    const first = this.seen.get(envelope.subject);
    if (first) {
      if (first.position === position) this.duplicates.redelivered++;
      else if (first.eventId === envelope.eventId) this.duplicates.republished++;
      else this.duplicates.distinctEvents++;
      return;
    }
    this.seen.set(envelope.subject, {
      receivedAt,
      occurredAt: envelope.occurredAt ? timestampMs(envelope.occurredAt) : 0,
      eventId: envelope.eventId,
      position,
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when every id of `ids` has been seen, or after `timeoutMs`; says which. */
  async waitFor(ids: Iterable<string>, timeoutMs: number): Promise<boolean> {
    const wanted = [...ids];
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (wanted.every((id) => this.seen.has(id))) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Leaves the group and deletes it, so runs leave nothing behind in the broker. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch {
      // A group that cannot be deleted now expires with the broker's offsets retention.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

/**
 * How far behind the end of `topic` each consumer group with commits on it is (events), so a
 * report shows whether the platform's own read models kept up. Groups named by `skip` are left out.
 */
export async function consumerLag(kafka: Kafka, topic: string, skip: (group: string) => boolean) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const high = new Map(ends.map((p) => [p.partition, Number(p.high)]));
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => !skip(g));
    const lag: Record<string, number> = {};
    for (const groupId of groups.sort()) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const partitions = offsets?.partitions ?? [];
      if (partitions.every((p) => Number(p.offset) < 0)) continue;
      lag[groupId] = partitions.reduce(
        (sum, p) => sum + Math.max(0, (high.get(p.partition) ?? 0) - Math.max(0, Number(p.offset))),
        0,
      );
    }
    return lag;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
