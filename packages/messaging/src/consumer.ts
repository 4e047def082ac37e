import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@employment/contracts';
import { classifyStoreError, type Logger } from '@employment/core';
import { insertManyRefusingDuplicates } from '@employment/store';
import { extractTraceContext, inSpan, type Metrics, SpanKind, tracer } from '@employment/telemetry';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Connection } from 'mongoose';
import { decodeEnvelope } from './events.ts';
import { deadLetterTopic } from './kafka.ts';

/**
 * Thrown by a handler for an event that can never be applied (it breaks a rule of the contract):
 * retrying cannot help, so it goes to the dead-letter topic at once.
 */
export class PoisonEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonEventError';
  }
}

export interface EventContext {
  envelope: EventEnvelope;
  topic: string;
  partition: number;
  offset: string;
  logger: Logger;
}

/** Handles one event type. Throwing means "try again"; after the last attempt it is dead-lettered. */
export type EventHandler = (ctx: EventContext) => Promise<void>;

/**
 * Handles a run of consecutive events of one type at once (e.g. one insert for many). It must be
 * safe to repeat: when it throws, each event of the run is handled again by the type's plain
 * handler, with the usual retries and dead-lettering.
 */
export type BatchEventHandler = (events: EventContext[]) => Promise<void>;

export interface ConsumerDefinition {
  groupId: string;
  topics: string[];
  /** Handlers by fully qualified event type; other types on the topics are skipped. */
  handlers: Record<string, EventHandler>;
  /** Optional batch handlers, by event type (each type also needs its plain handler). */
  batchHandlers?: Record<string, BatchEventHandler>;
}

/**
 * One row per claim (`<group>/<event id>`, with its lease) and one per completion
 * (`<group>/<event id>/done`). Only inserts on the normal path: on FerretDB an update or a
 * lookup scans the collection, an insert does not.
 */
interface ProcessedEvent {
  _id: string;
  leaseUntil?: Date;
  /** The consumer that holds a claim, so it knows its own after a write whose answer was lost. */
  owner?: string;
  at: Date;
}

/** How the handling of a fetched batch keeps its partition, and learns it must let go. */
interface Hold {
  heartbeat: () => Promise<void>;
  /** False once the consumer stops or the partition is to be read from elsewhere. */
  live: () => boolean;
  running: () => boolean;
}

/** The handling of a batch let go while it waited for the store: its offsets stay unresolved. */
class HandlingInterrupted extends Error {
  constructor(cause: unknown) {
    super('the consumer stopped while it waited for the store', { cause });
    this.name = 'HandlingInterrupted';
  }
}

/** How long a claim on an event holds before another delivery may retry it (e.g. after a crash). */
const CLAIM_LEASE_MS = 30_000;

/**
 * A Kafka consumer that applies each event once.
 *
 * Before handling an event it claims the event id in `processed_events` (a unique insert, one
 * insert for a chunk of events); a redelivered event finds the claim done and is skipped. A handler that throws is retried with
 * exponential backoff, a bounded number of times; then the message goes to the group's
 * dead-letter topic with the error attached and the partition moves on. A message that cannot
 * even be decoded is dead-lettered at once: retrying cannot fix it.
 *
 * A store outage is never a poison message: a claim, a handler, a completion or a release that
 * fails because the store is unavailable (see `classifyStoreError`) is tried again, the partition
 * held where it is (heartbeats go on), until the store is back; it counts as no attempt, nothing
 * is dead-lettered, and no offset is resolved past an event whose writes were not made.
 */
export class IdempotentConsumer {
  private readonly consumer: Consumer;
  private readonly processed;
  private readonly owner = randomUUID();
  private running = false;
  private readonly options: {
    kafka: Kafka;
    producer: Producer;
    store: Connection;
    logger: Logger;
    metrics: Metrics;
    definition: ConsumerDefinition;
    maxAttempts: number;
    retryBaseMs: number;
    concurrency: number;
    /** Events handled between two bookkeeping writes (and offset resolutions). */
    chunkSize: number;
    minBytes: number;
    maxWaitTimeInMs: number;
  };

  constructor(options: {
    kafka: Kafka;
    producer: Producer;
    store: Connection;
    logger: Logger;
    metrics: Metrics;
    definition: ConsumerDefinition;
    maxAttempts: number;
    retryBaseMs: number;
    concurrency: number;
    chunkSize?: number;
    /** A fetch waits for this many bytes (or maxWaitTimeInMs): fewer, larger batches under load. */
    minBytes?: number;
    maxWaitTimeInMs?: number;
  }) {
    this.options = { chunkSize: 200, minBytes: 1, maxWaitTimeInMs: 1_000, ...options };
    this.consumer = options.kafka.consumer({
      groupId: options.definition.groupId,
      allowAutoTopicCreation: false,
      // A crashed member's partitions move on after 10 s (the broker's minimum is 6 s).
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      // Short fetch long-polls (a stop waits for the poll in flight), which wait for a few
      // messages to gather under load (service.ts passes CONSUMER_MIN_BYTES, CONSUMER_MAX_WAIT_MS).
      minBytes: this.options.minBytes,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs,
      retry: { retries: 10 },
    });
    this.processed = options.store.collection<ProcessedEvent>('processed_events');
  }

