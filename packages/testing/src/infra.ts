import { randomBytes } from 'node:crypto';

/**
 * Where the test infrastructure listens. scripts/test exports these for the stack it started;
 * the defaults are the test profile's ports (INFRA_PROFILE=test scripts/infra-ctl start).
 */
export const testInfra = {
  mongodbUrl: process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27027',
  kafkaBrokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9192',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6389',
};

/** A name no other test run uses: for databases, topics and consumer groups. */
export const uniqueName = (prefix: string): string =>
  `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

export const randomKeyBase64 = (bytes = 32): string => randomBytes(bytes).toString('base64');

/** The environment a service needs on the test stack, before its own settings. */
export function testServiceEnv(overrides: Record<string, string>): Record<string, string> {
  return {
    MONGODB_URL: testInfra.mongodbUrl,
    KAFKA_BROKERS: testInfra.kafkaBrokers,
    REDIS_URL: testInfra.redisUrl,
    // The local stack's cap (scripts/lib/infra.sh exports it and says why it matters).
    MONGODB_MAX_POOL_SIZE: process.env.MONGODB_MAX_POOL_SIZE ?? '16',
    HTTP_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    KAFKA_TOPIC_PARTITIONS: '3',
    OUTBOX_SWEEP_INTERVAL_MS: '1000',
    CONSUMER_RETRY_BASE_MS: '20',
    // Every test file sends from this machine's address, and many use the same client ids on the
    // one Redis of the stack: budgets that never bind here; tests of the limits set their own.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000',
    ...overrides,
  };
}
