import { Topics } from '@employment/contracts';
import { baseConfigSchema } from '@employment/core';
import { z } from 'zod';

export const __camel__ConfigSchema = baseConfigSchema.extend({
  SERVICE_NAME: z.literal('__name__').default('__name__'),
  /** The topic this service publishes to. Tests point it at a topic of their own. */
  EVENTS_TOPIC: z.string().min(1).default(Topics.__camel__),
  /** Residents' topic, which the people read model is built from. Tests point it at their own. */
  RESIDENTS_EVENTS_TOPIC: z.string().min(1).default(Topics.residents),
  /** The consumer group that builds the people read model (the chart lists it under this name). */
  PEOPLE_CONSUMER_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('__name__-people'),
});

export type __Pascal__Config = z.infer<typeof __camel__ConfigSchema>;

/** The roles a caller's token needs. */
export const ROLES = { read: '__name__:read', write: '__name__:write' } as const;
