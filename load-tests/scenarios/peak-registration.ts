import type { Scenario } from '../src/scenario.ts';

/**
 * City-wide peak registration: the morning a re-employment campaign opens, every district system
 * of Wuhan registers people one by one (community front desks), then survey teams upload their
 * sheets in batches, while caseworkers read records and community lists. Rates are set against
 * the raw store insert rate measured at the start of the run, so the scenario asks the same of
 * the platform on any machine: the single-registration peak is 75 % of what the store takes raw
 * (the target is 60 %), the batch peak 4 times the raw store rate in people per second.
 * Nominal length 70 s (60 s of open-model phases, 10 s of closed-model capacity); `--duration`
 * scales every stage.
 */
export const scenario: Scenario = {
  name: 'peak-registration',
  description:
    'City-wide peak registration in Wuhan: 13 district systems (2 clients each) register one by one on a rising arrival rate, then upload batches of 500, with reads of single people and community lists mixed in.',
  concurrency: 32,
  clientsPerDistrict: 2,
  streetsPerDistrict: 10,
  communitiesPerStreet: 8,
  reference: {
    storeSeconds: 4,
    storeBatchSeconds: 2,
    kafkaSeconds: 2,
    kafkaBatchSize: 100,
    kafkaSingleSeconds: 1,
  },
  phases: [
    {
      name: 'single',
      kind: 'single',
      maxInFlight: 'concurrency',
      reads: { perRegistrationRequest: 0.25, listShare: 0.3, maxInFlight: 16 },
      stages: [
        { name: 'warm-up', seconds: 6, rate: { ofStoreRate: 0.05 } },
        { name: 'ramp', seconds: 16, from: { ofStoreRate: 0.05 }, to: { ofStoreRate: 0.75 } },
        { name: 'peak', seconds: 12, rate: { ofStoreRate: 0.75 } },
      ],
    },
    {
      name: 'batch',
      kind: 'batch',
      batchSize: 500,
      maxInFlight: 4,
      reads: { perSecond: 20, listShare: 0.3, maxInFlight: 16 },
      stages: [
        { name: 'ramp', seconds: 10, from: { ofStoreRate: 0.5 }, to: { ofStoreRate: 4 } },
        { name: 'peak', seconds: 16, rate: { ofStoreRate: 4 } },
      ],
    },
  ],
  // First 10 s of closed-model capacity with autocannon, at the raw store reference's concurrency.
  capacity: { seconds: 10 },
  requestTimeoutMs: 10_000,
  lateAfterMs: 50,
  drainTimeoutSeconds: 30,
  sampleIntervalMs: 1_000,
  thresholds: [
    { metric: 'platform.latencyMs.p95', max: 200, description: 'single registration p95 ≤ 200 ms' },
    { metric: 'platform.latencyMs.p99', max: 300, description: 'single registration p99 ≤ 300 ms' },
    { metric: 'platform.batchLatencyMs.p99', max: 5_000, description: 'batch (500 people) p99 ≤ 5 s' },
    { metric: 'platform.readLatencyMs.p99', max: 500, description: 'read p99 ≤ 500 ms' },
    { metric: 'platform.errorRate', max: 0.01, description: 'at most 1 % of requests fail' },
    { metric: 'platform.droppedRate', max: 0.01, description: 'at most 1 % of arrivals dropped' },
    { metric: 'propagationMs.p99', max: 1_000, description: 'event propagation p99 ≤ 1 s' },
    { metric: 'lost', max: 0, description: 'nothing lost' },
  ],
};
