import { type Admin, Kafka, type KafkaConfig, type LogEntry, logLevel, type SASLOptions } from 'kafkajs';
import type { BaseConfig } from '../config.ts';
import type { Logger } from '../logger.ts';

export interface TopicSpec {
  topic: string;
  partitions?: number;
  /** Kafka topic configs, e.g. retention. */
  config?: Record<string, string>;
}

export function createKafka(config: BaseConfig, logger: Logger): Kafka {
  const toPino: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
    [logLevel.ERROR]: 'error',
    [logLevel.WARN]: 'warn',
    [logLevel.INFO]: 'info',
    [logLevel.DEBUG]: 'debug',
  };
  const kafkaLogger = logger.child({ component: 'kafka' });
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
    retry: { initialRetryTime: 200, retries: 10 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...rest } = log;
        // kafkajs reports expected, retried conditions at ERROR (e.g. "coordinator is loading" right
        // after a broker start); they are noise unless they persist.
        kafkaLogger[toPino[level] ?? 'info']({ ...rest }, message);
      },
  };
  if (sasl) options.sasl = sasl;
  return new Kafka(options);
}

/** Creates missing topics (never changes existing ones); safe to run from every replica. */
export async function ensureTopics(
  admin: Admin,
  topics: TopicSpec[],
  defaults: { partitions: number; replicationFactor: number },
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const unique = [...new Map(topics.map((t) => [t.topic, t])).values()];
  const missing = unique.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
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

export const deadLetterTopic = (groupId: string) => `employment.dlq.${groupId}`;
