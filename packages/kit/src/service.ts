import type { Server } from 'node:http';
import { type BaseConfig, createLogger, type Logger, type Principal } from '@employment/core';
import { createHttpApp, createJwtVerifier, type OpenApiDocument } from '@employment/http';
import {
  buildEvent,
  type Change,
  type ChangeWriter,
  type ConsumerDefinition,
  createKafka,
  deadLetterTopic,
  type EventDraft,
  ensureTopics,
  IdempotentConsumer,
  type Mutation,
  Outbox,
  OutboxRelay,
  type TopicSpec,
} from '@employment/messaging';
import { connectStore, ensureIndexes, pingStore, registerKitModels } from '@employment/store';
import { initTracing, Metrics, shutdownTracing } from '@employment/telemetry';
import type { Router } from 'express';
import { Redis } from 'ioredis';
import { type Admin, type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { Connection } from 'mongoose';
import { v7 as uuidv7 } from 'uuid';
import { HealthMonitor } from './health.ts';

export interface ServiceDefinition<C extends BaseConfig = BaseConfig> {
  config: C;
  openapi: OpenApiDocument;
  /** Topics the service publishes to. */
  topics: TopicSpec[];
  /** Registers the service's mongoose models (with their indexes) on its connection. */
  models: (connection: Connection) => void;
  /** Adds the service's routes; called once the runtime's parts are connected. */
  routes: (router: Router, runtime: ServiceRuntime<C>) => void;
  consumers?: (runtime: ServiceRuntime<C>) => ConsumerDefinition[];
  /** Runs after the parts are connected and before the HTTP server listens (e.g. caches). */
  onStart?: (runtime: ServiceRuntime<C>) => Promise<void>;
  /**
   * Work the service does on its own (timers such as deadline checks): started once the service
   * serves, stopped first when it stops, before consumers and the outbox.
   */
  background?: (runtime: ServiceRuntime<C>) => Array<{ start(): void; stop(): Promise<void> }>;
  /**
   * One-off maintenance commands (`node src/main.ts <name>`), run on a connected runtime that
   * neither serves nor consumes, e.g. from `kubectl exec` in a running pod.
   */
  commands?: Record<string, { describe: string; run: (runtime: ServiceRuntime<C>) => Promise<void> }>;
}

export interface StartOptions {
  logger?: Logger;
  /** Overrides the token verifier (tests use a local issuer's JWKS through the normal path instead). */
  verifyToken?: (token: string) => Promise<Principal>;
  /** Health-check interval; tests shorten it. */
  healthIntervalMs?: number;
  sweepGraceMs?: number;
}

/**
 * One running service process: its store, Redis, Kafka producer, outbox relay, consumers, HTTP
 * server, health and metrics, started in order and stopped in reverse. A service's own code is
 * only its domain: models, routes and event handlers.
 */
export class ServiceRuntime<C extends BaseConfig = BaseConfig> {
  readonly config: C;
  readonly name: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly store: Connection;
  readonly redis: Redis;
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly admin: Admin;
  readonly relay: OutboxRelay;
  readonly outbox: Outbox;
  readonly health: HealthMonitor;
  consumers: IdempotentConsumer[] = [];
  background: Array<{ start(): void; stop(): Promise<void> }> = [];
  /** Extra clean-ups run at the end of stop(). */
  readonly closers: Array<() => Promise<void>> = [];
  server: Server | undefined;
  private readonly definition: ServiceDefinition<C>;
  private stopping: Promise<void> | undefined;

  private constructor(parts: {
    definition: ServiceDefinition<C>;
    logger: Logger;
    metrics: Metrics;
    store: Connection;
    redis: Redis;
    kafka: Kafka;
    producer: Producer;
    admin: Admin;
    relay: OutboxRelay;
    health: HealthMonitor;
  }) {
    this.definition = parts.definition;
    this.config = parts.definition.config;
    this.name = parts.definition.config.SERVICE_NAME;
    this.logger = parts.logger;
    this.metrics = parts.metrics;
    this.store = parts.store;
    this.redis = parts.redis;
    this.kafka = parts.kafka;
    this.producer = parts.producer;
    this.admin = parts.admin;
    this.relay = parts.relay;
    this.outbox = new Outbox(parts.store, parts.relay);
    parts.relay.attach(this.outbox);
    this.health = parts.health;
  }

  /** Connects the parts (no HTTP, no consumers): enough to migrate or to run a one-off job. */
  static async connect<C extends BaseConfig>(
    definition: ServiceDefinition<C>,
    options: StartOptions = {},
  ): Promise<ServiceRuntime<C>> {
    const { config } = definition;
    initTracing({ serviceName: config.SERVICE_NAME, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
    const logger = options.logger ?? createLogger({ service: config.SERVICE_NAME, level: config.LOG_LEVEL });
    const metrics = new Metrics(config.SERVICE_NAME);
    const store = await connectStore({
      url: config.MONGODB_URL,
      database: config.MONGODB_DATABASE ?? config.SERVICE_NAME,
      logger,
      maxPoolSize: config.MONGODB_MAX_POOL_SIZE,
      socketTimeoutMs: config.MONGODB_SOCKET_TIMEOUT_MS,
    });
    definition.models(store);
    registerKitModels(store);
    // Fail fast while Redis is away, reconnect by itself: a command issued while the connection is
    // down fails at once (no offline queue), one in flight when it drops fails without a resend,
    // one that gets no answer fails after REDIS_COMMAND_TIMEOUT_MS; meanwhile the client reconnects
    // every second at most. The callers decide what a failure means (docs/security.md).
    const redis = new Redis(config.REDIS_URL, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(100 * attempt, 1_000),
    });
    redis.on('error', (err) => logger.debug({ err }, 'redis error'));
    await redis.connect();
    const kafka = createKafka(config, logger);
    const admin = kafka.admin();
    await admin.connect();
    // Idempotent (the broker drops a resent batch), acks from all in-sync replicas (set per send),
    // and retrying without a limit as idempotence requires: a broker outage delays, never drops.
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5_000 },
    });
    await producer.connect();
    const relay = new OutboxRelay({
      producer,
      logger: logger.child({ component: 'outbox' }),
      metrics,
      sweepIntervalMs: config.OUTBOX_SWEEP_INTERVAL_MS,
      ...(options.sweepGraceMs === undefined ? {} : { sweepGraceMs: options.sweepGraceMs }),
    });
    // Health checks use a client that fails at once (a retrying one piles up calls while the
    // broker is away) and a connection of their own, closed after each check.
    const probeKafka = createKafka(config, logger, { retries: 0, quiet: true });
    const health = new HealthMonitor(
      {
        store: () => pingStore(store),
        redis: async () => {
          // While the client reconnects, say so rather than the client's error about its queue.
          if (redis.status !== 'ready') throw new Error(`not connected (${redis.status})`);
          await redis.ping();
        },
        kafka: async () => {
          const probe = probeKafka.admin();
          try {
            await probe.connect();
            await probe.describeCluster();
          } finally {
            await probe.disconnect().catch(() => undefined);
          }
        },
      },
      logger,
      options.healthIntervalMs,
    );
    return new ServiceRuntime({
      definition,
      logger,
      metrics,
      store,
      redis,
      kafka,
      producer,
      admin,
      relay,
      health,
    });
  }

  /** Connects, creates topics and indexes where configured, recovers the outbox, then serves. */
  static async start<C extends BaseConfig>(
    definition: ServiceDefinition<C>,
    options: StartOptions = {},
  ): Promise<ServiceRuntime<C>> {
    const runtime = await ServiceRuntime.connect(definition, options);
    try {
      if (definition.config.KAFKA_CREATE_TOPICS) await runtime.migrate();
      await definition.onStart?.(runtime);
      await runtime.relay.start();
      const consumerDefs = definition.consumers?.(runtime) ?? [];
      runtime.consumers = consumerDefs.map(
        (def) =>
          new IdempotentConsumer({
            kafka: runtime.kafka,
            producer: runtime.producer,
            store: runtime.store,
            logger: runtime.logger.child({ consumer: def.groupId }),
            metrics: runtime.metrics,
            definition: def,
            maxAttempts: definition.config.CONSUMER_MAX_ATTEMPTS,
            concurrency: definition.config.CONSUMER_CONCURRENCY,
            retryBaseMs: definition.config.CONSUMER_RETRY_BASE_MS,
            minBytes: definition.config.CONSUMER_MIN_BYTES,
            maxWaitTimeInMs: definition.config.CONSUMER_MAX_WAIT_MS,
            chunkSize: definition.config.CONSUMER_CHUNK_SIZE,
          }),
      );
      await Promise.all(runtime.consumers.map((c) => c.start()));
      runtime.schedulePruning();
      await runtime.listen(options);
      await runtime.health.start();
      runtime.background = definition.background?.(runtime) ?? [];
      for (const job of runtime.background) job.start();
      runtime.logger.info({ port: runtime.port }, `${runtime.name} started`);
      return runtime;
    } catch (err) {
      await runtime.stop().catch(() => undefined);
      throw err;
    }
  }

  /** Creates the service's topics (published, consumed, dead-letter) and its store's indexes. */
  async migrate(): Promise<void> {
    const consumed = (this.definition.consumers?.(this) ?? []).flatMap((c) => [
      ...c.topics.map((topic) => ({ topic })),
      { topic: deadLetterTopic(c.groupId), config: { 'retention.ms': String(30 * 24 * 3600 * 1000) } },
    ]);
    await ensureTopics(this.admin, [...this.definition.topics, ...consumed], {
      partitions: this.config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: this.config.KAFKA_TOPIC_REPLICATION_FACTOR,
    });
    await ensureIndexes(this.store);
  }

  private pruneTimer: NodeJS.Timeout | undefined;

  /** Hourly, consumers forget event ids older than the retention. */
  schedulePruning(): void {
    const prune = async () => {
      await this.outbox.pruneClaims(new Date(Date.now() - 3_600_000)).catch((err) => {
        this.logger.warn({ err }, 'pruning version claims failed');
      });
      const cutoff = new Date(Date.now() - this.config.PROCESSED_EVENTS_RETENTION_HOURS * 3_600_000);
      for (const consumer of this.consumers) {
        const removed = await consumer.prune(cutoff).catch((err) => {
          this.logger.warn({ err }, 'pruning processed events failed');
          return 0;
        });
        if (removed > 0) this.logger.info({ group: consumer.groupId, removed }, 'pruned processed events');
      }
    };
    this.pruneTimer = setInterval(() => void prune(), 3_600_000);
    this.pruneTimer.unref();
  }

  private async listen(options: StartOptions): Promise<void> {
    const verifyToken =
      options.verifyToken ??
      createJwtVerifier({
        jwksUrl: this.config.AUTH_JWKS_URL,
        issuer: this.config.AUTH_ISSUER,
        audience: this.config.AUTH_AUDIENCE,
        maxLifetimeSeconds: this.config.AUTH_MAX_TOKEN_LIFETIME_SECONDS,
        clockToleranceSeconds: this.config.AUTH_CLOCK_TOLERANCE_SECONDS,
      });
    const app = createHttpApp({
      service: this.name,
      logger: this.logger,
      metrics: this.metrics,
      openapi: this.definition.openapi,
      redis: this.redis,
      verifyToken,
      readiness: () => this.health.status(),
      rateLimits: {
        perMinute: this.config.RATE_LIMIT_PER_MINUTE,
        clientQuotas: this.config.RATE_LIMIT_CLIENT_QUOTAS,
        perAddress: this.config.RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
      },
      ...(this.config.HTTP_TRUSTED_PROXIES ? { trustedProxies: this.config.HTTP_TRUSTED_PROXIES } : {}),
      idempotencyTtlSeconds: this.config.IDEMPOTENCY_TTL_SECONDS,
      routes: (router) => this.definition.routes(router, this),
    });
    await new Promise<void>((resolve, reject) => {
      const server = app.listen(this.config.HTTP_PORT, () => resolve());
      server.once('error', reject);
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
      this.server = server;
    });
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : this.config.HTTP_PORT;
  }

  /** Builds and commits changes: what use cases write through. */
  get writer(): ChangeWriter {
    return {
      change: (mutations, events) => this.change(mutations, events),
      commit: (changes) => this.outbox.commit(changes),
    };
  }

  /** A change carrying this service's events, ready for `outbox.commit`. */
  change(mutations: Mutation[], events: EventDraft[]): Change {
    return { id: uuidv7(), mutations, events: events.map((e) => buildEvent(this.name, e)) };
  }

  /**
   * Graceful shutdown: readiness off, wait for load balancers to notice, stop taking requests and
   * let those in flight finish, stop consumers (committing what they handled), publish what the
   * outbox holds, then close the connections. `flushOutbox: false` leaves the outbox as a crash would.
   */
  stop(options: { flushOutbox?: boolean } = {}): Promise<void> {
    this.stopping ??= this.doStop(options.flushOutbox ?? true);
    return this.stopping;
  }

  private async doStop(flushOutbox: boolean): Promise<void> {
    const deadline = Date.now() + this.config.SHUTDOWN_TIMEOUT_MS;
    const remaining = () => Math.max(0, deadline - Date.now());
    this.health.beginShutdown();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.server && this.config.SHUTDOWN_DELAY_MS > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.config.SHUTDOWN_DELAY_MS));
    }
    if (this.server) {
      const server = this.server;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const forced = setTimeout(() => server.closeAllConnections(), Math.max(1, remaining() - 2_000));
      await closed;
      clearTimeout(forced);
    }
    await Promise.all(
      this.background.map((job) =>
        job.stop().catch((err) => this.logger.warn({ err }, 'background job stop failed')),
      ),
    );
    await Promise.all(
      this.consumers.map((c) => c.stop().catch((err) => this.logger.warn({ err }, 'consumer stop failed'))),
    );
    await this.relay.stop({ flush: flushOutbox, timeoutMs: remaining() });
    this.health.stop();
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
    for (const close of this.closers) await close().catch(() => undefined);
    await this.store.close().catch(() => undefined);
    this.redis.disconnect();
    await shutdownTracing();
    this.logger.info(`${this.name} stopped`);
  }
}

