import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapacityResult } from './capacity.ts';
import type { Duplicates, SeenEvent } from './events.ts';
import type { OpenModelResult, RequestRecord } from './open-model.ts';
import type { KafkaReference, StoreReference } from './reference.ts';
import type { ResourceSampler, ResourceWindow } from './resources.ts';
import type { Phase, ResolvedStage, Scenario } from './scenario.ts';
import { bestWindowRate, type Distribution, distribution, rate, ratio, round } from './stats.ts';

export interface PhaseRun {
  phase: Phase;
  stages: ResolvedStage[];
  result: OpenModelResult;
  batchSize: number;
}

export interface StageReport {
  name: string;
  seconds: number;
  /** Offered people per second at the stage's start and end. */
  offeredPeoplePerSecond: { from: number; to: number };
  /** Registration (or batch) requests: offered = sent + dropped. */
  offered: number;
  sent: number;
  dropped: number;
  late: number;
  ok: number;
  errors: number;
  /** People registered by requests sent in this stage, per second of the stage. */
  achievedPeoplePerSecond: number;
  latencyMs: Distribution;
  reads: { offered: number; sent: number; dropped: number; errors: number; latencyMs: Distribution };
}

export interface OperationReport {
  requests: number;
  ok: number;
  errors: number;
  latencyMs: Distribution;
}

export interface PhaseReport {
  name: string;
  kind: 'single' | 'batch';
  batchSize: number;
  maxInFlight: number;
  seconds: number;
  /** Best sustained people per second over `rateWindowSeconds`. */
  peakPeoplePerSecond: number;
  /** People per second over the whole phase. */
  meanPeoplePerSecond: number;
  rateWindowSeconds: number;
  /** True when the platform could not take the offered rate (dropped arrivals, or below 90 % of it). */
  saturated: boolean;
  maxOfferedPeoplePerSecond: number;
  people: number;
  stages: StageReport[];
  operations: Record<string, OperationReport>;
}

export interface Check {
  name: string;
  metric: string;
  /** `>=` and `<=` for thresholds; the targets use the wording of the issue (`<` for latency). */
  op: '>=' | '<=' | '<' | '==';
  limit: number;
  actual: number | null;
  pass: boolean;
}

export interface LoadReport {
  schema: 'employment.load-report.v1';
  run: {
    id: string;
    scenario: string;
    description: string;
    smoke: boolean;
    seed: number;
    startedAt: string;
    finishedAt: string;
    wallSeconds: number;
    loadSeconds: number;
    target: { baseUrl: string; database: string; collection: string; topic: string };
    store: string;
    kafkaBrokers: string[];
    clients: number;
    districts: number;
    concurrency: number;
    lateAfterMs: number;
    storeSizeBefore: number | null;
    /** Documents in the service's collections before the run (null: not there). */
    collectionsBefore: Record<string, number | null>;
    machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  };
  reference: {
    storeInsertsPerSecond: number;
    storeBatchInsertsPerSecond: number;
    kafkaMessagesPerSecond: number;
    kafkaSingleSendsPerSecond: number;
    store: StoreReference;
    kafka: KafkaReference;
  };
  platform: {
    singleRegistrationsPerSecond: number;
    singleSaturated: boolean;
    batchPeoplePerSecond: number;
    batchSaturated: boolean;
    /** Successful single registrations (201), every single phase. */
    latencyMs: Distribution;
    batchLatencyMs: Distribution;
    readLatencyMs: Distribution;
    requests: number;
    errors: number;
    errorRate: number;
    errorsByKind: Record<string, number>;
    batchRowsRejected: Record<string, number>;
    dropped: number;
    droppedRate: number;
    late: number;
    lateRate: number;
    phases: PhaseReport[];
    /** The closed-model capacity measured with autocannon (null: the scenario has none). */
    capacity: CapacityResult | null;
  };
  ratio: {
    singleToStore: number;
    batchToSingle: number;
    batchToStoreBatch: number;
    /** Closed-model single registrations per second / raw store inserts per second (same workers). */
    capacityToStore: number | null;
  };
  propagationMs: Distribution & { basis: string; eventsBeforeAnswer: number };
  /**
   * Events the platform's own consumer groups on the topic (read models such as community
   * statistics, jobs' candidates) had yet to handle, before the run and after the drain.
   */
  consumerLag: { before: Record<string, number>; after: Record<string, number> };
  propagationFromOccurredAtMs: Distribution & { basis: string };
  accepted: number;
  stored: number;
  published: number;
  lost: number;
  accounting: {
    acceptedStored: number;
    acceptedPublished: number;
    storedNotAccepted: number;
    publishedNotAccepted: number;
    duplicateEvents: Duplicates;
    drained: boolean;
    missingFromStore: string[];
    missingFromTopic: string[];
    documentBytes: number;
  };
  resources: {
    available: boolean;
    sampleIntervalMs: number;
    found: Record<string, number>;
    windows: ResourceWindow[];
  };
  targets: Check[];
  thresholds: Check[];
  /** Every threshold passed (this decides the exit code). */
  passed: boolean;
  targetsMet: boolean;
}

