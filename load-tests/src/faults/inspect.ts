import { randomBytes } from 'node:crypto';
import { fromBinary } from '@bufbuild/protobuf';
import { EventEnvelopeSchema, ResidentRegisteredSchema } from '@employment/contracts';
import { type Kafka, Kafka as KafkaClient, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { HttpClient } from '../http-client.ts';
import type { CounterReading, PublishedRegistration, StoredResident } from './accounting.ts';
import { personMatch } from './load.ts';

/**
 * Reads what the platform holds, from the outside: the store directly (the residents and jobs
 * databases), the topics from their start, the consumer groups, and the read models through
 * the services' own APIs.
 */

export function kafkaClient(brokers: string[], clientId: string): Kafka {
  return new KafkaClient({
    clientId,
    brokers,
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 200, retries: 5 },
    logLevel: logLevel.NOTHING,
  });
}

export interface TopicMessage {
  partition: number;
  offset: string;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Every message of the given topics from their start up to their end as it is now, through one
 * consumer group of its own (deleted afterwards). A topic that does not exist, or is empty, has
 * none (and costs no group join).
 */
export async function readTopics(
  kafka: Kafka,
  topics: readonly string[],
  timeoutMs = 60_000,
): Promise<Map<string, TopicMessage[]>> {
  const out = new Map<string, TopicMessage[]>(topics.map((t) => [t, []]));
  const ends = new Map<string, bigint>();
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics) {
      if (!existing.has(topic)) continue;
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > 0n) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const wanted = [...new Set([...ends.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))];
  if (wanted.length === 0) return out;
  const reached = new Map<string, bigint>();
  const done = () => [...ends].every(([at, high]) => (reached.get(at) ?? -1n) >= high - 1n);
  const groupId = `chaos-reader-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, maxWaitTimeInMs: 200 });
  let finished!: () => void;
  const all = new Promise<void>((resolve) => {
    finished = resolve;
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: wanted, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const list = out.get(batch.topic)!;
        for (const m of batch.messages) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = String(v);
          list.push({ partition: batch.partition, offset: m.offset, value: m.value, headers });
          const at = `${batch.topic}:${batch.partition}`;
          if (BigInt(m.offset) > (reached.get(at) ?? -1n)) reached.set(at, BigInt(m.offset));
        }
        if (done()) finished();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`reading ${wanted.join(', ')} did not reach the end in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    await Promise.race([all, late]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const cleanup = kafka.admin();
    await cleanup
      .connect()
      .then(() => cleanup.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => cleanup.disconnect().catch(() => undefined));
  }
  // A redelivery inside this read (a rebalance) is not a second publication.
  for (const [topic, list] of out) {
    const seen = new Set<string>();
    out.set(
      topic,
      list.filter((m) => {
        const at = `${m.partition}:${m.offset}`;
        if (seen.has(at)) return false;
        seen.add(at);
        return true;
      }),
    );
  }
  return out;
}

/** The ResidentRegistered events among messages, of the given clients only. */
export function registrations(
  messages: TopicMessage[],
  clients: ReadonlySet<string>,
): PublishedRegistration[] {
  const out: PublishedRegistration[] = [];
  for (const m of messages) {
    if (!m.value) continue;
    let envelope: ReturnType<typeof fromBinary<typeof EventEnvelopeSchema>>;
    try {
      envelope = fromBinary(EventEnvelopeSchema, m.value);
    } catch {
      continue;
    }
    if (envelope.eventType !== ResidentRegisteredSchema.typeName) continue;
    const payload = fromBinary(ResidentRegisteredSchema, envelope.payload);
    if (!clients.has(payload.registeredBy)) continue;
    out.push({
      residentId: envelope.subject,
      eventId: envelope.eventId,
      position: `${m.partition}:${m.offset}`,
    });
  }
  return out;
}

/** A dead-lettered message, with what the consumer said when it gave up. */
export interface DeadLetter {
  topic: string;
  position: string;
  group: string;
  eventId: string;
  eventType: string;
  subject: string;
  error: string;
}