/**
 * SIGTERM/SIGINT stop the service gracefully; a second signal exits at once. The handlers are in
 * place from the moment this is called, so pass the runtime's start itself: a signal that comes
 * while the service is starting (a pod deleted during its rollout) stops it once it has started,
 * instead of killing it half-way with the default handler.
 */
export function exitOnSignals<C extends BaseConfig>(
  runtime: ServiceRuntime<C> | Promise<ServiceRuntime<C>>,
): void {
  const started = Promise.resolve(runtime);
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(130);
    signalled = true;
    started.then(
      (rt) => {
        rt.logger.info({ signal }, 'shutting down');
        return rt.stop().then(
          () => process.exit(0),
          (err) => {
            rt.logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      },
      () => undefined, // the start failed: its caller reports why and exits
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('unhandledRejection', (err) => {
    void started
      .then((rt) => {
        rt.logger.fatal({ err }, 'unhandled promise rejection');
        return rt.stop({ flushOutbox: true });
      })
      .finally(() => process.exit(1));
  });
}

/**
 * The main of a service process. No argument: serve until SIGTERM or SIGINT. `migrate`: create the
 * topics and indexes, then exit (the chart's pre-install/pre-upgrade job). Any of the service's
 * `commands`: run it on a connected runtime, then exit (1 when it fails).
 */
export async function runService<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
  command: string | undefined = process.argv[2],
): Promise<void> {
  if (command === 'migrate') {
    const runtime = await ServiceRuntime.connect(definition);
    await runtime.migrate();
    runtime.logger.info('topics and indexes are in place');
    await runtime.stop();
    process.exit(0);
  }
  const commands = definition.commands ?? {};
  const extra = command !== undefined && Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (extra) {
    const runtime = await ServiceRuntime.connect(definition);
    let code = 0;
    try {
      await extra.run(runtime);
    } catch (err) {
      runtime.logger.error({ err }, `${command} failed`);
      code = 1;
    }
    await runtime.stop();
    process.exit(code);
  }
  if (command !== undefined) {
    const known = [
      '(none): serve',
      'migrate: create topics and indexes',
      ...Object.entries(commands).map(([name, c]) => `${name}: ${c.describe}`),
    ];
    process.stderr.write(`unknown command "${command}"; the commands are:\n  ${known.join('\n  ')}\n`);
    process.exit(2);
  }
  const starting = ServiceRuntime.start(definition);
  exitOnSignals(starting);
  await starting;
}