function lookup(report: unknown, path: string): number | null {
  let value: unknown = report;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return null;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function check(report: unknown, name: string, metric: string, op: Check['op'], limit: number): Check {
  const actual = lookup(report, metric);
  const pass =
    actual !== null &&
    (op === '>='
      ? actual >= limit
      : op === '<='
        ? actual <= limit
        : op === '<'
          ? actual < limit
          : actual === limit);
  return { name, metric, op, limit, actual, pass };
}

/** The targets of issue 7; reported with pass or fail, they do not decide the exit code. */
function targets(report: LoadReport): Check[] {
  return [
    check(
      report,
      'single registrations >= 60% of the raw store insert rate',
      'ratio.singleToStore',
      '>=',
      0.6,
    ),
    check(report, 'batch >= 5x the single rate (people per second)', 'ratio.batchToSingle', '>=', 5),
    check(report, 'single registration p99 < 300 ms', 'platform.latencyMs.p99', '<', 300),
    check(report, 'propagation p99 < 1 s', 'propagationMs.p99', '<', 1000),
    check(report, 'nothing lost', 'lost', '==', 0),
  ];
}

function ops(records: RequestRecord[]): Record<string, OperationReport> {
  const by = new Map<string, RequestRecord[]>();
  for (const r of records) {
    const list = by.get(r.op);
    if (list) list.push(r);
    else by.set(r.op, [r]);
  }
  return Object.fromEntries(
    [...by].map(([op, list]) => [
      op,
      {
        requests: list.length,
        ok: list.filter((r) => r.ok).length,
        errors: list.filter((r) => !r.ok).length,
        latencyMs: distribution(list.filter((r) => r.status > 0).map((r) => r.done - r.sent)),
      },
    ]),
  );
}

function phaseReport(run: PhaseRun, scenario: Scenario): PhaseReport {
  const { phase, stages, result, batchSize } = run;
  const main = phase.kind === 'batch' ? 'batch' : 'register';
  const seconds = stages.reduce((s, st) => s + st.seconds, 0);
  const mainRecords = result.records.filter((r) => r.stream === main);
  const readRecords = result.records.filter((r) => r.stream === 'read');
  const late = (r: RequestRecord) => r.sent - r.scheduled > result.lateAfterMs;
  const window =
    scenario.rateWindowSeconds ??
    Math.min(
      seconds,
      phase.kind === 'batch' ? Math.max(2, Math.min(10, seconds / 3)) : Math.max(1, Math.min(5, seconds / 5)),
    );
  const completions = mainRecords.filter((r) => r.people > 0).map((r) => [r.done, r.people] as const);
  const people = mainRecords.reduce((s, r) => s + r.people, 0);
  const peak = bestWindowRate(completions, window * 1000);
  const maxOffered = Math.max(0, ...stages.map((s) => Math.max(s.fromPeople, s.toPeople)));
  const dropped = result.drops.filter((d) => d.stream === main).length;

  const stageReports: StageReport[] = stages.map((stage, i) => {
    const recs = mainRecords.filter((r) => r.stage === i);
    const reads = readRecords.filter((r) => r.stage === i);
    const ok = recs.filter((r) => r.ok);
    return {
      name: stage.name,
      seconds: round(stage.seconds, 2),
      offeredPeoplePerSecond: { from: round(stage.fromPeople), to: round(stage.toPeople) },
      offered: result.offered[main]?.[i] ?? 0,
      sent: recs.length,
      dropped: result.drops.filter((d) => d.stream === main && d.stage === i).length,
      late: recs.filter(late).length,
      ok: ok.length,
      errors: recs.length - ok.length,
      achievedPeoplePerSecond: rate(
        recs.reduce((s, r) => s + r.people, 0),
        stage.seconds * 1000,
      ),
      latencyMs: distribution(ok.map((r) => r.done - r.sent)),
      reads: {
        offered: result.offered.read?.[i] ?? 0,
        sent: reads.length,
        dropped: result.drops.filter((d) => d.stream === 'read' && d.stage === i).length,
        errors: reads.filter((r) => !r.ok).length,
        latencyMs: distribution(reads.filter((r) => r.ok).map((r) => r.done - r.sent)),
      },
    };
  });

  return {
    name: phase.name,
    kind: phase.kind,
    batchSize,
    maxInFlight: phase.maxInFlight === 'concurrency' ? scenario.concurrency : phase.maxInFlight,
    seconds: round(seconds, 2),
    peakPeoplePerSecond: peak,
    meanPeoplePerSecond: rate(people, result.endedAfter),
    rateWindowSeconds: round(window, 2),
    saturated: dropped > 0 || peak < 0.9 * maxOffered,
    maxOfferedPeoplePerSecond: round(maxOffered),
    people,
    stages: stageReports,
    operations: ops(result.records),
  };
}

export function buildReport(input: {
  runId: string;
  seed: number;
  scenario: Scenario;
  smoke: boolean;
  startedAt: Date;
  finishedAt: Date;
  marks: Record<string, number>;
  target: LoadReport['run']['target'];
  mongoUrl: string;
  kafkaBrokers: string[];
  clients: number;
  districts: number;
  storeReference: StoreReference;
  kafkaReference: KafkaReference;
  phases: PhaseRun[];
  capacity?: CapacityResult | undefined;
  accepted: Map<string, { at: number; phase: string }>;
  storedIds: Set<string>;
  seen: Map<string, SeenEvent>;
  duplicateEvents: Duplicates;
  drained: boolean;
  rowsRejected: Record<string, number>;
  storeSizeBefore: number | null;
  collectionsBefore: Record<string, number | null>;
  consumerLag: { before: Record<string, number>; after: Record<string, number> };
  templateBytes: number;
  setupLatencyMs: number;
  sampler: ResourceSampler;
  machine: LoadReport['run']['machine'];
}): LoadReport {
  const { scenario, phases, accepted, storedIds, seen } = input;
  const phaseReports = phases.map((p) => phaseReport(p, scenario));
  const all = phases.flatMap((p) => p.result.records);
  const singles = phases.filter((p) => p.phase.kind === 'single');
  const batches = phases.filter((p) => p.phase.kind === 'batch');
  const singleReports = phaseReports.filter((p) => p.kind === 'single');
  const batchReports = phaseReports.filter((p) => p.kind === 'batch');
  const offered = phases.reduce(
    (s, p) => s + Object.values(p.result.offered).reduce((a, list) => a + list.reduce((x, y) => x + y, 0), 0),
    0,
  );
  const dropped = phases.reduce((s, p) => s + p.result.drops.length, 0);
  const late = phases.reduce(
    (s, p) => s + p.result.records.filter((r) => r.sent - r.scheduled > p.result.lateAfterMs).length,
    0,
  );
  const errors = all.filter((r) => !r.ok);
  const errorsByKind: Record<string, number> = {};
  for (const r of errors) errorsByKind[`${r.op} ${r.error}`] = (errorsByKind[`${r.op} ${r.error}`] ?? 0) + 1;
  for (const [kind, count] of Object.entries(input.capacity?.errorsByKind ?? {}))
    errorsByKind[`capacity ${kind}`] = (errorsByKind[`capacity ${kind}`] ?? 0) + count;
  const failed = errors.length + (input.capacity?.failed ?? 0);

  const single = Math.max(0, ...singleReports.map((p) => p.peakPeoplePerSecond));
  const batch = Math.max(0, ...batchReports.map((p) => p.peakPeoplePerSecond));

  const delays: number[] = [];
  const fromOccurred: number[] = [];
  let acceptedPublished = 0;
  for (const [id, a] of accepted) {
    const event = seen.get(id);
    if (!event) continue;
    acceptedPublished++;
    delays.push(event.receivedAt - a.at);
    if (event.occurredAt > 0) fromOccurred.push(event.receivedAt - event.occurredAt);
  }
  let acceptedStored = 0;
  const missingFromStore: string[] = [];
  const missingFromTopic: string[] = [];
  for (const id of accepted.keys()) {
    if (storedIds.has(id)) acceptedStored++;
    else if (missingFromStore.length < 10) missingFromStore.push(id);
    if (!seen.has(id) && missingFromTopic.length < 10) missingFromTopic.push(id);
  }
  const publishedNotAccepted = [...seen.keys()].filter((id) => !accepted.has(id)).length;

  const sampler = input.sampler;
  const windows: ResourceWindow[] = [];
  const m = input.marks;
  if (m.referenceStart)
    windows.push(sampler.summarize('set-up (platform quiet?)', m.start ?? 0, m.referenceStart));
  if (m.referenceStart && m.storeEnd)
    windows.push(sampler.summarize('reference: raw store', m.referenceStart, m.storeEnd));
  if (m.storeEnd && m.referenceEnd)
    windows.push(sampler.summarize('reference: raw kafka', m.storeEnd, m.referenceEnd));
  if (m.capacityStart && m.capacityEnd)
    windows.push(sampler.summarize('capacity (autocannon)', m.capacityStart, m.capacityEnd));
  for (const p of phases) {
    windows.push(
      sampler.summarize(
        `phase ${p.phase.name}`,
        p.result.startedAt,
        p.result.startedAt + p.result.endedAfter,
      ),
    );
  }
  if (m.loadEnd && m.drained) windows.push(sampler.summarize('drain', m.loadEnd, m.drained));
  windows.push(sampler.summarize('whole run', m.start ?? 0, m.drained ?? Number.MAX_SAFE_INTEGER));

  const loadSeconds =
    phases.reduce((s, p) => s + p.stages.reduce((a, st) => a + st.seconds, 0), 0) +
    (input.capacity?.seconds ?? 0);
  const requests = all.length + (input.capacity?.requests ?? 0);
  const report: LoadReport = {
    schema: 'employment.load-report.v1',
    run: {
      id: input.runId,
      scenario: scenario.name,
      description: scenario.description,
      smoke: input.smoke,
      seed: input.seed,
      startedAt: input.startedAt.toISOString(),
      finishedAt: input.finishedAt.toISOString(),
      wallSeconds: round((input.finishedAt.getTime() - input.startedAt.getTime()) / 1000, 2),
      loadSeconds: round(loadSeconds, 2),
      target: input.target,
      store: input.mongoUrl.replace(/\/\/[^@/]*@/, '//***@'),
      kafkaBrokers: input.kafkaBrokers,
      clients: input.clients,
      districts: input.districts,
      concurrency: scenario.concurrency,
      lateAfterMs: scenario.lateAfterMs,
      storeSizeBefore: input.storeSizeBefore,
      collectionsBefore: input.collectionsBefore,
      machine: input.machine,
    },
    reference: {
      storeInsertsPerSecond: input.storeReference.insertsPerSecond,
      storeBatchInsertsPerSecond: input.storeReference.batchInsertsPerSecond,
      kafkaMessagesPerSecond: input.kafkaReference.messagesPerSecond,
      kafkaSingleSendsPerSecond: input.kafkaReference.singleSendsPerSecond,
      store: input.storeReference,
      kafka: input.kafkaReference,
    },
    platform: {
      singleRegistrationsPerSecond: single,
      singleSaturated: singleReports.some((p) => p.saturated),
      batchPeoplePerSecond: batch,
      batchSaturated: batchReports.some((p) => p.saturated),
      latencyMs: distribution(
        singles.flatMap((p) =>
          p.result.records.filter((r) => r.op === 'register' && r.ok).map((r) => r.done - r.sent),
        ),
      ),
      batchLatencyMs: distribution(
        batches.flatMap((p) =>
          p.result.records.filter((r) => r.op === 'batch' && r.ok).map((r) => r.done - r.sent),
        ),
      ),
      readLatencyMs: distribution(all.filter((r) => r.stream === 'read' && r.ok).map((r) => r.done - r.sent)),
      requests,
      errors: failed,
      errorRate: ratio(failed, requests, 4),
      errorsByKind,
      batchRowsRejected: input.rowsRejected,
      dropped,
      droppedRate: ratio(dropped, offered, 4),
      late,
      lateRate: ratio(late, requests, 4),
      phases: phaseReports,
      capacity: input.capacity ?? null,
    },
    ratio: {
      singleToStore: ratio(single, input.storeReference.insertsPerSecond),
      batchToSingle: ratio(batch, single),
      batchToStoreBatch: ratio(batch, input.storeReference.batchInsertsPerSecond),
      capacityToStore: input.capacity
        ? ratio(input.capacity.registrationsPerSecond, input.storeReference.insertsPerSecond)
        : null,
    },
    propagationMs: {
      ...distribution(delays),
      basis: 'consumer receive time minus the time the client had read the HTTP answer (201 or batch 200)',
      eventsBeforeAnswer: delays.filter((d) => d < 0).length,
    },
    consumerLag: input.consumerLag,
    propagationFromOccurredAtMs: {
      ...distribution(fromOccurred),
      basis:
        "consumer receive time minus the envelope's occurredAt (the service's clock at the state change)",
    },
    accepted: accepted.size,
    stored: storedIds.size,
    published: seen.size,
    lost: accepted.size - Math.min(acceptedStored, acceptedPublished),
    accounting: {
      acceptedStored,
      acceptedPublished,
      storedNotAccepted: [...storedIds].filter((id) => !accepted.has(id)).length,
      publishedNotAccepted,
      duplicateEvents: input.duplicateEvents,
      drained: input.drained,
      missingFromStore,
      missingFromTopic,
      documentBytes: input.templateBytes,
    },
    resources: {
      available: sampler.available,
      sampleIntervalMs: scenario.sampleIntervalMs,
      found: sampler.found(),
      windows,
    },
    targets: [],
    thresholds: [],
    passed: false,
    targetsMet: false,
  };
  report.targets = targets(report);
  report.thresholds = scenario.thresholds.map((t) => {
    const name = t.description;
    if (t.max !== undefined && t.min !== undefined) {
      const a = check(report, name, t.metric, '<=', t.max);
      const b = check(report, name, t.metric, '>=', t.min);
      return { ...a, pass: a.pass && b.pass };
    }
    return t.max !== undefined
      ? check(report, name, t.metric, '<=', t.max)
      : check(report, name, t.metric, '>=', t.min ?? Number.NEGATIVE_INFINITY);
  });
  report.passed = report.thresholds.every((t) => t.pass);
  report.targetsMet = report.targets.every((t) => t.pass);
  return report;
}

// ------------------------------------------------------------------------------------- markdown

const n = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits });
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const mark = (pass: boolean) => (pass ? 'pass' : '**FAIL**');
const dist = (d: Distribution) => `${n(d.p50, 1)} / ${n(d.p95, 1)} / ${n(d.p99, 1)} / ${n(d.max, 1)}`;

