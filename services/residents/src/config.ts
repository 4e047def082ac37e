import { baseConfigSchema } from '@employment/kit';
import { z } from 'zod';

const base64Key = (minBytes: number) =>
  z.string().refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length >= minBytes, {
    message: `must be base64 of at least ${minBytes} random bytes`,
  });

export const residentsConfigSchema = baseConfigSchema.extend({
  SERVICE_NAME: z.literal('residents').default('residents'),
  /** AES-256-GCM key for national ID numbers at rest (32 bytes, base64). */
  PII_ENCRYPTION_KEY: base64Key(32).refine((v) => Buffer.from(v, 'base64').length === 32, {
    message: 'must be exactly 32 bytes',
  }),
  /** HMAC key for the keyed hash that finds and deduplicates ID numbers (at least 32 bytes, base64). */
  PII_HASH_KEY: base64Key(32),
  /** The most people one batch registration may carry. */
  BATCH_MAX_RESIDENTS: z.coerce.number().int().min(1).max(5000).default(1000),
});

export type ResidentsConfig = z.infer<typeof residentsConfigSchema>;
