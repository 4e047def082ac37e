export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

const round = (n: number, digits = 1) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Percentiles by the nearest-rank method; zeros when there is nothing to measure. */
export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: round(rank(0.5)),
    p95: round(rank(0.95)),
    p99: round(rank(0.99)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(sum / sorted.length),
  };
}

/**
 * The best rate sustained over `windowMs`: the largest weight of events whose times fall inside
 * any window of that width, divided by its length in seconds. `events` are [timeMs, weight]; the
 * caller keeps the window within the measured span.
 */
export function bestWindowRate(events: ReadonlyArray<readonly [number, number]>, windowMs: number): number {
  if (events.length === 0 || windowMs <= 0) return 0;
  const sorted = [...events].sort((a, b) => a[0] - b[0]);
  let best = 0;
  let sum = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    sum += sorted[end]![1];
    while (sorted[end]![0] - sorted[start]![0] > windowMs) {
      sum -= sorted[start]![1];
      start++;
    }
    if (sum > best) best = sum;
  }
  return round((best / windowMs) * 1000);
}

export function rate(count: number, ms: number): number {
  return ms > 0 ? round((count / ms) * 1000) : 0;
}

export function ratio(a: number, b: number, digits = 3): number {
  return b > 0 ? round(a / b, digits) : 0;
}

export { round };
