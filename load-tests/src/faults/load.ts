import { createSeededRandom, maskNationalId } from '@employment/identifiers';
import type { City, District, Registration } from '../city.ts';
import { epochNow, HttpClient, type HttpResult } from '../http-client.ts';
import { type Attempt, classify, retryWaitMs, type SentPerson } from './accounting.ts';

/** A district system of one round: its own client id and token, scoped to its district. */
export interface DistrictClient {
  clientId: string;
  district: District;
  token: string;
  /** The communities it registers people into (the round's street of its district). */
  communities: readonly string[];
}

export interface LoadOptions {
  round: number;
  runId: string;
  clients: readonly DistrictClient[];
  /** The residents replicas' ports: each attempt goes to the next one, as a Service spreads them. */
  ports: readonly number[];
  city: City;
  /** People drawn for each client before the load starts, in client order (see the class). */
  peoplePerClient: number;
  seed: number;
  /** Pause between two requests of one client. */
  thinkMs: number;
  /** Share of requests that are batches, and their sizes. */
  batchShare: number;
  batchSizes: readonly [number, number];
  /** Deadline of one attempt, and of one request with all its retries. */
  attemptTimeoutMs: number;
  retryDeadlineMs: number;
  /** Called with every answer, as it comes. */
  onAttempt: (attempt: Attempt) => void;
}

interface Sent {
  request: string;
  key: string;
  op: 'single' | 'batch';
  people: Registration[];
  answers: SentPerson['answer'][];
  ids: (string | undefined)[];
}

const JOB_SEEKING = ['unemployed', 'laid-off', 'flexibly-employed'] as const;

/** How the store finds a person again: masked ID number, name, phone (unique among synthetic people). */
export const personMatch = (p: { idMasked: string; fullName: string; phone?: string | null }): string =>
  `${p.idMasked}|${p.fullName}|${p.phone ?? ''}`;

/**
 * Registration load of one round: each district client registers one person, or a batch, at a
 * time, pausing between requests, and retries what a district system retries (timeouts, refused
 * connections, 409 in progress, 429, 5xx) with the same Idempotency-Key and body, after the
 * answer's Retry-After or a backoff, until it has an answer or the request's deadline passes.
 * People come from the run's seeded city, drawn for each client in turn before the load starts,
 * so a client always sends the same people in the same requests; only the timing varies (a client
 * that uses up its share draws more from the city as it goes).
 */
export class RegistrationLoad {
  private readonly options: LoadOptions;
  private readonly http: HttpClient[];
  private readonly sent: Sent[] = [];
  private readonly loops: Promise<void>[] = [];
  private stopping = false;
  private nextPort = 0;
  /** Replicas that refused a connection lately, until when: the Service's endpoints without them. */
  private readonly refusedUntil: number[];
  /** Per request: when its first attempt went out and when its last answer came. */
  private readonly spans: Array<{ first: number; last: number; attempts: number }> = [];
  private readonly drawn: Registration[][];

  constructor(options: LoadOptions) {
    this.options = options;
    this.refusedUntil = options.ports.map(() => 0);
    this.drawn = options.clients.map((client) =>
      Array.from({ length: options.peoplePerClient }, () => options.city.person(client.district)),
    );
    this.http = options.ports.map(
      (port) =>
        new HttpClient(`http://127.0.0.1:${port}`, {
          maxSockets: options.clients.length + 2,
          timeoutMs: options.attemptTimeoutMs,
        }),
    );
  }

  start(): void {
    this.options.clients.forEach((client, index) => {
      this.loops.push(this.clientLoop(client, index));
    });
  }

  /** Stops sending new requests; resolves once every request sent has its last answer. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    for (const h of this.http) h.close();
  }

  get requests(): number {
    return this.sent.length;
  }

  /** How long requests waited for their last answer, retries included (ms), and how many retried. */
  waits(): { retried: number; p50: number; p99: number; max: number } {
    const waits = this.spans.map((s) => s.last - s.first).sort((a, b) => a - b);
    const at = (q: number) =>
      waits.length ? Math.round(waits[Math.min(waits.length - 1, Math.floor(q * waits.length))]!) : 0;
    return {
      retried: this.spans.filter((s) => s.attempts > 1).length,
      p50: at(0.5),
      p99: at(0.99),
      max: waits.length ? Math.round(waits.at(-1)!) : 0,
    };
  }

  /**
   * The replica for the next attempt, in turn, as a Kubernetes Service spreads connections. A
   * replica that refused a connection is left out for a second, as the Service drops a pod whose
   * container died from its endpoints; when every replica refused, they are tried in turn.
   */
  private pickPort(): number {
    const now = epochNow();
    for (let i = 0; i < this.http.length; i++) {
      const index = this.nextPort++ % this.http.length;
      if (this.refusedUntil[index]! <= now) return index;
    }
    return this.nextPort++ % this.http.length;
  }

  /** Every person sent, with what the last answer said of them. */
  people(): SentPerson[] {
    return this.sent.flatMap((s) =>
      s.people.map((p, i) => ({
        match: personMatch({
          idMasked: maskNationalId(p.nationalId),
          fullName: p.fullName,
          phone: p.phone ?? null,
        }),
        communityCode: p.communityCode,
        request: s.request,
        answer: s.answers[i]!,
        ...(s.ids[i] ? { answeredId: s.ids[i] } : {}),
      })),
    );
  }

