/**
 * The open-model driver: arrivals come on a clock that the scenario fixes (a constant rate or a
 * linear ramp per stage), not when earlier responses return. Each arrival is sent at once unless
 * its stream already has `maxInFlight` requests outstanding: then it is dropped and counted, the
 * measure of a platform that does not keep up. An arrival sent more than `lateAfterMs` after its
 * scheduled time counts as late: the load generator itself lagged (its event loop was busy).
 */

export interface Outcome {
  op: string;
  ok: boolean;
  /** HTTP status; 0 when no response came. */
  status: number;
  /** Why the request failed, e.g. `http-500`, `timeout`, `rows-not-created`. */
  error?: string;
  /** People registered by this request. */
  people: number;
}

export interface StreamSpec {
  name: string;
  maxInFlight: number;
  /** Requests per second at the start and the end of each stage (one entry per stage). */
  rates: ReadonlyArray<{ from: number; to: number }>;
  /** Sends one request; must not throw. */
  issue: (stage: number) => Promise<Outcome>;
}

export interface RequestRecord extends Outcome {
  stream: string;
  stage: number;
  /** Milliseconds from the phase start. */
  scheduled: number;
  sent: number;
  done: number;
}

export interface DropRecord {
  stream: string;
  stage: number;
  scheduled: number;
}

export interface OpenModelResult {
  /** Epoch milliseconds of the phase start (the zero of every record's times). */
  startedAt: number;
  /** Milliseconds from the phase start until the last response. */
  endedAfter: number;
  stageStarts: number[];
  records: RequestRecord[];
  drops: DropRecord[];
  /** Arrivals offered per stream and stage (sent + dropped). */
  offered: Record<string, number[]>;
  lateAfterMs: number;
}

export interface Progress {
  second: number;
  stage: string;
  offeredPerSecond: Record<string, number>;
  completed: number;
  inFlight: Record<string, number>;
  dropped: number;
}

/** When arrival `k` (0-based) of a stream is due, in ms from the phase start. */
export function arrivalSchedule(
  stages: ReadonlyArray<{ seconds: number }>,
  rates: ReadonlyArray<{ from: number; to: number }>,
): { total: number; timeOf: (k: number) => { at: number; stage: number } } {
  const starts: number[] = [];
  const cumulative: number[] = [];
  let t = 0;
  let c = 0;
  stages.forEach((stage, i) => {
    starts.push(t);
    cumulative.push(c);
    const { from, to } = rates[i] ?? { from: 0, to: 0 };
    c += ((Math.max(0, from) + Math.max(0, to)) / 2) * stage.seconds;
    t += stage.seconds * 1000;
  });
  // Arrival k is due once k people-requests have accumulated: k = 0 .. ceil(c) - 1.
  const total = c > 0 ? Math.ceil(c - 1e-9) : 0;
  let hint = 0;
  const timeOf = (k: number) => {
    let i = k >= (cumulative[hint] ?? 0) ? hint : 0;
    while (i + 1 < stages.length && k >= cumulative[i + 1]!) i++;
    hint = i;
    const a = Math.max(0, rates[i]?.from ?? 0);
    const b = Math.max(0, rates[i]?.to ?? 0);
    const seconds = stages[i]!.seconds;
    const n = k - cumulative[i]!;
    let tau: number;
    if (Math.abs(b - a) < 1e-9) tau = a > 0 ? n / a : 0;
    else {
      const slope = (b - a) / seconds;
      tau = (-a + Math.sqrt(Math.max(0, a * a + 2 * slope * n))) / slope;
    }
    return { at: starts[i]! + Math.min(seconds, Math.max(0, tau)) * 1000, stage: i };
  };
  return { total, timeOf };
}

export async function runOpenModel(options: {
  stages: ReadonlyArray<{ name: string; seconds: number }>;
  streams: StreamSpec[];
  lateAfterMs: number;
  tickMs?: number;
  onProgress?: (progress: Progress) => void;
}): Promise<OpenModelResult> {
  const { stages, streams, lateAfterMs } = options;
  const tickMs = options.tickMs ?? 4;
  const schedules = streams.map((s) => arrivalSchedule(stages, s.rates));
  const next = streams.map(() => 0);
  const inFlight = streams.map(() => 0);
  const offered: Record<string, number[]> = Object.fromEntries(
    streams.map((s) => [s.name, stages.map(() => 0)]),
  );
  const records: RequestRecord[] = [];
  const drops: DropRecord[] = [];
  const pending = new Set<Promise<void>>();
  const stageStarts: number[] = [];
  let acc = 0;
  for (const s of stages) {
    stageStarts.push(acc);
    acc += s.seconds * 1000;
  }
  const phaseEnd = acc;

  const startedAt = performance.timeOrigin + performance.now();
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  let lastProgress = 0;
  let completedSinceProgress = 0;
  let droppedSinceProgress = 0;
  const offeredSinceProgress = streams.map(() => 0);

  const dispatch = (s: number, at: number, stage: number) => {
    const spec = streams[s]!;
    offered[spec.name]![stage]!++;
    offeredSinceProgress[s]!++;
    if (inFlight[s]! >= spec.maxInFlight) {
      drops.push({ stream: spec.name, stage, scheduled: at });
      droppedSinceProgress++;
      return;
    }
    inFlight[s]!++;
    const sent = clock();
    const p = spec
      .issue(stage)
      .catch(
        (err: unknown): Outcome => ({
          op: spec.name,
          ok: false,
          status: 0,
          error: `exception: ${String(err)}`,
          people: 0,
        }),
      )
      .then((outcome) => {
        records.push({ ...outcome, stream: spec.name, stage, scheduled: at, sent, done: clock() });
        inFlight[s]!--;
        completedSinceProgress++;
        pending.delete(p);
      });
    pending.add(p);
  };

  for (;;) {
    const now = clock();
    let remaining = false;
    for (let s = 0; s < streams.length; s++) {
      const schedule = schedules[s]!;
      while (next[s]! < schedule.total) {
        const { at, stage } = schedule.timeOf(next[s]!);
        if (at > now) break;
        next[s]!++;
        dispatch(s, at, stage);
      }
      if (next[s]! < schedule.total) remaining = true;
    }
    if (options.onProgress && now - lastProgress >= 1000) {
      const elapsed = (now - lastProgress) / 1000;
      let stageIndex = stageStarts.findLastIndex((start) => start <= now);
      if (stageIndex < 0) stageIndex = 0;
      options.onProgress({
        second: Math.round(now / 1000),
        stage: stages[stageIndex]?.name ?? '',
        offeredPerSecond: Object.fromEntries(
          streams.map((spec, s) => [spec.name, Math.round(offeredSinceProgress[s]! / elapsed)]),
        ),
        completed: Math.round(completedSinceProgress / elapsed),
        inFlight: Object.fromEntries(streams.map((spec, s) => [spec.name, inFlight[s]!])),
        dropped: droppedSinceProgress,
      });
      lastProgress = now;
      completedSinceProgress = 0;
      droppedSinceProgress = 0;
      offeredSinceProgress.fill(0);
    }
    if (!remaining && now >= phaseEnd) break;
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
  while (pending.size > 0) await Promise.all([...pending]);
  return { startedAt, endedAfter: clock(), stageStarts, records, drops, offered, lateAfterMs };
}