export function deadLetters(topic: string, messages: TopicMessage[]): DeadLetter[] {
  return messages.map((m) => {
    let eventId = '';
    let eventType = '';
    let subject = '';
    try {
      const envelope = fromBinary(EventEnvelopeSchema, m.value ?? Buffer.alloc(0));
      eventId = envelope.eventId;
      eventType = envelope.eventType;
      subject = envelope.subject;
    } catch {
      // undecodable: the error header says so
    }
    return {
      topic,
      position: `${m.partition}:${m.offset}`,
      group: m.headers['dlq-consumer-group'] ?? '',
      eventId,
      eventType,
      subject,
      error: m.headers['dlq-error'] ?? '',
    };
  });
}

/** How far each group is behind the end of the topic (events), or null when it has no commits. */
export async function lagOf(
  kafka: Kafka,
  topic: string,
  groups: string[],
): Promise<Record<string, number | null>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const high = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    const lag: Record<string, number | null> = {};
    for (const groupId of groups) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const partitions = offsets?.partitions ?? [];
      if (partitions.every((p) => Number(p.offset) < 0)) {
        lag[groupId] = [...high.values()].every((h) => h === 0) ? 0 : null;
        continue;
      }
      lag[groupId] = partitions.reduce(
        (sum, p) => sum + Math.max(0, (high.get(p.partition) ?? 0) - Math.max(0, Number(p.offset))),
        0,
      );
    }
    return lag;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The members of consumer groups over time: a rebalance shows as members leaving and coming back. */
export class GroupWatch {
  readonly samples: Array<{ at: number; members: Record<string, number | null> }> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly kafka: Kafka;
  private readonly groups: string[];
  private busy = false;

  constructor(kafka: Kafka, groups: string[]) {
    this.kafka = kafka;
    this.groups = groups;
  }

