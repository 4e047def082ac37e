// Generated from proto/ by scripts/generate; this file only re-exports and names the topics.
export * from './gen/employment/common/v1/types_pb.js';
export * from './gen/employment/events/v1/envelope_pb.js';
export * from './gen/employment/jobs/v1/events_pb.js';
export * from './gen/employment/residents/v1/events_pb.js';

/** One topic per producing service and major version; the key is the aggregate id. */
export const Topics = {
  residents: 'employment.residents.v1',
  jobs: 'employment.jobs.v1',
} as const;
export * from './vocabulary.ts';
