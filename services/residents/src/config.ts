import { Topics } from '@employment/contracts';
import { baseConfigSchema } from '@employment/core';
import { z } from 'zod';

/** The bytes a base64 key holds (0 when it is not base64). */
const base64Bytes = (v: string) => (/^[A-Za-z0-9+/]+={0,2}$/.test(v) ? Buffer.from(v, 'base64').length : 0);
const base64Key = (minBytes: number) =>
  z.string().refine((v) => base64Bytes(v) >= minBytes, {
    message: `must be base64 of at least ${minBytes} random bytes`,
  });
/** The label of an encryption key, written in front of what it seals. */
const KEY_VERSION = /^[a-z0-9]{1,16}$/;

const isoDates = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((list) => list.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)), {
    message: 'must be a comma-separated list of YYYY-MM-DD dates',
  });

export const residentsConfigSchema = baseConfigSchema.extend({
  SERVICE_NAME: z.literal('residents').default('residents'),
  /** AES-256-GCM key for national ID numbers at rest (32 bytes, base64). */
  PII_ENCRYPTION_KEY: z.string().refine((v) => base64Bytes(v) === 32, {
    message: 'must be base64 of exactly 32 random bytes',
  }),
  /** The version label of PII_ENCRYPTION_KEY, written into every ciphertext it seals. */
  PII_KEY_VERSION: z.string().regex(KEY_VERSION, 'must be 1-16 lower-case letters or digits').default('k1'),
  /**
   * Earlier encryption keys, `version:base64` separated by commas, to read what they sealed
   * while `reencrypt-pii` moves it to the current key (key rotation).
   */
  PII_PREVIOUS_ENCRYPTION_KEYS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const keys: Record<string, string> = {};
      for (const entry of v
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean)) {
        const [version, key, ...rest] = entry.split(':');
        if (!version || !key || rest.length > 0 || !KEY_VERSION.test(version)) {
          ctx.addIssue({ code: 'custom', message: 'must be version:base64 entries separated by commas' });
          return z.NEVER;
        }
        if (base64Bytes(key) !== 32) {
          ctx.addIssue({ code: 'custom', message: `the key of version ${version} must be 32 bytes, base64` });
          return z.NEVER;
        }
        keys[version] = key;
      }
      return keys;
    }),
  /** HMAC key for the keyed hash that finds and deduplicates ID numbers (at least 32 bytes, base64). */
  PII_HASH_KEY: base64Key(32),
  /** The most people one batch registration may carry. */
  BATCH_MAX_RESIDENTS: z.coerce.number().int().min(1).max(5000).default(1000),
  /** The topic this service publishes to and reads its own events from (tests use one of their own). */
  RESIDENTS_EVENTS_TOPIC: z.string().min(1).default(Topics.residents),
  /** The jobs service's topic (PlacementMade, PlacementEnded). */
  JOBS_EVENTS_TOPIC: z.string().min(1).default(Topics.jobs),
  /** Consumer groups are `<prefix>-community-stats`, `<prefix>-households`, `<prefix>-placements`. */
  CONSUMER_GROUP_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/)
    .default('residents'),
  /** How often a replica re-reads area tree nodes other replicas added or renamed. */
  AREA_CACHE_REFRESH_MS: z.coerce.number().int().min(100).default(5_000),
  /** How often the time-based warning checks run (deadlines, annual checks, escalation). */
  WARNING_CHECK_INTERVAL_MS: z.coerce.number().int().min(50).default(60_000),
  /** Working days a zero-employment household may wait for a placement (发现一户、解决一户). */
  ZERO_EMPLOYMENT_PLACEMENT_WORKING_DAYS: z.coerce.number().int().min(0).max(365).default(10),
  /** Working days a warning stays at one level before it climbs to the next. */
  WARNING_ESCALATION_WORKING_DAYS: z.coerce.number().int().min(0).max(365).default(5),
  /** Days after its due date before an annual check counts as overdue. */
  CERTIFICATE_CHECK_GRACE_DAYS: z.coerce.number().int().min(0).max(365).default(0),
  /** Public holidays (YYYY-MM-DD, comma-separated) that are not working days; weekends never are. */
  PUBLIC_HOLIDAYS: isoDates.default([]),
  /** Weekend days worked in exchange for holidays (调休), YYYY-MM-DD, comma-separated. */
  EXTRA_WORKING_DAYS: isoDates.default([]),
});

export type ResidentsConfig = z.infer<typeof residentsConfigSchema>;