  start(intervalMs = 1_000): void {
    this.timer = setInterval(() => void this.sample(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async members(): Promise<Record<string, number | null>> {
    const admin = this.kafka.admin();
    const members: Record<string, number | null> = Object.fromEntries(this.groups.map((g) => [g, null]));
    try {
      await admin.connect();
      const { groups } = await admin.describeGroups(this.groups);
      for (const g of groups) members[g.groupId] = g.state === 'Stable' ? g.members.length : null;
    } catch {
      // the broker is away: unknown
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    return members;
  }

  /**
   * The members the groups ended with, once the round has settled: sampled again (10 s at most)
   * while a group is between two generations, so a late join is not taken for a missing member.
   */
  async final(): Promise<void> {
    this.stop();
    while (this.busy) await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < 10; i++) {
      await this.sample();
      if (Object.values(this.samples.at(-1)?.members ?? {}).every((n) => n !== null)) return;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.samples.push({ at: Date.now(), members: await this.members() });
    } finally {
      this.busy = false;
    }
  }

  /** Per group: the fewest and the most members seen while stable, and the last count. */
  summary(): Record<string, { min: number | null; max: number | null; last: number | null }> {
    const out: Record<string, { min: number | null; max: number | null; last: number | null }> = {};
    for (const group of this.groups) {
      const counts = this.samples.map((s) => s.members[group]).filter((n): n is number => n !== null);
      out[group] = {
        min: counts.length ? Math.min(...counts) : null,
        max: counts.length ? Math.max(...counts) : null,
        last: this.samples.at(-1)?.members[group] ?? null,
      };
    }
    return out;
  }
}

/** The store, read directly (FerretDB locally; the same driver calls work on MongoDB). */
export class StoreReader {
  private readonly client: InstanceType<typeof mongoose.mongo.MongoClient>;

  constructor(url: string) {
    this.client = new mongoose.mongo.MongoClient(url, {
      maxPoolSize: 8,
      serverSelectionTimeoutMS: 10_000,
      socketTimeoutMS: 60_000,
    });
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }

  /** Residents created by the given clients (an equality per client: the store filters it cheaply). */
  async residentsOf(clients: Iterable<string>): Promise<StoredResident[]> {
    const residents = this.client.db('residents').collection<Record<string, unknown>>('residents');
    const out: StoredResident[] = [];
    for (const createdBy of clients) {
      const docs = await residents
        .find({ createdBy } as never, {
          projection: { _id: 1, idMasked: 1, fullName: 1, phone: 1, communityCode: 1 },
        })
        .toArray();
      for (const d of docs) {
        out.push({
          id: String(d._id),
          match: personMatch({
            idMasked: String(d.idMasked),
            fullName: String(d.fullName),
            phone: (d.phone as string | null | undefined) ?? null,
          }),
          communityCode: String(d.communityCode),
        });
      }
    }
    return out;
  }

  /** The ids of jobs' candidates in the given communities. */
  async candidatesIn(communities: Iterable<string>): Promise<Set<string>> {
    const candidates = this.client.db('jobs').collection<Record<string, unknown>>('candidates');
    const ids = new Set<string>();
    for (const communityCode of communities) {
      const docs = await candidates.find({ communityCode } as never, { projection: { _id: 1 } }).toArray();
      for (const d of docs) ids.add(String(d._id));
    }
    return ids;
  }

  /** What waits in a service's outbox: how many, and the oldest few with their events' types. */
  async outbox(
    database: string,
  ): Promise<{ count: number; oldest: Array<{ id: string; ageSeconds: number; events: string[] }> }> {
    const outbox = this.client.db(database).collection<Record<string, unknown>>('outbox');
    const records = await outbox
      .find({}, { projection: { _id: 1, createdAt: 1, 'events.eventType': 1 } })
      .toArray();
    const now = Date.now();
    const oldest = records
      .map((r) => ({
        id: String(r._id),
        ageSeconds: Math.round((now - new Date(r.createdAt as Date).getTime()) / 1000),
        events: ((r.events as Array<{ eventType?: string }> | undefined) ?? []).map(
          (e) => e.eventType ?? '?',
        ),
      }))
      .sort((a, b) => b.ageSeconds - a.ageSeconds)
      .slice(0, 5);
    return { count: records.length, oldest };
  }

  /** How many residents the run's database holds (a fresh stack has none). */
  async residentCount(): Promise<number> {
    return this.client.db('residents').collection('residents').estimatedDocumentCount();
  }
}

/** Counters of the community-stats read model: `registered` under each area, through the API. */
export async function registeredUnder(
  baseUrl: string,
  token: string,
  areas: readonly string[],
): Promise<Record<string, number>> {
  const http = new HttpClient(baseUrl, { maxSockets: 4, timeoutMs: 20_000 });
  try {
    const out: Record<string, number> = {};
    for (const area of areas) {
      const res = await http.request('GET', `/v1/areas/${area}/statistics`, token);
      if (res.status !== 200)
        throw new Error(`statistics of ${area}: HTTP ${res.status || res.error} ${res.body.slice(0, 200)}`);
      out[area] = Number((JSON.parse(res.body) as { registered?: number }).registered ?? 0);
    }
    return out;
  } finally {
    http.close();
  }
}

export function counterReadings(
  before: Record<string, number>,
  after: Record<string, number>,
): CounterReading[] {
  return Object.keys(after).map((area) => ({ area, before: before[area] ?? 0, after: after[area]! }));
}

/**
 * A jobs replica's in-memory candidate pool, seen through the only window the service has on it:
 * the ranked candidates of a vacancy, computed from the pool alone. `considered` counts the pool's
 * candidates inside the token's areas; the pages list the eligible ones (all the suite's people
 * are eligible for the suite's vacancy). jobs has no endpoint or metric that lists or counts the
 * pool itself.
 */
export async function poolOf(
  port: number,
  token: string,
  vacancyId: string,
): Promise<{ considered: number; eligible: number; ids: Set<string> }> {
  const http = new HttpClient(`http://127.0.0.1:${port}`, { maxSockets: 2, timeoutMs: 30_000 });
  try {
    const ids = new Set<string>();
    let considered = 0;
    let eligible = 0;
    let cursor: string | null = null;
    do {
      const path = `/v1/vacancies/${vacancyId}/candidates?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await http.request('GET', path, token);
      if (res.status !== 200)
        throw new Error(
          `candidates of the vacancy on :${port}: HTTP ${res.status || res.error} ${res.body.slice(0, 200)}`,
        );
      const page = JSON.parse(res.body) as {
        considered: number;
        eligible: number;
        items: Array<{ candidate: { residentId: string } }>;
        nextCursor: string | null;
      };
      considered = page.considered;
      eligible = page.eligible;
      for (const item of page.items) ids.add(item.candidate.residentId);
      cursor = page.nextCursor;
    } while (cursor);
    return { considered, eligible, ids };
  } finally {
    http.close();
  }
}

/** Whether every replica of a service answers ready. */
export async function allReady(ports: readonly number[]): Promise<boolean> {
  const answers = await Promise.all(
    ports.map((port) =>
      fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.status === 200)
        .catch(() => false),
    ),
  );
  return answers.every(Boolean);
}
