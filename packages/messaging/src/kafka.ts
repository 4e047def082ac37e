import type { BaseConfig, Logger } from '@employment/core';
import { type Admin, Kafka, type KafkaConfig, type LogEntry, logLevel, type SASLOptions } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  partitions?: number;
  /** Kafka topic configs, e.g. retention. */
  config?: Record<string, string>;
}

/**
 * A Kafka client for the service. `retries: 0` gives one that fails fast, for health checks.
 */
export function createKafka(
  config: BaseConfig,
  logger: Logger,
  tuning: { retries?: number; quiet?: boolean } = {},
): Kafka {
  const toPino: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
    [logLevel.ERROR]: 'error',
    [logLevel.WARN]: 'warn',
    [logLevel.INFO]: 'info',
    [logLevel.DEBUG]: 'debug',
  };
  const kafkaLogger = logger.child({ component: 'kafka' });
  // While a broker is away, kafkajs reports every failed reconnect: log each distinct message at
  // most once a minute, with how many repeats were held back.
  const recent = new Map<string, { at: number; repeats: number }>();
  let sasl: SASLOptions | undefined;
  if (config.KAFKA_SASL_MECHANISM !== 'none') {
    sasl = {
      mechanism: config.KAFKA_SASL_MECHANISM,
      username: config.KAFKA_SASL_USERNAME ?? '',
      password: config.KAFKA_SASL_PASSWORD ?? '',
    } as SASLOptions;
  }
  const options: KafkaConfig = {
    clientId: config.KAFKA_CLIENT_ID ?? config.SERVICE_NAME,
    brokers: config.KAFKA_BROKERS,
    ssl: config.KAFKA_SSL,
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 200, retries: tuning.retries ?? 10 },
    logLevel: tuning.quiet ? logLevel.NOTHING : logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, stack: _s, ...rest } = log;
        const now = Date.now();
        const seen = recent.get(message);
        if (seen && now - seen.at < 60_000) {
          seen.repeats++;
          return;
        }
        recent.set(message, { at: now, repeats: 0 });
        if (recent.size > 500) recent.clear();
        kafkaLogger[toPino[level] ?? 'info'](
          { ...rest, ...(seen?.repeats ? { repeatsHeldBack: seen.repeats } : {}) },
          message,
        );
      },
  };
  if (sasl) options.sasl = sasl;
  return new Kafka(options);
}

/**
 * Creates missing topics (never changes existing ones); safe to run from every replica and from
 * several services at once (two services may create a topic one publishes and the other reads):
 * a creation that races another is checked again until every topic has its leaders.
 */
export async function ensureTopics(
  admin: Admin,
  topics: TopicSpec[],
  defaults: { partitions: number; replicationFactor: number },
): Promise<void> {
  const unique = [...new Map(topics.map((t) => [t.topic, t])).values()];
  const deadline = Date.now() + 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      const existing = new Set(await admin.listTopics());
      const missing = unique.filter((t) => !existing.has(t.topic));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t.topic,
            numPartitions: t.partitions ?? defaults.partitions,
            replicationFactor: defaults.replicationFactor,
            configEntries: Object.entries({
              'min.insync.replicas': String(Math.min(2, defaults.replicationFactor)),
              ...t.config,
            }).map(([name, value]) => ({ name, value })),
          })),
        });
      }
      // Every topic answers with its partitions' leaders: ready to produce to and consume from.
      await admin.fetchTopicMetadata({ topics: unique.map((t) => t.topic) });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 200 * attempt)));
    }
  }
}

export const deadLetterTopic = (groupId: string) => `employment.dlq.${groupId}`;
