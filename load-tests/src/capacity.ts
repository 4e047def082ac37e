import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import { epochNow } from './http-client.ts';
import { type Distribution, distribution } from './stats.ts';

/**
 * The closed-model measurement, with autocannon: `connections` clients register one person after
 * another, each sending the next request when the previous answer is in, for `seconds`. It is the
 * platform's counterpart of the raw store reference (the same number of workers inserting one
 * document after another), so their ratio compares like with like; the open-model phases measure
 * latency and drops under an offered rate instead, which autocannon's per-connection quotas cannot
 * express (a slow platform would silently be offered less).
 */
export interface CapacityResult {
  tool: string;
  connections: number;
  seconds: number;
  /** Requests answered (any status) and registrations created (201). */
  requests: number;
  created: number;
  failed: number;
  errorsByKind: Record<string, number>;
  /** Created registrations per second over the whole measurement. */
  registrationsPerSecond: number;
  /** Successful registrations, from sending to the whole answer read (autocannon's timing). */
  latencyMs: Distribution;
}

export interface CapacityRequest {
  token: string;
  body: unknown;
  /** Passed back to `onCreated` with the new resident's id. */
  tag: string;
}

/** Requests per connection in one autocannon round. */
const PER_CONNECTION = 25;

/**
 * Rounds of autocannon runs of a fixed number of requests, until `seconds` have passed. A round
 * with an `amount` ends when every answer is in; a run with a `duration` would drop the requests
 * in flight when time is up, leaving people the platform stored but nobody heard about. The rate
 * counts the whole time, the ends of the rounds included (a slight underestimate).
 */
export async function runCapacity(options: {
  baseUrl: string;
  connections: number;
  seconds: number;
  timeoutMs: number;
  next: () => CapacityRequest;
  onCreated: (residentId: string, receivedAt: number, tag: string) => void;
}): Promise<CapacityResult> {
  const latencies: number[] = [];
  const errorsByKind: Record<string, number> = {};
  const fail = (kind: string, count = 1) => {
    if (count > 0) errorsByKind[kind] = (errorsByKind[kind] ?? 0) + count;
  };
  const counts = { created: 0, requests: 0 };
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  while (performance.now() < deadline) {
    const result = await round(options, latencies, counts, fail);
    fail('timeout', result.timeouts);
    fail('connection', result.errors - result.timeouts);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    tool: `autocannon ${autocannonVersion()}`,
    connections: options.connections,
    seconds: Math.round(seconds * 100) / 100,
    requests: counts.requests,
    created: counts.created,
    failed: Object.values(errorsByKind).reduce((a, b) => a + b, 0),
    errorsByKind,
    registrationsPerSecond: Math.round((counts.created / seconds) * 10) / 10,
    latencyMs: distribution(latencies),
  };
}

function round(
  options: Parameters<typeof runCapacity>[0],
  latencies: number[],
  counts: { created: number; requests: number },
  fail: (kind: string, count?: number) => void,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.connections,
        pipelining: 1,
        amount: options.connections * PER_CONNECTION,
        timeout: Math.max(1, Math.ceil(options.timeoutMs / 1000)),
        requests: [
          {
            method: 'POST',
            path: '/v1/residents',
            // A new person for every request; the connection's context remembers whose it is.
            setupRequest: (request, context) => {
              const next = options.next();
              (context as { tag?: string }).tag = next.tag;
              return {
                ...request,
                headers: {
                  authorization: `Bearer ${next.token}`,
                  'content-type': 'application/json',
                  accept: 'application/json',
                },
                body: JSON.stringify(next.body),
              };
            },
            onResponse: (status, body, context) => {
              if (status !== 201) return;
              try {
                const id = (JSON.parse(body) as { id?: string }).id;
                if (id) options.onCreated(id, epochNow(), (context as { tag?: string }).tag ?? '');
              } catch {
                fail('unreadable-201');
              }
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      counts.requests++;
      if (statusCode === 201) {
        counts.created++;
        latencies.push(responseTime);
      } else fail(`http-${statusCode}`);
    });
  });
}

function autocannonVersion(): string {
  try {
    return (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
  } catch {
    return '';
  }
}
