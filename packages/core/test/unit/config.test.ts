import { z } from 'zod';
import { baseConfigSchema, ConfigError, loadConfig } from '../../src/config.ts';

const valid = {
  SERVICE_NAME: 'residents',
  MONGODB_URL: 'mongodb://127.0.0.1:27017',
  KAFKA_BROKERS: 'k1:9092, k2:9092',
  REDIS_URL: 'redis://127.0.0.1:6379',
  AUTH_JWKS_URL: 'https://id.example.gov/.well-known/jwks.json',
};

describe('configuration', () => {
  it('when every setting is valid, then it is typed with defaults filled in', () => {
    const config = loadConfig(baseConfigSchema, valid);
    expect(config.KAFKA_BROKERS).toEqual(['k1:9092', 'k2:9092']);
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.KAFKA_SSL).toBe(false);
    expect(config.KAFKA_CREATE_TOPICS).toBe(true);
  });

  it('when settings are wrong or missing, then one error lists each by name', () => {
    let error: unknown;
    try {
      loadConfig(baseConfigSchema, {
        ...valid,
        MONGODB_URL: 'postgres://x',
        HTTP_PORT: 'eighty',
        REDIS_URL: undefined,
        KAFKA_SSL: 'maybe',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('MONGODB_URL: must be a URL (mongodb:, mongodb+srv:) (got "postgres://x")');
    expect(problems).toMatch(/HTTP_PORT: .*got "eighty"/);
    expect(problems).toMatch(/REDIS_URL: /);
    expect(problems).toMatch(/KAFKA_SSL: /);
  });

  it('when a secret is wrong, then its value is not echoed', () => {
    const schema = baseConfigSchema.extend({ PII_HASH_KEY: z.string().min(40) });
    expect(() => loadConfig(schema, { ...valid, PII_HASH_KEY: 'short-secret' })).toThrow(/PII_HASH_KEY/);
    try {
      loadConfig(schema, { ...valid, PII_HASH_KEY: 'short-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret');
    }
  });

  it('when a variable is set but empty, then it counts as unset', () => {
    expect(loadConfig(baseConfigSchema, { ...valid, HTTP_PORT: '' }).HTTP_PORT).toBe(8080);
  });

  it('when limits and token rules are not set, then the documented defaults apply', () => {
    const config = loadConfig(baseConfigSchema, valid);
    expect(config).toMatchObject({
      RATE_LIMIT_PER_MINUTE: 300,
      RATE_LIMIT_CLIENT_QUOTAS: {},
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE: 120,
      AUTH_MAX_TOKEN_LIFETIME_SECONDS: 3600,
      AUTH_CLOCK_TOLERANCE_SECONDS: 5,
      REDIS_COMMAND_TIMEOUT_MS: 1000,
    });
    expect(config.HTTP_TRUSTED_PROXIES).toBeUndefined();
  });

  it('when client quotas and trusted proxies are set, then they are parsed, and refused by name when malformed', () => {
    const config = loadConfig(baseConfigSchema, {
      ...valid,
      RATE_LIMIT_CLIENT_QUOTAS: '{"district-420102": 3000, "load-*": 60000}',
      HTTP_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7, fd00::/8, loopback',
    });
    expect(config.RATE_LIMIT_CLIENT_QUOTAS).toEqual({ 'district-420102': 3000, 'load-*': 60000 });
    expect(config.HTTP_TRUSTED_PROXIES).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback']);
    for (const [name, value] of [
      ['RATE_LIMIT_CLIENT_QUOTAS', '{"a": 10'],
      ['RATE_LIMIT_CLIENT_QUOTAS', '{"a": 0}'],
      ['RATE_LIMIT_CLIENT_QUOTAS', '{"a": "many"}'],
      ['RATE_LIMIT_CLIENT_QUOTAS', '{"*a": 5}'],
      ['RATE_LIMIT_CLIENT_QUOTAS', '[1, 2]'],
      ['HTTP_TRUSTED_PROXIES', '10.0.0.0/33'],
      ['HTTP_TRUSTED_PROXIES', 'ingress-nginx'],
      ['AUTH_CLOCK_TOLERANCE_SECONDS', '300'],
      ['AUTH_MAX_TOKEN_LIFETIME_SECONDS', '0'],
    ] as const) {
      expect(() => loadConfig(baseConfigSchema, { ...valid, [name]: value })).toThrow(new RegExp(`${name}`));
    }
  });
});
