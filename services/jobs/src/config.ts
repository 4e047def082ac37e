import { Topics } from '@employment/contracts';
import { baseConfigSchema } from '@employment/core';
import { z } from 'zod';

export const jobsConfigSchema = baseConfigSchema.extend({
  SERVICE_NAME: z.literal('jobs').default('jobs'),
  /** The residents' topic the candidate read model is built from. Tests point it at a topic of their own. */
  RESIDENTS_EVENTS_TOPIC: z.string().min(1).default(Topics.residents),
  /** Consumer group that builds the candidate read model (one per deployment; tests use their own). */
  CANDIDATES_CONSUMER_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('jobs-candidates'),
  /**
   * How often a replica re-reads candidate profiles changed by other replicas (the consumer group
   * hands each replica only some partitions, so each replica's in-memory pool also polls the store).
   * The poll looks records up by their one-second sync slot, an index lookup on both stores.
   */
  CANDIDATE_POOL_REFRESH_MS: z.coerce.number().int().min(100).default(5_000),
  /** A full reload of the pool, the safety net for changes a poll could miss (e.g. replayed after a crash). */
  CANDIDATE_POOL_RELOAD_MS: z.coerce.number().int().min(10_000).default(600_000),
  /** The most matches one page may carry. */
  MATCH_PAGE_MAX: z.coerce.number().int().min(1).max(1000).default(200),
});

export type JobsConfig = z.infer<typeof jobsConfigSchema>;