  private async clientLoop(client: DistrictClient, index: number): Promise<void> {
    const o = this.options;
    // The client's own stream of choices (single or batch, and the batch's size).
    const random = createSeededRandom(o.seed * 1_000 + o.round * 100 + index);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    for (let seq = 1; !this.stopping; seq++) {
      const batch = random() < o.batchShare;
      const size = batch
        ? o.batchSizes[0] + Math.floor(random() * (o.batchSizes[1] - o.batchSizes[0] + 1))
        : 1;
      const drawn = this.drawn[index]!;
      const people = Array.from({ length: size }, () => ({
        ...(drawn.shift() ?? o.city.person(client.district)),
        communityCode: pick(client.communities),
        // Everyone is looking for work, so every candidate in jobs is eligible for any vacancy
        // and the match list of one vacancy shows a replica's whole pool.
        employmentStatus: pick(JOB_SEEKING),
      }));
      const request = `r${o.round}-c${index + 1}-${seq}`;
      const sent: Sent = {
        request,
        key: `chaos-${o.runId}-${request}`,
        op: batch ? 'batch' : 'single',
        people,
        answers: people.map(() => 'unanswered'),
        ids: people.map(() => undefined),
      };
      this.sent.push(sent);
      await this.send(client, sent);
      if (!this.stopping) await sleep(o.thinkMs);
    }
  }

  /** One request and its retries, until an answer that is not "try again" or the deadline. */
  private async send(client: DistrictClient, sent: Sent): Promise<void> {
    const o = this.options;
    const path = sent.op === 'batch' ? '/v1/residents/batch' : '/v1/residents';
    const body = sent.op === 'batch' ? { residents: sent.people } : sent.people[0];
    const first = epochNow();
    const deadline = first + o.retryDeadlineMs;
    const span = { first, last: first, attempts: 0 };
    this.spans.push(span);
    for (let attempt = 1; ; attempt++) {
      const portIndex = this.pickPort();
      const sentAt = epochNow();
      const res = await this.http[portIndex]!.request('POST', path, client.token, body, {
        'idempotency-key': sent.key,
      });
      const { kind, problem } = classify(res);
      const retryAfter = header(res, 'retry-after');
      const record: Attempt = {
        round: o.round,
        client: client.clientId,
        request: sent.request,
        key: sent.key,
        attempt,
        op: sent.op,
        people: sent.people.length,
        port: o.ports[portIndex]!,
        sentAt,
        answeredAt: res.receivedAt,
        status: res.status,
        kind,
        ...(res.error ? { error: res.error } : {}),
        ...(problem ? { problem } : {}),
        ...(retryAfter ? { retryAfter } : {}),
        ...(header(res, 'idempotency-replayed') === 'true' ? { replayed: true } : {}),
        ...(header(res, 'x-request-id') ? { requestId: header(res, 'x-request-id') } : {}),
      };
      this.read(sent, res, kind, record);
      o.onAttempt(record);
      span.last = res.receivedAt;
      span.attempts = attempt;
      let wait = retryWaitMs(kind, retryAfter, attempt);
      if (wait === undefined) return;
      if (kind === 'connection') {
        this.refusedUntil[portIndex] = epochNow() + 1_000;
        // Another replica may take it now, as the Service sends the retry to a live pod.
        if (this.refusedUntil.some((until) => until <= epochNow())) wait = 0;
      }
      if (epochNow() + wait > deadline) return; // abandoned: the people stay 'unanswered'
      await sleep(wait);
    }
  }

  /** What an answer says of each person of the request. */
  private read(sent: Sent, res: HttpResult, kind: Attempt['kind'], record: Attempt): void {
    const body = parse(res.body);
    if (kind === 'created') {
      const id = typeof body?.id === 'string' ? body.id : undefined;
      sent.answers[0] = 'created';
      sent.ids[0] = id;
      if (id) record.residentId = id;
    } else if (kind === 'duplicate') {
      // A single registration answered "already registered", with the record's id when it is in
      // the caller's area: our people are new, so it is what an earlier attempt of ours stored.
      const id = typeof body?.residentId === 'string' ? body.residentId : undefined;
      sent.answers[0] = 'duplicate';
      sent.ids[0] = id;
      if (id) record.residentId = id;
    } else if (kind === 'batch') {
      const rows = Array.isArray(body?.results) ? (body.results as Array<Record<string, unknown>>) : [];
      record.rows = [];
      for (const row of rows) {
        const index = typeof row.index === 'number' ? row.index : -1;
        const status = String(row.status);
        const id = typeof row.residentId === 'string' ? row.residentId : undefined;
        record.rows.push({ status, ...(id ? { residentId: id } : {}) });
        if (index < 0 || index >= sent.people.length) continue;
        sent.answers[index] =
          status === 'created' ? 'created' : status === 'duplicate' ? 'duplicate' : 'invalid';
        sent.ids[index] = id;
      }
    } else if (kind === 'rejected') {
      sent.answers = sent.answers.map(() => 'rejected');
    }
  }
}

function header(res: HttpResult, name: string): string | undefined {
  const value = res.headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
