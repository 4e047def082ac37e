import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one service process, served at /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly problems: Counter<'problem' | 'status'>;
  readonly rateLimited: Counter<'scope'>;
  readonly rateLimitUnavailable: Counter<'scope'>;
  readonly outboxPublished: Counter<'topic'>;
  readonly outboxDiscarded: Counter<'reason'>;
  readonly outboxPending: Gauge;
  readonly outboxLag: Histogram;
  readonly consumed: Counter<'topic' | 'type' | 'result'>;
  readonly consumeDuration: Histogram<'topic'>;
  readonly consumedRuns: Histogram<'topic' | 'type' | 'result'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.problems = new Counter({
      name: 'http_problems_total',
      help: 'Problem responses by type',
      labelNames: ['problem', 'status'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'rate_limit_refused_total',
      help: 'Requests refused with 429, by budget: address (before authentication) or client',
      labelNames: ['scope'],
      registers,
    });
    this.rateLimitUnavailable = new Counter({
      name: 'rate_limit_unavailable_total',
      help: 'Requests let through unchecked because Redis did not answer the rate limiter (fail open)',
      labelNames: ['scope'],
      registers,
    });
    this.outboxPublished = new Counter({
      name: 'outbox_events_published_total',
      help: 'Events published from the outbox',
      labelNames: ['topic'],
      registers,
    });
    this.outboxDiscarded = new Counter({
      name: 'outbox_changes_discarded_total',
      help: 'Staged changes dropped because their state change was refused on replay',
      labelNames: ['reason'],
      registers,
    });
    this.outboxPending = new Gauge({
      name: 'outbox_pending_events',
      help: 'Events written but not yet acknowledged by Kafka (this process)',
      registers,
    });
    this.outboxLag = new Histogram({
      name: 'outbox_publish_lag_seconds',
      help: 'Time from the state change to the Kafka acknowledgement',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers,
    });
    this.consumedRuns = new Histogram({
      name: 'consumer_batch_run_events',
      help: 'Events per run given to a batch handler, by result: applied, or retried one by one',
      labelNames: ['topic', 'type', 'result'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    });
    this.consumed = new Counter({
      name: 'consumer_messages_total',
      help: 'Messages handled by result: applied, duplicate, dead-lettered, ignored',
      labelNames: ['topic', 'type', 'result'],
      registers,
    });
    this.consumeDuration = new Histogram({
      name: 'consumer_handle_duration_seconds',
      help: 'Time to handle one message, retries included',
      labelNames: ['topic'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
  }
}
