import type { HttpResult } from '../http-client.ts';

/**
 * What the fault suite concludes from what callers saw and what the platform holds: pure
 * functions over the attempts log, the store, the topic and the read models.
 */

/** How a district system reads an answer. */
export type AnswerKind =
  | 'created' // 201 of a single registration
  | 'batch' // 200 of a batch (rows say what happened to each person)
  | 'duplicate' // 409: the person is registered (by an earlier attempt of ours, or before the run)
  | 'in-progress' // 409: the first request with this Idempotency-Key has not finished
  | 'unavailable' // 503
  | 'server-error' // 500 and any other 5xx
  | 'rate-limited' // 429
  | 'timeout' // no answer within the client's deadline
  | 'connection' // refused or reset: nothing listens, or the process died mid-answer
  | 'rejected'; // any other 4xx: the request itself is wrong (a bug of the suite or the platform)

/** Answers a district system retries, with the same Idempotency-Key and body. */
const RETRIED: ReadonlySet<AnswerKind> = new Set([
  'in-progress',
  'unavailable',
  'server-error',
  'rate-limited',
  'timeout',
  'connection',
]);

export const isErrorAnswer = (kind: AnswerKind): boolean => RETRIED.has(kind);

export function classify(res: Pick<HttpResult, 'status' | 'body' | 'error'>): {
  kind: AnswerKind;
  problem?: string;
} {
  if (res.status === 0) return { kind: res.error === 'timeout' ? 'timeout' : 'connection' };
  const problem = problemType(res.body);
  const withProblem = <K extends AnswerKind>(kind: K) => (problem ? { kind, problem } : { kind });
  if (res.status === 201) return { kind: 'created' };
  if (res.status === 200) return { kind: 'batch' };
  if (res.status === 409)
    return withProblem(problem === 'idempotency-request-in-progress' ? 'in-progress' : 'duplicate');
  if (res.status === 503) return withProblem('unavailable');
  if (res.status === 429) return withProblem('rate-limited');
  if (res.status >= 500) return withProblem('server-error');
  return withProblem('rejected');
}

