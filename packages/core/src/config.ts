import { isIP } from 'node:net';
import { z } from 'zod';

// Every setting comes from the environment, so the same build runs against the local stack and
// against a MongoDB replica set and a Kafka cluster in production. A wrong setting stops the
// process at start with a message naming the variable, instead of failing later.

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const commaList = z
  .string()
  .min(1)
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(', ')})` },
  );

const clientQuotas = z
  .string()
  .transform((v, ctx) => {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of client id to requests a minute' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z.string().regex(/^[^*]+\*?$/, 'a key is a client id, or a prefix ending in *'),
      z.number().int().min(1),
    ),
  );

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
/** An address, an address/prefix-length range, or a name of a range (what express's `trust proxy` takes). */
function isProxySpec(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

const trustedProxies = commaList.refine((entries) => entries.every(isProxySpec), {
  message: 'must be a comma-separated list of addresses, CIDR ranges, loopback, linklocal or uniquelocal',
});

/** Settings every service reads. A service extends this with its own. */
export const baseConfigSchema = z.object({
  SERVICE_NAME: z.string().regex(/^[a-z][a-z0-9-]*$/),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  MONGODB_URL: url(['mongodb:', 'mongodb+srv:']),
  MONGODB_DATABASE: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  /** Connections to the store per process. */
  MONGODB_MAX_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(40),
  /** A store operation with no answer for this long fails (503 to an HTTP caller) instead of hanging. */
  MONGODB_SOCKET_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(30_000),

  KAFKA_BROKERS: commaList,
  KAFKA_CLIENT_ID: z.string().optional(),
  KAFKA_SSL: bool.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['none', 'plain', 'scram-sha-256', 'scram-sha-512']).default('none'),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(256).default(6),
  KAFKA_TOPIC_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(7).default(1),
  /** Create the service's topics at start (local stack); in a cluster the migrate job does it. */
  KAFKA_CREATE_TOPICS: bool.default(true),

  REDIS_URL: url(['redis:', 'rediss:']),
  /**
   * A Redis command with no answer for this long fails (and a command while Redis is away fails at
   * once): no request waits on Redis longer than this (docs/security.md, "Redis outage").
   */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(1_000),

  AUTH_JWKS_URL: url(['http:', 'https:']),
  AUTH_ISSUER: z.string().min(1).default('employment-platform-local'),
  AUTH_AUDIENCE: z.string().min(1).default('employment-platform'),
  /** Tokens valid for longer than this (`exp` − `iat`) are refused, however far off they expire. */
  AUTH_MAX_TOKEN_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3_600),
  /** Clock skew tolerated between the identity provider and the services, for `exp`, `nbf` and `iat`. */
  AUTH_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(60).default(5),

  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),

  /** Requests a minute per client (the token's client id), unless RATE_LIMIT_CLIENT_QUOTAS names it. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  /**
   * Quotas of particular clients, requests a minute: a JSON object whose keys are client ids, or
   * prefixes ending in `*` (the longest matching one wins), e.g. `{"district-420102": 3000, "load-*": 60000}`.
   */
  RATE_LIMIT_CLIENT_QUOTAS: clientQuotas.default({}),
  /**
   * Requests a minute per source address that do not authenticate (no token, an invalid or expired
   * one, an unknown path): past it, the address is refused before its tokens are checked.
   */
  RATE_LIMIT_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /**
   * Proxies whose X-Forwarded-For is believed (e.g. the ingress controller's pods): addresses or
   * CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`. Unset: the socket's peer is the source.
   */
  HTTP_TRUSTED_PROXIES: trustedProxies.optional(),
  IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(60).default(86_400),
  OUTBOX_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  /** How long consumers remember handled event ids (redeliveries come within minutes). */
  PROCESSED_EVENTS_RETENTION_HOURS: z.coerce.number().int().min(1).default(168),
  /**
   * Partitions a consumer handles at once (each partition stays in order). Keep 1 on FerretDB v1:
   * it does not isolate concurrent updates of one document, so two partitions' events updating a
   * shared counter lose increments there (MongoDB does not).
   */
  CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  CONSUMER_RETRY_BASE_MS: z.coerce.number().int().min(1).default(200),
  /**
   * A fetch returns once this many bytes are waiting or CONSUMER_MAX_WAIT_MS has passed: under
   * load the broker answers a few large fetches instead of one per produced batch, and consumers
   * write their bookkeeping once per chunk of CONSUMER_CHUNK_SIZE events.
   */
  CONSUMER_MIN_BYTES: z.coerce.number().int().min(1).default(16_384),
  CONSUMER_MAX_WAIT_MS: z.coerce.number().int().min(10).max(10_000).default(250),
  CONSUMER_CHUNK_SIZE: z.coerce.number().int().min(1).max(5_000).default(200),
  /** Wait after readiness turns off, so load balancers stop sending before the server closes. */
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).default(0),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(20_000),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses the environment against the schema; throws ConfigError listing every bad setting. */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // Empty strings count as unset, the way shells and Kubernetes often pass them.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = issue.path.join('.') || '(root)';
        const shown = typeof cleaned[key] === 'string' && !/PASSWORD|KEY|SECRET/.test(key);
        return `${key}: ${issue.message}${shown ? ` (got "${cleaned[key]}")` : ''}`;
      }),
    );
  }
  return result.data;
}

/** loadConfig for a process entry point: prints the problems and exits 78 (EX_CONFIG). */
export function loadConfigOrExit<S extends z.ZodType>(schema: S): z.infer<S> {
  try {
    return loadConfig(schema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
