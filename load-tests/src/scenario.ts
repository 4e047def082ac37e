/**
 * What a load scenario is: phases of arrival-rate stages (an open model: the scenario fixes how
 * many requests are offered each second, whatever the response times), the request mix, the
 * reference measurements and the thresholds that decide the exit code. Scenario files under
 * `load-tests/scenarios/` export one of these as `scenario`.
 */

/**
 * An offered rate in people per second: a number, or a multiple of the raw store insert rate
 * measured at the start of the same run (so one scenario means the same thing on any machine).
 */
export type Rate = number | { ofStoreRate: number };

export interface Stage {
  name: string;
  /** Nominal length in seconds; `--duration` scales every stage of the scenario by one factor. */
  seconds: number;
  /** A constant rate for the whole stage ... */
  rate?: Rate;
  /** ... or a linear ramp from `from` to `to`. */
  from?: Rate;
  to?: Rate;
}

export interface ReadMix {
  /** Reads offered per registration request (they follow its ramp) ... */
  perRegistrationRequest?: number;
  /** ... or a fixed number of reads per second. */
  perSecond?: number;
  /** Share of reads that list a community page; the rest read one person registered earlier in the run. */
  listShare: number;
  /** The most reads outstanding at once; an arrival past it is dropped. */
  maxInFlight: number;
}

export interface Phase {
  name: string;
  /** `single`: POST /v1/residents, one person a request; `batch`: POST /v1/residents/batch. */
  kind: 'single' | 'batch';
  /** People per batch request (batch phases). */
  batchSize?: number;
  /**
   * The most registration requests outstanding at once; an arrival past it is not sent and counts
   * as dropped (the platform did not keep up). `'concurrency'` takes the scenario's concurrency,
   * the same number of workers the raw store reference runs with.
   */
  maxInFlight: number | 'concurrency';
  stages: Stage[];
  reads: ReadMix;
}

/** A check on one number of the JSON report (dotted path); a failed one makes the run exit 1. */
export interface Threshold {
  metric: string;
  max?: number;
  min?: number;
  description: string;
}

export interface Scenario {
  name: string;
  description: string;
  /** Workers of the raw store reference, and the in-flight cap of phases that ask for it. */
  concurrency: number;
  /** Districts of the city taking part (GB/T 2260 codes); default: every district of Wuhan. */
  districts?: string[];
  /** Each district system has this many clients, each with its own token. */
  clientsPerDistrict: number;
  streetsPerDistrict: number;
  communitiesPerStreet: number;
  reference: {
    /** insertOne of resident-sized documents by `concurrency` workers. */
    storeSeconds: number;
    /** insertMany of batch-sized groups by as many workers as the batch phase allows in flight. */
    storeBatchSeconds: number;
    /** Idempotent producer, acks=all, batches of `kafkaBatchSize` event-sized messages. */
    kafkaSeconds: number;
    kafkaBatchSize: number;
    /** The same producer, one message per send, one send at a time. */
    kafkaSingleSeconds: number;
  };
  phases: Phase[];
  /**
   * Before the phases, the closed-model capacity of single registrations, measured with autocannon:
   * `connections` clients (default: `concurrency`, as many as the raw store reference's workers)
   * each registering one person after another for `seconds`. Its ratio to the raw store insert rate
   * compares like with like. Its seconds count towards the scenario's length.
   */
  capacity?: { seconds: number; connections?: number | 'concurrency' };
  /** Width of the sliding window whose best count gives the sustained rates; default from the phase length. */
  rateWindowSeconds?: number;
  requestTimeoutMs: number;
  /** An arrival sent later than this after its scheduled time counts as late (the generator lagged). */
  lateAfterMs: number;
  /** After the load, how long to wait for the events of every accepted registration. */
  drainTimeoutSeconds: number;
  sampleIntervalMs: number;
  thresholds: Threshold[];
}

export interface ResolvedStage {
  phase: string;
  index: number;
  name: string;
  seconds: number;
  /** Offered people per second at the stage's start and end. */
  fromPeople: number;
  toPeople: number;
}

/** Sum of a scenario's stage lengths (the load part of a run, without reference and drain). */
export function nominalSeconds(scenario: Scenario): number {
  return (
    scenario.phases.reduce((sum, p) => sum + p.stages.reduce((s, st) => s + st.seconds, 0), 0) +
    (scenario.capacity?.seconds ?? 0)
  );
}

/** The scenario with every stage stretched or shrunk so that the phases together last `seconds`. */
export function scaleScenario(scenario: Scenario, seconds: number | undefined): Scenario {
  if (seconds === undefined) return scenario;
  if (!(seconds > 0)) throw new RangeError('the duration must be positive');
  const factor = seconds / nominalSeconds(scenario);
  return {
    ...scenario,
    phases: scenario.phases.map((p) => ({
      ...p,
      stages: p.stages.map((s) => ({ ...s, seconds: s.seconds * factor })),
    })),
    ...(scenario.capacity
      ? { capacity: { ...scenario.capacity, seconds: scenario.capacity.seconds * factor } }
      : {}),
  };
}

export function resolveRate(rate: Rate, storeRate: number): number {
  return typeof rate === 'number' ? rate : rate.ofStoreRate * storeRate;
}

export function resolveStages(phase: Phase, storeRate: number): ResolvedStage[] {
  return phase.stages.map((stage, index) => {
    const from = stage.rate ?? stage.from;
    const to = stage.rate ?? stage.to;
    if (from === undefined || to === undefined) {
      throw new RangeError(`stage ${phase.name}/${stage.name} needs a rate, or from and to`);
    }
    return {
      phase: phase.name,
      index,
      name: stage.name,
      seconds: stage.seconds,
      fromPeople: resolveRate(from, storeRate),
      toPeople: resolveRate(to, storeRate),
    };
  });
}

export function phaseInFlight(phase: Phase, scenario: Scenario): number {
  return phase.maxInFlight === 'concurrency' ? scenario.concurrency : phase.maxInFlight;
}

/** Throws on a scenario that cannot run, naming the problem. */
export function validateScenario(scenario: Scenario): void {
  const problems: string[] = [];
  if (!(scenario.concurrency >= 1)) problems.push('concurrency must be at least 1');
  if (!(scenario.clientsPerDistrict >= 1)) problems.push('clientsPerDistrict must be at least 1');
  if (scenario.phases.length === 0) problems.push('a scenario needs at least one phase');
  for (const phase of scenario.phases) {
    if (phase.kind === 'batch' && !((phase.batchSize ?? 0) >= 1 && (phase.batchSize ?? 0) <= 1000)) {
      problems.push(`phase ${phase.name}: batchSize must be 1-1000`);
    }
    if (phase.stages.length === 0) problems.push(`phase ${phase.name} has no stages`);
    for (const stage of phase.stages) {
      if (!(stage.seconds > 0)) problems.push(`stage ${phase.name}/${stage.name}: seconds must be positive`);
      const constant = stage.rate !== undefined;
      const ramp = stage.from !== undefined && stage.to !== undefined;
      if (constant === ramp) problems.push(`stage ${phase.name}/${stage.name}: give rate, or from and to`);
    }
    if (phase.reads.perRegistrationRequest !== undefined && phase.reads.perSecond !== undefined) {
      problems.push(`phase ${phase.name}: reads take perRegistrationRequest or perSecond, not both`);
    }
  }
  if (problems.length > 0)
    throw new RangeError(`invalid scenario ${scenario.name}:\n  ${problems.join('\n  ')}`);
}