function problemType(body: string): string | undefined {
  if (!body.startsWith('{')) return undefined;
  try {
    const type = (JSON.parse(body) as { type?: unknown }).type;
    return typeof type === 'string' ? type.replace(/^urn:employment:problem:/, '') : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After in milliseconds (delay-seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * How long a district system waits before trying again, or undefined when it does not retry: the
 * server's Retry-After when it gave one, else exponential backoff from 250 ms up to 5 s.
 */
export function retryWaitMs(
  kind: AnswerKind,
  retryAfter: string | undefined,
  attempt: number,
): number | undefined {
  if (!RETRIED.has(kind)) return undefined;
  return retryAfterMs(retryAfter) ?? Math.min(5_000, 250 * 2 ** Math.max(0, attempt - 1));
}

/** One answer (or its absence) as the load logged it. */
export interface Attempt {
  round: number;
  client: string;
  /** The request (the same for all its attempts), and the Idempotency-Key it carried. */
  request: string;
  key: string;
  attempt: number;
  op: 'single' | 'batch';
  people: number;
  port: number;
  /** Epoch milliseconds. */
  sentAt: number;
  answeredAt: number;
  status: number;
  kind: AnswerKind;
  error?: string;
  problem?: string;
  retryAfter?: string;
  replayed?: boolean;
  requestId?: string;
  /** The created resident's id (201), or per row of a batch: its status and id. */
  residentId?: string;
  rows?: Array<{ status: string; residentId?: string }>;
}

/** A label per kind of answer, as the table shows them. */
export function answerLabel(a: Pick<Attempt, 'status' | 'kind'>): string {
  if (a.kind === 'timeout' || a.kind === 'connection') return a.kind;
  if (a.kind === 'in-progress') return '409 in-progress';
  if (a.kind === 'duplicate') return '409 duplicate';
  return String(a.status);
}

export interface Timeline {
  /** Epoch milliseconds: load started, part killed, restart begun, restart done, load stopped. */
  loadStartAt: number;
  killAt: number;
  restartAt: number;
  restartDoneAt: number;
  loadEndAt: number;
}

/** An outage as callers saw it. Times are milliseconds since the kill. */
export interface CallerView {
  answers: Record<string, number>;
  /** Per error label: answers with and without a Retry-After header. */
  retryAfter: Record<string, { with: number; without: number }>;
  errorsBeforeKill: number;
  firstErrorMs: number | null;
  lastErrorMs: number | null;
  /** The first success after the last error answer. */
  recoveredMs: number | null;
  /** The same, counted from the start of the restart. */
  recoveredAfterRestartMs: number | null;
  /** Answers 500 (or another 5xx but 503): never acceptable for an outage. */
  serverErrors: number;
  /** Slowest answer of any kind, ms (a hang shows here). */
  slowestMs: number;
}

export function callerView(attempts: readonly Attempt[], t: Timeline): CallerView {
  const answers: Record<string, number> = {};
  const retryAfter: Record<string, { with: number; without: number }> = {};
  let errorsBeforeKill = 0;
  let first: number | null = null;
  let last: number | null = null;
  let serverErrors = 0;
  let slowest = 0;
  for (const a of attempts) {
    const label = answerLabel(a);
    answers[label] = (answers[label] ?? 0) + 1;
    slowest = Math.max(slowest, a.answeredAt - a.sentAt);
    if (a.kind === 'server-error') serverErrors++;
    if (!isErrorAnswer(a.kind)) continue;
    if (a.status > 0) {
      const r = retryAfter[label] ?? { with: 0, without: 0 };
      retryAfter[label] = r;
      if (a.retryAfter) r.with++;
      else r.without++;
    }
    if (a.answeredAt < t.killAt) {
      errorsBeforeKill++;
      continue;
    }
    if (first === null || a.answeredAt < first) first = a.answeredAt;
    if (last === null || a.answeredAt > last) last = a.answeredAt;
  }
  let recovered: number | null = null;
  if (last !== null) {
    for (const a of attempts) {
      if (isErrorAnswer(a.kind) || a.kind === 'rejected' || a.answeredAt <= last) continue;
      if (recovered === null || a.answeredAt < recovered) recovered = a.answeredAt;
    }
  }
  const since = (at: number | null, from: number) => (at === null ? null : Math.round(at - from));
  return {
    answers,
    retryAfter,
    errorsBeforeKill,
    firstErrorMs: since(first, t.killAt),
    lastErrorMs: since(last, t.killAt),
    recoveredMs: since(recovered, t.killAt),
    recoveredAfterRestartMs: recovered === null ? null : Math.round(recovered - t.restartAt),
    serverErrors,
    slowestMs: Math.round(slowest),
  };
}

/** A person as the suite sent it: the fields that find its stored record again. */
export interface SentPerson {
  /** masked ID number, name and phone: unique among the run's synthetic people. */
  match: string;
  communityCode: string;
  request: string;
  /** What the last answer said of this person. */
  answer: 'created' | 'duplicate' | 'invalid' | 'unanswered' | 'rejected';
  /** The resident id the answer gave (created, or the duplicate's id). */
  answeredId?: string;
}

export interface StoredResident {
  id: string;
  match: string;
  communityCode: string;
}

export interface PublishedRegistration {
  residentId: string;
  eventId: string;
  /** `partition:offset` */
  position: string;
}

/** Per street (the round's communities under one street code): the counter and what it should be. */
export interface CounterReading {
  area: string;
  before: number;
  after: number;
}

export interface RoundAccount {
  /** People sent, and what their answers said. */
  sent: number;
  acknowledged: number;
  /** Answered "already registered" with an id: a retry found what its own earlier attempt stored. */
  acknowledgedAsDuplicate: number;
  unanswered: number;
  rejected: number;
  /** People with a stored record, records, and records whose person had no 2xx. */
  stored: number;
  storedRecords: number;
  storedNotAcknowledged: number;
  /** Stored people whose ResidentRegistered is on the topic; distinct event ids; repeats of an id. */
  published: number;
  events: number;
  republished: number;
  /** Stored people with a candidate in jobs; the counters' increase and what it should be. */
  candidates: number;
  counted: number;
  expectedCount: number;
  duplicates: { store: number; events: number; counters: number; total: number };
  lost: { notStored: number; notPublished: number; noCandidate: number; counters: number; total: number };
  /** Effects without a stored record: an event, a candidate. */
  phantoms: { events: number; candidates: number; total: number };
  /** An answer's id that is not the stored record's. */
  idMismatches: number;
  /** A few resident ids (or person matches) of each problem, to start an investigation from. */
  examples: Record<string, string[]>;
}

/** Puts what the callers were told beside what the store, the topic and the read models hold. */
export function accountRound(input: {
  sent: readonly SentPerson[];
  stored: readonly StoredResident[];
  published: readonly PublishedRegistration[];
  candidateIds: ReadonlySet<string>;
  counters: readonly CounterReading[];
}): RoundAccount {
  const examples: Record<string, string[]> = {};
  const note = (what: string, id: string) => {
    const list = examples[what] ?? [];
    examples[what] = list;
    if (list.length < 5) list.push(id);
  };
  const storedByMatch = new Map<string, StoredResident[]>();
  for (const s of input.stored) storedByMatch.set(s.match, [...(storedByMatch.get(s.match) ?? []), s]);
  const storedIds = new Set(input.stored.map((s) => s.id));
  const eventsBySubject = new Map<string, Map<string, number>>();
  for (const e of input.published) {
    const ids = eventsBySubject.get(e.residentId) ?? new Map<string, number>();
    ids.set(e.eventId, (ids.get(e.eventId) ?? 0) + 1);
    eventsBySubject.set(e.residentId, ids);
  }

  let acknowledged = 0;
  let acknowledgedAsDuplicate = 0;
  let unanswered = 0;
  let rejected = 0;
  let stored = 0;
  let storedNotAcknowledged = 0;
  let published = 0;
  let republished = 0;
  let candidates = 0;
  let idMismatches = 0;
  const duplicates = { store: 0, events: 0, counters: 0, total: 0 };
  const lost = { notStored: 0, notPublished: 0, noCandidate: 0, counters: 0, total: 0 };
  const phantoms = { events: 0, candidates: 0, total: 0 };
  const sentMatches = new Set<string>();

  for (const person of input.sent) {
    sentMatches.add(person.match);
    const acked = person.answer === 'created' || (person.answer === 'duplicate' && !!person.answeredId);
    if (person.answer === 'created') acknowledged++;
    else if (acked) acknowledgedAsDuplicate++;
    else if (person.answer === 'unanswered') unanswered++;
    else rejected++;
    const records = storedByMatch.get(person.match) ?? [];
    if (records.length === 0) {
      if (acked) {
        lost.notStored++;
        note('acknowledged-not-stored', person.answeredId ?? person.match);
      }
      continue;
    }
    stored++;
    if (!acked) storedNotAcknowledged++;
    if (records.length > 1) {
      duplicates.store += records.length - 1;
      note('stored-twice', records.map((r) => r.id).join('+'));
    }
    if (acked && person.answeredId && !records.some((r) => r.id === person.answeredId)) {
      idMismatches++;
      note('answered-id-not-stored', person.answeredId);
    }
    const record = records[0]!;
    const events = eventsBySubject.get(record.id);
    if (!events) {
      lost.notPublished++;
      note('stored-not-published', record.id);
    } else {
      published++;
      if (events.size > 1) {
        duplicates.events += events.size - 1;
        note('published-twice', record.id);
      }
      for (const seen of events.values()) republished += seen - 1;
    }
    if (input.candidateIds.has(record.id)) candidates++;
    else {
      lost.noCandidate++;
      note('no-candidate', record.id);
    }
  }
  // Effects of people who are not stored: events and candidates of acknowledged-but-lost records.
  const sentIds = new Set(input.sent.flatMap((p) => (p.answeredId ? [p.answeredId] : [])));
  for (const [subject] of eventsBySubject) {
    if (storedIds.has(subject)) continue;
    phantoms.events++;
    note(sentIds.has(subject) ? 'published-not-stored' : 'published-unknown', subject);
  }
  for (const id of input.candidateIds) {
    if (storedIds.has(id)) continue;
    phantoms.candidates++;
    note('candidate-not-stored', id);
  }
  for (const s of input.stored) {
    if (!sentMatches.has(s.match)) note('stored-not-sent', s.id);
  }

  let counted = 0;
  const storedPerArea = new Map<string, number>();
  for (const s of input.stored) {
    const area = input.counters.find((c) => s.communityCode.startsWith(c.area))?.area;
    if (area) storedPerArea.set(area, (storedPerArea.get(area) ?? 0) + 1);
  }
  let expectedCount = 0;
  for (const c of input.counters) {
    const delta = c.after - c.before;
    const want = storedPerArea.get(c.area) ?? 0;
    counted += delta;
    expectedCount += want;
    if (delta > want) {
      duplicates.counters += delta - want;
      note('counted-above-stored-under', c.area);
    } else if (delta < want) {
      lost.counters += want - delta;
      note('not-counted-under', c.area);
    }
  }

  duplicates.total = duplicates.store + duplicates.events + duplicates.counters;
  lost.total = lost.notStored + lost.notPublished + lost.noCandidate + lost.counters;
  phantoms.total = phantoms.events + phantoms.candidates;
  return {
    sent: input.sent.length,
    acknowledged,
    acknowledgedAsDuplicate,
    unanswered,
    rejected,
    stored,
    storedRecords: input.stored.length,
    storedNotAcknowledged,
    published,
    events: [...eventsBySubject.values()].reduce((n, ids) => n + ids.size, 0),
    republished,
    candidates,
    counted,
    expectedCount,
    duplicates,
    lost,
    phantoms,
    idMismatches,
    examples,
  };
}