export function renderMarkdown(r: LoadReport): string {
  const L: string[] = [];
  const p = r.platform;
  L.push(`# Load test: ${r.run.scenario}${r.run.smoke ? ' (smoke)' : ''}`, '');
  L.push(`${r.run.description}`, '');
  L.push(
    `Run \`${r.run.id}\` from ${r.run.startedAt} to ${r.run.finishedAt} (${r.run.wallSeconds} s wall, ${r.run.loadSeconds} s of load), ` +
      `against ${r.run.target.baseUrl} (store database \`${r.run.target.database}\`, topic \`${r.run.target.topic}\`), ` +
      `${r.run.clients} district clients in ${r.run.districts} districts, seed ${r.run.seed}. ` +
      `Machine: ${r.run.machine.cpus} × ${r.run.machine.cpuModel}, ${r.run.machine.memoryGb} GB, Node ${r.run.machine.node}. ` +
      `Documents before the run: ${Object.entries(r.run.collectionsBefore)
        .map(([c, v]) => `${c} ${n(v)}`)
        .join(', ')}.`,
    '',
  );
  L.push(
    `**Thresholds: ${r.passed ? 'all passed' : 'FAILED'}. Targets: ${r.targetsMet ? 'all met' : 'not all met'}.**`,
    '',
  );

  L.push('## Summary', '');
  L.push('| measure | value |', '|---|---|');
  L.push(
    `| raw store inserts/s (insertOne, ${r.reference.store.concurrency} workers) | ${n(r.reference.storeInsertsPerSecond)} |`,
  );
  L.push(
    `| raw store people/s (insertMany of ${r.reference.store.batchSize}) | ${n(r.reference.storeBatchInsertsPerSecond)} |`,
  );
  L.push(
    `| raw Kafka messages/s (batches of ${r.reference.kafka.batchSize}, acks=all, idempotent) | ${n(r.reference.kafkaMessagesPerSecond)} |`,
  );
  L.push(`| raw Kafka sends/s (one message per send) | ${n(r.reference.kafkaSingleSendsPerSecond)} |`);
  L.push(
    `| platform single registrations/s (best ${singleWindow(r)} s) | ${n(p.singleRegistrationsPerSecond)}${p.singleSaturated ? ' (saturated)' : ' (not saturated: a lower bound)'} |`,
  );
  L.push(
    `| platform batch people/s (best ${batchWindow(r)} s) | ${n(p.batchPeoplePerSecond)}${p.batchSaturated ? ' (saturated)' : ' (not saturated: a lower bound)'} |`,
  );
  L.push(`| single / raw store | ${pct(r.ratio.singleToStore)} |`);
  if (p.capacity) {
    L.push(
      `| platform single registrations/s, closed model (autocannon, ${p.capacity.connections} connections, ${n(p.capacity.seconds, 1)} s) | ${n(p.capacity.registrationsPerSecond)} |`,
    );
    L.push(`| closed model / raw store (same number of workers) | ${pct(r.ratio.capacityToStore ?? 0)} |`);
  }
  L.push(`| batch / single | ${n(r.ratio.batchToSingle, 2)} × |`);
  L.push(`| batch / raw store insertMany | ${pct(r.ratio.batchToStoreBatch)} |`);
  L.push(`| single registration latency p50 / p95 / p99 / max (ms) | ${dist(p.latencyMs)} |`);
  L.push(`| batch latency p50 / p95 / p99 / max (ms) | ${dist(p.batchLatencyMs)} |`);
  L.push(`| read latency p50 / p95 / p99 / max (ms) | ${dist(p.readLatencyMs)} |`);
  L.push(`| requests sent / failed | ${n(p.requests)} / ${n(p.errors)} (${pct(p.errorRate)}) |`);
  L.push(`| arrivals dropped (platform did not keep up) | ${n(p.dropped)} (${pct(p.droppedRate)}) |`);
  L.push(
    `| arrivals sent late (over ${r.run.lateAfterMs} ms after their time: the generator lagged) | ${n(p.late)} (${pct(p.lateRate)}) |`,
  );
  L.push(`| propagation p50 / p95 / p99 / max (ms) | ${dist(r.propagationMs)} |`);
  L.push(
    `| accepted / stored / published / lost | ${n(r.accepted)} / ${n(r.stored)} / ${n(r.published)} / ${n(r.lost)} |`,
  );
  L.push('');

  L.push('## Targets (issue 7)', '');
  L.push('| target | actual | limit | result |', '|---|---|---|---|');
  for (const t of r.targets)
    L.push(`| ${t.name} | ${n(t.actual, 3)} | ${t.op} ${n(t.limit, 3)} | ${mark(t.pass)} |`);
  L.push('');
  L.push('## Thresholds (decide the exit code)', '');
  L.push('| threshold | metric | actual | limit | result |', '|---|---|---|---|---|');
  for (const t of r.thresholds) {
    L.push(
      `| ${t.name} | \`${t.metric}\` | ${n(t.actual, 4)} | ${t.op} ${n(t.limit, 4)} | ${mark(t.pass)} |`,
    );
  }
  L.push('');

  L.push('## Physical reference', '');
  const s = r.reference.store;
  L.push(
    `Raw \`insertOne\` of copies of a registered resident's document (${n(s.documentBytes)} bytes BSON, fresh \`_id\`, \`idHash\`, \`idCipher\`) ` +
      `into a scratch database (\`${s.scratchDatabase}\`, dropped afterwards) whose collection has the live collection's indexes ` +
      `(${s.indexes.join(', ') || 'none'}), by ${s.concurrency} workers for ${s.seconds} s: **${n(s.insertsPerSecond)}/s**, ` +
      `latency p50 / p95 / p99 ${n(s.latencyMs.p50, 1)} / ${n(s.latencyMs.p95, 1)} / ${n(s.latencyMs.p99, 1)} ms. ` +
      `\`insertMany\` of ${s.batchSize} by ${s.batchConcurrency} workers: **${n(s.batchInsertsPerSecond)} people/s**.`,
    '',
  );
  const k = r.reference.kafka;
  L.push(
    `Raw produce into a scratch topic (\`${k.scratchTopic}\`, ${k.partitions} partitions, deleted afterwards), kafkajs idempotent producer, ` +
      `acks=all, one request in flight, ${n(k.messageBytes)}-byte ResidentRegistered envelopes: **${n(k.messagesPerSecond)} messages/s** ` +
      `in batches of ${k.batchSize}; one message per send: **${n(k.singleSendsPerSecond)}/s** ` +
      `(send latency p50 / p99 ${n(k.sendLatencyMs.p50, 1)} / ${n(k.sendLatencyMs.p99, 1)} ms).`,
    '',
  );

  if (p.capacity) {
    const c = p.capacity;
    L.push('## Capacity (closed model, autocannon)', '');
    L.push(
      `${c.tool}: ${c.connections} connections, each registering one new person after another for ${n(c.seconds, 1)} s, ` +
        `like the raw store reference's ${r.reference.store.concurrency} workers: **${n(c.registrationsPerSecond)} registrations/s** ` +
        `(${pct(r.ratio.capacityToStore ?? 0)} of the raw insert rate), ${n(c.created)} created of ${n(c.requests)} answered, ` +
        `${n(c.failed)} failed${
          c.failed > 0
            ? ` (${Object.entries(c.errorsByKind)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')})`
            : ''
        }; ` +
        `latency p50 / p95 / p99 / max ${dist(c.latencyMs)} ms.`,
      '',
    );
  }

  L.push('## Platform, phase by phase', '');
  for (const ph of p.phases) {
    L.push(
      `### ${ph.name} (${ph.kind}${ph.kind === 'batch' ? `, ${ph.batchSize} people a request` : ''}, at most ${ph.maxInFlight} in flight)`,
      '',
    );
    L.push(
      `${n(ph.people)} people in ${n(ph.seconds, 1)} s; best ${ph.rateWindowSeconds} s: **${n(ph.peakPeoplePerSecond)} people/s**, ` +
        `mean ${n(ph.meanPeoplePerSecond)}/s; offered up to ${n(ph.maxOfferedPeoplePerSecond)}/s; ` +
        `${ph.saturated ? 'saturated: the platform did not take all that was offered' : 'not saturated: it took all that was offered'}.`,
      '',
    );
    L.push(
      '| stage | s | offered people/s | requests offered | sent | dropped | late | failed | achieved people/s | p50 / p95 / p99 / max ms | reads sent / dropped / failed | read p99 ms |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const st of ph.stages) {
      L.push(
        `| ${st.name} | ${n(st.seconds, 1)} | ${n(st.offeredPeoplePerSecond.from)} → ${n(st.offeredPeoplePerSecond.to)} | ${n(st.offered)} | ${n(st.sent)} | ${n(st.dropped)} | ${n(st.late)} | ${n(st.errors)} | ${n(st.achievedPeoplePerSecond)} | ${dist(st.latencyMs)} | ${n(st.reads.sent)} / ${n(st.reads.dropped)} / ${n(st.reads.errors)} | ${n(st.reads.latencyMs.p99, 1)} |`,
      );
    }
    L.push('');
    L.push('| operation | requests | ok | failed | p50 / p95 / p99 / max ms |', '|---|---|---|---|---|');
    for (const [op, o] of Object.entries(ph.operations)) {
      L.push(`| ${op} | ${n(o.requests)} | ${n(o.ok)} | ${n(o.errors)} | ${dist(o.latencyMs)} |`);
    }
    L.push('');
  }
  if (Object.keys(p.errorsByKind).length > 0) {
    L.push('Failures by kind:', '');
    for (const [kind, count] of Object.entries(p.errorsByKind)) L.push(`- ${kind}: ${n(count)}`);
    L.push('');
  }
  if (Object.keys(p.batchRowsRejected).length > 0) {
    L.push(
      `Batch rows not created: ${Object.entries(p.batchRowsRejected)
        .map(([k2, v]) => `${k2} ${v}`)
        .join(', ')}.`,
      '',
    );
  }

  L.push('## Propagation', '');
  L.push(
    `From the HTTP answer to a Kafka consumer (own group on \`${r.run.target.topic}\`, started at the topic's end before the run): ` +
      `p50 / p95 / p99 / max **${dist(r.propagationMs)} ms** over ${n(r.propagationMs.count)} events. ` +
      `Basis: ${r.propagationMs.basis}; ${n(r.propagationMs.eventsBeforeAnswer)} events arrived before the client had read its answer (negative delays). ` +
      `From the envelope's occurredAt instead: ${dist(r.propagationFromOccurredAtMs)} ms.`,
    '',
  );

  const groups = [...new Set([...Object.keys(r.consumerLag.before), ...Object.keys(r.consumerLag.after)])];
  if (groups.length > 0) {
    L.push(
      `The platform's own consumers of the topic, events behind: ${groups
        .map(
          (g) =>
            `${g} ${n(r.consumerLag.before[g])} before the run, ${n(r.consumerLag.after[g])} after the drain`,
        )
        .join('; ')}.`,
      '',
    );
  }

  L.push('## Nothing lost?', '');
  const a = r.accounting;
  L.push('| | people |', '|---|---|');
  L.push(`| accepted (201 + batch rows created) | ${n(r.accepted)} |`);
  L.push(
    `| stored (this run's clients' documents in the store) | ${n(r.stored)} (of the accepted: ${n(a.acceptedStored)}) |`,
  );
  L.push(
    `| published (distinct ResidentRegistered of this run's clients) | ${n(r.published)} (of the accepted: ${n(a.acceptedPublished)}) |`,
  );
  L.push(`| lost = accepted − min(accepted stored, accepted published) | **${n(r.lost)}** |`);
  L.push(`| stored but never answered with success (e.g. timed out) | ${n(a.storedNotAccepted)} |`);
  L.push(
    `| second deliveries: republished by the relay (same event id, another offset) / redelivered to the watcher / a second event id | ${n(a.duplicateEvents.republished)} / ${n(a.duplicateEvents.redelivered)} / ${n(a.duplicateEvents.distinctEvents)} |`,
  );
  L.push('');
  if (!a.drained) L.push(`The drain timed out: not every accepted person's event had arrived.`, '');
  if (a.missingFromStore.length)
    L.push(`Missing from the store (first): ${a.missingFromStore.join(', ')}`, '');
  if (a.missingFromTopic.length)
    L.push(`Missing from the topic (first): ${a.missingFromTopic.join(', ')}`, '');

  L.push('## Resources', '');
  if (!r.resources.available) L.push('Not sampled: /proc is not available here.', '');
  else {
    const groups = Object.keys(r.resources.found);
    L.push(
      `Sampled from /proc every ${r.resources.sampleIntervalMs} ms. CPU in percent of one core (the machine has ${r.run.machine.cpus}); mean / max. ` +
        "Memory counts shared pages once (each process's private memory plus the group's largest shared part: PostgreSQL's backends all map its buffers); summed RSS is in the JSON. " +
        `Processes found at the end: ${groups.map((g) => `${g} ${r.resources.found[g]}`).join(', ')}.`,
      '',
    );
    L.push(
      `| window | machine busy | other processes CPU % | ${groups.map((g) => `${g} CPU %`).join(' | ')} | ${groups.map((g) => `${g} memory MB`).join(' | ')} |`,
    );
    L.push(`|---|---|---|${groups.map(() => '---').join('|')}|${groups.map(() => '---').join('|')}|`);
    for (const w of r.resources.windows) {
      L.push(
        `| ${w.name} | ${n(w.machineBusyPercentMean, 1)} % | ${n(w.otherCpuPercentMean, 1)} | ${groups
          .map((g) => `${n(w.groups[g]?.cpuPercentMean, 1)} / ${n(w.groups[g]?.cpuPercentMax, 1)}`)
          .join(
            ' | ',
          )} | ${groups.map((g) => `${n(w.groups[g]?.memoryMbMean)} / ${n(w.groups[g]?.memoryMbMax)}`).join(' | ')} |`,
      );
    }
    L.push('');
  }

  L.push('## How to read this', '');
  L.push(
    '- The load is an open model: each stage fixes the arrivals per second; an arrival that finds its stream at its in-flight limit is *dropped* (the platform did not keep up), one sent more than the late limit after its time is *late* (the load generator lagged).',
    '- Rates are the best sliding window of completed people per second within the phase; *saturated* means the platform did not take the offered rate, so the rate is its capacity at that concurrency; otherwise it is a lower bound.',
    '- The load generator runs on the same machine as the platform; its own CPU is in the resources table, and so is the CPU of every other process on the machine (other work running meanwhile makes the figures lower than the platform can do).',
    '',
  );
  return `${L.join('\n')}\n`;
}

function singleWindow(r: LoadReport): string {
  return String(r.platform.phases.find((p) => p.kind === 'single')?.rateWindowSeconds ?? '–');
}
function batchWindow(r: LoadReport): string {
  return String(r.platform.phases.find((p) => p.kind === 'batch')?.rateWindowSeconds ?? '–');
}

/** Writes `<dir>/<timestamp>-<scenario>.json` and `.md`; returns both paths. */
export function writeReport(report: LoadReport, dir: string): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = report.run.startedAt.replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
  const base = join(
    dir,
    `${stamp}-${report.run.scenario}${report.run.smoke && !report.run.scenario.includes('smoke') ? '-smoke' : ''}`,
  );
  const json = `${base}.json`;
  const markdown = `${base}.md`;
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, renderMarkdown(report));
  return { json, markdown };
}