  get groupId(): string {
    return this.options.definition.groupId;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.options.definition.topics, fromBeginning: true });
    // Partitions are handled side by side (each still in order), so one slow handler does not
    // hold back the others.
    await this.consumer.run({
      partitionsConsumedConcurrently: this.options.concurrency,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.running = true;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    // Waits for the chunk in hand to finish, commits its offsets, then leaves the group.
    await this.consumer.disconnect();
  }

  /**
   * A fetched batch of one partition, in chunks: the chunk's claims are one insert, its handlers
   * run one after another in offset order, its completions are one insert, then its offsets are
   * resolved. The bookkeeping costs two writes per chunk instead of two per event.
   */
  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) {
    const { topic, partition } = batch;
    const hold: Hold = { heartbeat, live: () => isRunning() && !isStale(), running: isRunning };
    for (let from = 0; from < batch.messages.length; from += this.options.chunkSize) {
      if (!hold.live()) return;
      const chunk = batch.messages.slice(from, from + this.options.chunkSize);
      try {
        await this.handleChunk(topic, partition, chunk, hold);
      } catch (err) {
        // Stopped while the store was away: the chunk is read again from its first offset.
        if (err instanceof HandlingInterrupted) return;
        throw err;
      }
      resolveOffset(chunk.at(-1)!.offset);
      await heartbeat();
    }
  }

  private async handleChunk(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    hold: Hold,
  ): Promise<void> {
    const { definition, metrics } = this.options;
    const items = messages.map((message) => {
      try {
        if (!message.value) throw new Error('message has no value');
        const envelope = decodeEnvelope(message.value);
        if (!envelope.eventId || !envelope.eventType) throw new Error('envelope has no event id or type');
        return { message, envelope, handler: definition.handlers[envelope.eventType] };
      } catch (err) {
        return { message, error: err as Error };
      }
    });
    // Claims first, all at once; the few refused (redeliveries) take the slow path one by one.
    const wanted = [...new Set(items.flatMap((i) => (i.handler && i.envelope ? [i.envelope.eventId] : [])))];
    const refused = await this.untilStored(() => this.claimAll(wanted), hold);
    const seen = new Set<string>();
    const completions: ProcessedEvent[] = [];
    const complete = (eventId: string) =>
      completions.push({ _id: `${this.key(eventId)}/done`, at: new Date() });
    try {
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        if (!item.envelope) {
          await this.deadLetter(topic, partition, item.message, item.error!, 1);
          metrics.consumed.inc({ topic, type: 'undecodable', result: 'dead-lettered' });
          continue;
        }
        if (!item.handler) {
          metrics.consumed.inc({ topic, type: item.envelope.eventType, result: 'ignored' });
          continue;
        }
        const fresh = (x: (typeof items)[number]) =>
          !!x.envelope && !seen.has(x.envelope.eventId) && !refused.has(x.envelope.eventId);
        const batchHandler = definition.batchHandlers?.[item.envelope.eventType];
        if (batchHandler && fresh(item)) {
          // The run of consecutive fresh events of this type, handled at once.
          let end = i;
          const run: Array<{ message: KafkaMessage; envelope: EventEnvelope; handler: EventHandler }> = [];
          while (end < items.length) {
            const next = items[end]!;
            if (!next.envelope || next.envelope.eventType !== item.envelope.eventType || !fresh(next)) break;
            seen.add(next.envelope.eventId);
            run.push({ message: next.message, envelope: next.envelope, handler: next.handler! });
            end++;
          }
          i = end - 1;
          for (const eventId of await this.handleRun(topic, partition, run, batchHandler, hold))
            complete(eventId);
          continue;
        }
        const { eventId } = item.envelope;
        // The same event twice in one chunk (a republished record): the first delivery decides.
        const repeat = seen.has(eventId);
        seen.add(eventId);
        const done = await this.handleOne(
          topic,
          partition,
          item.message,
          item.envelope,
          item.handler,
          { claimed: !repeat && !refused.has(eventId), repeat },
          hold,
        );
        if (done) complete(eventId);
      }
    } finally {
      // Outside the retries: a failure to record completion must not apply the events again. While
      // the store is away it is tried again, as long as the consumer runs (a rebalance included).
      await this.untilStored(() => this.insertAll(completions), { ...hold, live: hold.running });
    }
  }

  /**
   * A run of claimed events for a batch handler; the ids applied. When the batch handler fails,
   * every event is handled again on its own (retries, dead-letter topic).
   */
  private async handleRun(
    topic: string,
    partition: number,
    run: Array<{ message: KafkaMessage; envelope: EventEnvelope; handler: EventHandler }>,
    batchHandler: BatchEventHandler,
    hold: Hold,
  ): Promise<string[]> {
    const { logger, metrics } = this.options;
    const started = process.hrtime.bigint();
    const type = run[0]!.envelope.eventType;
    const contexts: EventContext[] = run.map(({ message, envelope }) => ({
      envelope,
      topic,
      partition,
      offset: message.offset,
      logger: logger.child({ eventId: envelope.eventId, eventType: envelope.eventType }),
    }));
    // Each event gets its consumer span in its own trace (the request that caused it), around the
    // one call that handles them all.
    const spans = run.map(({ message, envelope }) =>
      tracer().startSpan(
        `${topic} process`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            ...this.spanAttributes(topic, message, envelope),
            'messaging.batch.message_count': run.length,
          },
        },
        extractTraceContext(message.headers as Record<string, unknown> | undefined),
      ),
    );
    try {
      await this.untilStored(() => batchHandler(contexts), hold);
      for (const span of spans) span.end();
      metrics.consumed.inc({ topic, type, result: 'applied' }, run.length);
      metrics.consumedRuns.observe({ topic, type, result: 'applied' }, run.length);
      metrics.consumeDuration.observe(
        { topic },
        Number(process.hrtime.bigint() - started) / 1e9 / run.length,
      );
      return run.map((r) => r.envelope.eventId);
    } catch (err) {
      for (const span of spans) {
        span.setAttribute('employment.batch_retried_one_by_one', true);
        span.end();
      }
      if (err instanceof HandlingInterrupted) throw err;
      logger.warn(
        { err, events: run.length, eventType: type },
        'batch handler failed; handling the events one by one',
      );
      metrics.consumedRuns.observe({ topic, type, result: 'retried-one-by-one' }, run.length);
    }
    const applied: string[] = [];
    for (const r of run) {
      const done = await this.handleOne(
        topic,
        partition,
        r.message,
        r.envelope,
        r.handler,
        { claimed: true, repeat: false },
        hold,
      );
      if (done) applied.push(r.envelope.eventId);
    }
    return applied;
  }

  /** Handles one event; true when it was applied (and its completion is to be recorded). */
  private async handleOne(
    topic: string,
    partition: number,
    message: KafkaMessage,
    envelope: EventEnvelope,
    handler: EventHandler,
    claim: { claimed: boolean; repeat: boolean },
    hold: Hold,
  ): Promise<boolean> {
    const { logger, metrics } = this.options;
    const started = process.hrtime.bigint();
    const parent = extractTraceContext(message.headers as Record<string, unknown> | undefined);
    return inSpan(
      `${topic} process`,
      {
        kind: SpanKind.CONSUMER,
        parent,
        attributes: this.spanAttributes(topic, message, envelope),
      },
      async (span) => {
        const eventLogger = logger.child({ eventId: envelope.eventId, eventType: envelope.eventType });
        const claimed =
          claim.claimed ||
          (!claim.repeat && (await this.untilStored(() => this.claim(envelope.eventId), hold)));
        if (!claimed) {
          span.setAttribute('employment.duplicate', true);
          metrics.consumed.inc({ topic, type: envelope.eventType, result: 'duplicate' });
          return false;
        }
        const ctx: EventContext = { envelope, topic, partition, offset: message.offset, logger: eventLogger };
        for (let attempt = 1; ; attempt++) {
          try {
            await this.untilStored(() => handler(ctx), hold);
            break;
          } catch (err) {
            if (err instanceof HandlingInterrupted) throw err;
            if (attempt >= this.options.maxAttempts || err instanceof PoisonEventError) {
              await this.untilStored(() => this.release(envelope.eventId), hold);
              await this.deadLetter(topic, partition, message, err as Error, attempt);
              metrics.consumed.inc({ topic, type: envelope.eventType, result: 'dead-lettered' });
              return false;
            }
            const wait = this.options.retryBaseMs * 2 ** (attempt - 1);
            eventLogger.warn({ err, attempt, retryInMs: wait }, 'event handler failed; retrying');
            await new Promise((resolve) => setTimeout(resolve, wait));
          }
        }
        metrics.consumed.inc({ topic, type: envelope.eventType, result: 'applied' });
        return true;
      },
    ).finally(() => {
      metrics.consumeDuration.observe({ topic }, Number(process.hrtime.bigint() - started) / 1e9);
    });
  }

  /** Claims many events with one insert; the ids whose claim was refused (taken before). */
  private async claimAll(eventIds: string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + CLAIM_LEASE_MS);
    const refused = await this.insertAll(
      eventIds.map((id) => ({ _id: this.key(id), leaseUntil, owner: this.owner, at: now })),
    );
    return new Set(refused.map((i) => eventIds[i]!));
  }

  private insertAll(rows: ProcessedEvent[]): Promise<number[]> {
    return insertManyRefusingDuplicates(this.processed, rows);
  }

  /**
   * Runs one step of handling (a claim, a handler, a completion) until the store lets it: an
   * outage is waited out with backoff, heartbeating, and is no failure of the event. Anything else
   * is thrown at once. Gives up, leaving the batch's offsets unresolved, once `hold.live` fails.
   */
  private async untilStored<T>(step: () => Promise<T>, hold: Hold): Promise<T> {
    for (let waits = 0; ; waits++) {
      try {
        return await step();
      } catch (err) {
        if (err instanceof HandlingInterrupted || classifyStoreError(err) !== 'unavailable') throw err;
        if (!hold.live()) throw new HandlingInterrupted(err);
        if (waits % 20 === 0) {
          this.options.logger.warn({ err, waits }, 'the store is unavailable; the consumer waits for it');
        }
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(2_000, this.options.retryBaseMs * 2 ** Math.min(waits, 10))),
        );
        await hold.heartbeat();
      }
    }
  }

  /** The attributes of an event's consumer span (OpenTelemetry messaging conventions). */
  private spanAttributes(topic: string, message: KafkaMessage, envelope: EventEnvelope) {
    return {
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': this.options.definition.groupId,
      'messaging.message.id': envelope.eventId,
      'messaging.kafka.offset': Number(message.offset),
      'employment.event_type': envelope.eventType,
    };
  }

  private key(eventId: string): string {
    return `${this.options.definition.groupId}/${eventId}`;
  }

  /**
   * True when this delivery may handle the event; false when it was handled before. A claim
   * still held by another delivery (a consumer that is handling it, or died doing so) is waited
   * for: it ends done, or its lease runs out and this delivery takes it over.
   */
  private async claim(eventId: string): Promise<boolean> {
    const id = this.key(eventId);
    for (;;) {
      const now = new Date();
      const leaseUntil = new Date(now.getTime() + CLAIM_LEASE_MS);
      try {
        await this.processed.insertOne({ _id: id, leaseUntil, owner: this.owner, at: now });
        return true;
      } catch (err) {
        if (classifyStoreError(err) !== 'duplicate') throw err;
      }
      if (await this.processed.findOne({ _id: `${id}/done` })) return false;
      const held = await this.processed.findOne({ _id: id });
      const lease = held?.leaseUntil;
      if (!lease) continue; // released meanwhile: claim again
      // Our own claim, from a write whose answer the store did not give (it was away).
      if (held.owner === this.owner) return true;
      if (lease < now) {
        const taken = await this.processed.updateOne(
          { _id: id, leaseUntil: lease },
          { $set: { leaseUntil, owner: this.owner, at: now } },
        );
        if (taken.matchedCount === 1) return true;
        continue;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(1_000, lease.getTime() - now.getTime() + 10)),
      );
    }
  }

  /** Forgets completions older than the retention (redeliveries come within minutes, not weeks). */
  async prune(olderThan: Date): Promise<number> {
    const prefix = `${this.options.definition.groupId}/`;
    const result = await this.processed.deleteMany({
      _id: { $gte: prefix, $lt: `${prefix}\uffff` },
      at: { $lt: olderThan },
    });
    return result.deletedCount;
  }

  private async release(eventId: string): Promise<void> {
    await this.processed.deleteOne({ _id: this.key(eventId) });
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    err: Error,
    attempts: number,
  ) {
    const dlq = deadLetterTopic(this.options.definition.groupId);
    this.options.logger.error(
      { err, topic, partition, offset: message.offset, attempts, deadLetterTopic: dlq },
      'message dead-lettered',
    );
    await this.options.producer.send({
      topic: dlq,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            'dlq-original-topic': topic,
            'dlq-original-partition': String(partition),
            'dlq-original-offset': message.offset,
            'dlq-consumer-group': this.options.definition.groupId,
            'dlq-attempts': String(attempts),
            'dlq-error': `${err.name}: ${err.message}`.slice(0, 2000),
            'dlq-failed-at': new Date().toISOString(),
          },
        },
      ],
    });
  }
}
