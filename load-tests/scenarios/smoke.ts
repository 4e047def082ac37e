import type { Scenario } from '../src/scenario.ts';

/**
 * A few seconds of the peak scenario at tiny rates and sizes, so the test suite proves the
 * harness end to end (reference, both phases, the autocannon capacity run, events, accounting,
 * report). Lenient thresholds:
 * it checks that nothing is lost and that requests succeed, not how fast the platform is.
 */
export const scenario: Scenario = {
  name: 'smoke',
  description:
    'Smoke run of the peak-registration harness: tiny rates, batches of 20, every Wuhan district once.',
  concurrency: 4,
  clientsPerDistrict: 1,
  streetsPerDistrict: 2,
  communitiesPerStreet: 3,
  reference: {
    storeSeconds: 1,
    storeBatchSeconds: 0.5,
    kafkaSeconds: 0.5,
    kafkaBatchSize: 50,
    kafkaSingleSeconds: 0.3,
  },
  phases: [
    {
      name: 'single',
      kind: 'single',
      maxInFlight: 'concurrency',
      reads: { perRegistrationRequest: 0.25, listShare: 0.3, maxInFlight: 4 },
      stages: [
        { name: 'ramp', seconds: 1.5, from: 5, to: 25 },
        { name: 'hold', seconds: 1.5, rate: 25 },
      ],
    },
    {
      name: 'batch',
      kind: 'batch',
      batchSize: 20,
      maxInFlight: 2,
      reads: { perSecond: 4, listShare: 0.3, maxInFlight: 4 },
      stages: [{ name: 'hold', seconds: 2, rate: 40 }],
    },
  ],
  capacity: { seconds: 1, connections: 2 },
  rateWindowSeconds: 1,
  requestTimeoutMs: 5_000,
  lateAfterMs: 100,
  drainTimeoutSeconds: 8,
  sampleIntervalMs: 500,
  thresholds: [
    { metric: 'lost', max: 0, description: 'nothing lost' },
    { metric: 'platform.errorRate', max: 0.05, description: 'at most 5 % of requests fail' },
    { metric: 'platform.latencyMs.p99', max: 3_000, description: 'single registration p99 ≤ 3 s' },
    { metric: 'propagationMs.p99', max: 5_000, description: 'event propagation p99 ≤ 5 s' },
  ],
};
