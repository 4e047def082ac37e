import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { Topics } from '@employment/contracts';
import { LocalIssuer } from '@employment/http';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { wuhanAreaRows } from '../../services/residents/src/cli/city-model.ts';
import { type CapacityResult, runCapacity } from './capacity.ts';
import { City, type Client, type District, type Registration } from './city.ts';
import { consumerLag, EventWatcher } from './events.ts';
import { epochNow, HttpClient, type HttpResult } from './http-client.ts';
import { type OpenModelResult, type Outcome, runOpenModel, type StreamSpec } from './open-model.ts';
import {
  eventLike,
  type KafkaReference,
  measureKafka,
  measureStore,
  type StoreReference,
} from './reference.ts';
import { buildReport, type LoadReport, type PhaseRun } from './report.ts';
import { type ProcessGroupSpec, ResourceSampler } from './resources.ts';
import {
  type Phase,
  phaseInFlight,
  type ResolvedStage,
  resolveStages,
  type Scenario,
  scaleScenario,
  validateScenario,
} from './scenario.ts';

export interface HarnessOptions {
  scenario: Scenario;
  /** Total length of the load phases; the scenario's stages are scaled to it. */
  durationSeconds?: number;
  /** Marks the report as a smoke run (the smoke scenario carries the lenient thresholds). */
  smoke?: boolean;
  /** The residents service, e.g. http://127.0.0.1:8081. */
  baseUrl: string;
  /** The store the residents service writes to, and its database. */
  mongoUrl: string;
  database: string;
  collection?: string;
  kafkaBrokers: string[];
  topic?: string;
  /** Tokens: the platform's issuer key file, or an issuer object (tests that serve their own JWKS). */
  auth: { keyFile: string } | { issuer: LocalIssuer };
  /** Platform processes to sample; the load generator itself is always sampled. */
  processes?: ProcessGroupSpec[];
  seed?: number;
  /** Wait up to this long before starting for the platform's consumers to catch up (default 0). */
  settleSeconds?: number;
  log?: (line: string) => void;
}

const RESIDENT_ROLES = ['residents:read', 'residents:write'];

/** Runs a scenario against a running residents service and returns its report. */
export async function runLoadTest(options: HarnessOptions): Promise<LoadReport> {
  const log = options.log ?? (() => undefined);
  const scenario = scaleScenario(options.scenario, options.durationSeconds);
  validateScenario(scenario);
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const seed = options.seed ?? randomInt(1, 2 ** 31 - 1);
  const collectionName = options.collection ?? 'residents';
  const topic = options.topic ?? Topics.residents;
  const startedAt = new Date();
  const marks: Record<string, number> = { start: epochNow() };

  const city = new City({
    seed,
    ...(scenario.districts ? { districts: scenario.districts } : {}),
    streetsPerDistrict: scenario.streetsPerDistrict,
    communitiesPerStreet: scenario.communitiesPerStreet,
  });

  let issuer: LocalIssuer;
  if ('issuer' in options.auth) issuer = options.auth.issuer;
  else {
    // LocalIssuer.create makes a new key when the file is missing: the platform would refuse its tokens.
    if (!existsSync(options.auth.keyFile)) {
      throw new Error(`no issuer key at ${options.auth.keyFile}: start the platform first (scripts/start)`);
    }
    issuer = await LocalIssuer.create({ keyFile: options.auth.keyFile });
  }
  // Registration needs known communities: the run's grid of the city goes into the area tree first
  // (a rerun answers "unchanged").
  await seedAreaTree(options.baseUrl, issuer, runId, {
    districts: city.districts.map((d) => d.code),
    streetsPerDistrict: scenario.streetsPerDistrict,
    communitiesPerStreet: scenario.communitiesPerStreet,
  });
  const tokenOf = (clientId: string, district: District) =>
    issuer.token({ clientId, roles: RESIDENT_ROLES, areas: [district.code] });
  const clients: Client[] = await Promise.all(
    city.clientIds(runId, scenario.clientsPerDistrict).map(async ({ clientId, district }) => ({
      clientId,
      district,
      token: await tokenOf(clientId, district),
    })),
  );
  // Tokens live an hour (the services refuse longer ones): a longer run renews them half-way.
  const renewal = setInterval(
    () => {
      for (const client of clients) {
        void tokenOf(client.clientId, client.district).then((token) => {
          client.token = token;
        });
      }
    },
    (LocalIssuer.DEFAULT_TTL_SECONDS * 1000) / 2,
  );
  renewal.unref();
  const clientsByDistrict = new Map<string, Client[]>();
  for (const c of clients)
    clientsByDistrict.set(c.district.code, [...(clientsByDistrict.get(c.district.code) ?? []), c]);
  const turn = new Map<string, number>();
  const pickClient = (district: District = city.pickDistrict()): Client => {
    const list = clientsByDistrict.get(district.code)!;
    const i = turn.get(district.code) ?? 0;
    turn.set(district.code, i + 1);
    return list[i % list.length]!;
  };

  const sockets =
    Math.max(...scenario.phases.map((p) => phaseInFlight(p, scenario) + p.reads.maxInFlight)) + 4;
  const http = new HttpClient(options.baseUrl, { maxSockets: sockets, timeoutMs: scenario.requestTimeoutMs });
  const batchConcurrency = Math.max(
    1,
    ...scenario.phases.filter((p) => p.kind === 'batch').map((p) => phaseInFlight(p, scenario)),
  );
  const batchSize = Math.max(1, ...scenario.phases.map((p) => p.batchSize ?? 0));
  const mongo = new mongoose.mongo.MongoClient(options.mongoUrl, {
    maxPoolSize: Math.max(scenario.concurrency, batchConcurrency) + 4,
    serverSelectionTimeoutMS: 5_000,
    // A store that stops answering for a minute fails the run with a timeout instead of holding
    // it forever (seen once: FerretDB's connection pool deadlocked, scripts/lib/infra.sh).
    socketTimeoutMS: 60_000,
  });
  const kafka = new Kafka({
    clientId: `load-test-${runId}`,
    brokers: options.kafkaBrokers,
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: logLevel.ERROR,
    logCreator: () => (entry) => log(`kafka: ${entry.log.message}`),
  });
  const sampler = new ResourceSampler(
    [...(options.processes ?? []), { name: 'load generator', pids: () => [process.pid] }],
    scenario.sampleIntervalMs,
  );
  const clientIds = new Set(clients.map((c) => c.clientId));
  const watcher = new EventWatcher({ kafka, topic, groupId: `load-test-${runId}`, clients: clientIds });

  // Every person the platform accepted in this run: when the client had the answer, and where.
  const accepted = new Map<string, { at: number; phase: string }>();
  const byDistrict = new Map<string, string[]>();
  const accept = (id: string, at: number, district: District, phase: string) => {
    accepted.set(id, { at, phase });
    const list = byDistrict.get(district.code) ?? [];
    if (list.length < 5_000) list.push(id);
    else list[Math.floor(Math.random() * list.length)] = id;
    byDistrict.set(district.code, list);
  };
  const rowsRejected: Record<string, number> = {};

  const failure = (op: string, res: HttpResult): Outcome => ({
    op,
    ok: false,
    status: res.status,
    error: res.error ?? `http-${res.status}`,
    people: 0,
  });

  const registerOne = async (phase: string): Promise<Outcome> => {
    const client = pickClient();
    const res = await http.request('POST', '/v1/residents', client.token, city.person(client.district));
    if (res.status !== 201) return failure('register', res);
    const id = (JSON.parse(res.body) as { id?: string }).id;
    if (!id) return { op: 'register', ok: false, status: res.status, error: 'no-id-in-answer', people: 0 };
    accept(id, res.receivedAt, client.district, phase);
    return { op: 'register', ok: true, status: res.status, people: 1 };
  };

  const registerBatch = async (phase: string, size: number): Promise<Outcome> => {
    const client = pickClient();
    const rows: Registration[] = Array.from({ length: size }, () => city.person(client.district));
    const res = await http.request('POST', '/v1/residents/batch', client.token, { residents: rows });
    if (res.status !== 200) return failure('batch', res);
    const body = JSON.parse(res.body) as { results?: Array<{ status: string; residentId?: string }> };
    let created = 0;
    for (const row of body.results ?? []) {
      if (row.status === 'created' && row.residentId) {
        accept(row.residentId, res.receivedAt, client.district, phase);
        created++;
      } else rowsRejected[row.status] = (rowsRejected[row.status] ?? 0) + 1;
    }
    return created === size
      ? { op: 'batch', ok: true, status: res.status, people: created }
      : { op: 'batch', ok: false, status: res.status, error: 'rows-not-created', people: created };
  };

  const read = async (listShare: number): Promise<Outcome> => {
    const client = pickClient();
    const ids = byDistrict.get(client.district.code);
    if (!ids?.length || Math.random() < listShare) {
      const code = city.pickCommunity(client.district);
      const res = await http.request('GET', `/v1/communities/${code}/residents?limit=50`, client.token);
      return res.status === 200
        ? { op: 'list-community', ok: true, status: 200, people: 0 }
        : failure('list-community', res);
    }
    const id = ids[Math.floor(Math.random() * ids.length)]!;
    const res = await http.request('GET', `/v1/residents/${id}`, client.token);
    return res.status === 200
      ? { op: 'read-one', ok: true, status: 200, people: 0 }
      : failure('read-one', res);
  };

  const runPhase = async (phase: Phase, storeRate: number): Promise<PhaseRun> => {
    const stages: ResolvedStage[] = resolveStages(phase, storeRate);
    const size = phase.kind === 'batch' ? (phase.batchSize ?? 1) : 1;
    const mainRates = stages.map((s) => ({ from: s.fromPeople / size, to: s.toPeople / size }));
    const readRates = mainRates.map((r) =>
      phase.reads.perSecond !== undefined
        ? { from: phase.reads.perSecond, to: phase.reads.perSecond }
        : {
            from: r.from * (phase.reads.perRegistrationRequest ?? 0),
            to: r.to * (phase.reads.perRegistrationRequest ?? 0),
          },
    );
    const streams: StreamSpec[] = [
      {
        name: phase.kind === 'batch' ? 'batch' : 'register',
        maxInFlight: phaseInFlight(phase, scenario),
        rates: mainRates,
        issue: () => (phase.kind === 'batch' ? registerBatch(phase.name, size) : registerOne(phase.name)),
      },
      {
        name: 'read',
        maxInFlight: phase.reads.maxInFlight,
        rates: readRates,
        issue: () => read(phase.reads.listShare),
      },
    ];
    log(
      `phase ${phase.name}: ${stages
        .map(
          (s) =>
            `${s.name} ${s.seconds.toFixed(1)}s ${Math.round(s.fromPeople)}→${Math.round(s.toPeople)} people/s`,
        )
        .join(', ')}`,
    );
    const result: OpenModelResult = await runOpenModel({
      stages,
      streams,
      lateAfterMs: scenario.lateAfterMs,
      onProgress: (p) =>
        log(
          `  ${phase.name} ${String(p.second).padStart(3)}s ${p.stage}: offered ${JSON.stringify(p.offeredPerSecond)}/s, done ${p.completed}/s, in flight ${JSON.stringify(p.inFlight)}, dropped ${p.dropped}`,
        ),
    });
    return { phase, stages, result, batchSize: size };
  };

  const phases: PhaseRun[] = [];
  let storeReference: StoreReference | undefined;
  let kafkaReference: KafkaReference | undefined;
  let drained = false;
  const storedIds = new Set<string>();
  let storeSizeBefore: number | null = null;
  let collectionsBefore: Record<string, number | null> = {};
  const lag: { before: Record<string, number>; after: Record<string, number> } = { before: {}, after: {} };
  const lagOf = () => consumerLag(kafka, topic, (g) => g.startsWith('load-test-')).catch(() => ({}));
  let template: Record<string, unknown> | null = null;
  let setupLatencyMs = 0;
  let capacity: CapacityResult | undefined;

  try {
    sampler.start();
    await mongo.connect();
    const residents = mongo.db(options.database).collection<Record<string, unknown>>(collectionName);
    // Sizes of the collections a registration touches (collStats answers from the backend's
    // statistics; counting would scan each collection on FerretDB). FerretDB finds documents by
    // scanning, so runs compare only at similar sizes.
    const sizes = await Promise.all(
      [collectionName, 'audit_log', 'outbox', 'processed_events'].map(async (name) => {
        const count = await mongo
          .db(options.database)
          .command({ collStats: name })
          .then((s) => (typeof s.count === 'number' ? s.count : null))
          .catch(() => null);
        return [name, count] as const;
      }),
    );
    collectionsBefore = Object.fromEntries(sizes);
    storeSizeBefore = collectionsBefore[collectionName] ?? null;
    log(
      `run ${runId}: ${clients.length} district clients, seed ${seed}, ${storeSizeBefore ?? '?'} residents stored before`,
    );
    lag.before = await lagOf();
    // Back-to-back runs: let the platform's own consumers finish the previous run's events first
    // (giving up early when no group makes progress for 2 min: stuck, not busy; groups commit per
    // fetched batch, which can take a minute at the rates read models run at on FerretDB).
    const settleUntil = performance.now() + (options.settleSeconds ?? 0) * 1000;
    const total = (lag: Record<string, number>) => Object.values(lag).reduce((a, b) => a + b, 0);
    let least = total(lag.before);
    let progressAt = performance.now();
    while (total(lag.before) > 0 && performance.now() < settleUntil) {
      if (performance.now() - progressAt > 120_000) {
        log(`settling: no progress for 2 min, starting anyway ${JSON.stringify(lag.before)}`);
        break;
      }
      log(`settling: the platform's consumers are behind ${JSON.stringify(lag.before)}`);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      lag.before = await lagOf();
      if (total(lag.before) < least) {
        least = total(lag.before);
        progressAt = performance.now();
      }
    }
    marks.start = epochNow();
    const { partitions } = await watcher.start(30_000);

    // One registration first: it proves the token and the service, and its stored document is the
    // template of the raw store reference (same fields, same size).
    const client = pickClient(city.districts[0]);
    const sent = performance.now();
    const res = await http.request('POST', '/v1/residents', client.token, city.person(client.district));
    setupLatencyMs = performance.now() - sent;
    if (res.status !== 201) {
      throw new Error(
        `the first registration failed: HTTP ${res.status || res.error} ${res.body.slice(0, 300)}`,
      );
    }
    const firstId = (JSON.parse(res.body) as { id: string }).id;
    accept(firstId, res.receivedAt, client.district, 'setup');
    template = await residents.findOne({ _id: firstId } as never);
    if (!template)
      throw new Error(`resident ${firstId} was accepted but is not in ${options.database}.${collectionName}`);

    marks.referenceStart = epochNow();
    log(`reference: raw inserts, ${scenario.concurrency} workers, ${scenario.reference.storeSeconds}s`);
    storeReference = await measureStore({
      client: mongo,
      liveDatabase: options.database,
      collection: collectionName,
      template,
      concurrency: scenario.concurrency,
      seconds: scenario.reference.storeSeconds,
      batchSize,
      batchConcurrency,
      batchSeconds: scenario.reference.storeBatchSeconds,
      scratchDatabase: `loadtest_scratch_${runId}`,
    });
    log(
      `  store: ${storeReference.insertsPerSecond}/s insertOne, ${storeReference.batchInsertsPerSecond}/s insertMany(${batchSize})`,
    );
    marks.storeEnd = epochNow();
    kafkaReference = await measureKafka({
      kafka,
      scratchTopic: `loadtest.scratch.${runId}`,
      partitions: Math.max(1, partitions),
      message: eventLike(template),
      seconds: scenario.reference.kafkaSeconds,
      batchSize: scenario.reference.kafkaBatchSize,
      singleSeconds: scenario.reference.kafkaSingleSeconds,
    });
    log(
      `  kafka: ${kafkaReference.messagesPerSecond}/s in batches of ${kafkaReference.batchSize}, ${kafkaReference.singleSendsPerSecond}/s one by one`,
    );
    marks.referenceEnd = epochNow();

    await watcher.ready();
    if (scenario.capacity) {
      const connections =
        scenario.capacity.connections === undefined || scenario.capacity.connections === 'concurrency'
          ? scenario.concurrency
          : scenario.capacity.connections;
      marks.capacityStart = epochNow();
      log(
        `capacity: autocannon, ${connections} connections, ${Math.max(1, Math.round(scenario.capacity.seconds))}s, one person a request`,
      );
      const districtOf = new Map(city.districts.map((d) => [d.code, d]));
      capacity = await runCapacity({
        baseUrl: options.baseUrl,
        connections,
        seconds: Math.max(1, Math.round(scenario.capacity.seconds)),
        timeoutMs: scenario.requestTimeoutMs,
        next: () => {
          const client = pickClient();
          return { token: client.token, body: city.person(client.district), tag: client.district.code };
        },
        onCreated: (id, at, code) => accept(id, at, districtOf.get(code)!, 'capacity'),
      });
      marks.capacityEnd = epochNow();
      log(
        `  ${capacity.registrationsPerSecond}/s created, p50/p99 ${capacity.latencyMs.p50}/${capacity.latencyMs.p99} ms, ${capacity.failed} failed`,
      );
    }
    for (const phase of scenario.phases) phases.push(await runPhase(phase, storeReference.insertsPerSecond));
    marks.loadEnd = epochNow();

    log(`drain: waiting up to ${scenario.drainTimeoutSeconds}s for the events of ${accepted.size} people`);
    drained = await watcher.waitFor(accepted.keys(), scenario.drainTimeoutSeconds * 1000);
    marks.drained = epochNow();
    sampler.stop();

    // This run's residents, by their creating client (an equality the store can filter on without
    // decoding every document; FerretDB answers `$in` on ids by scanning the collection per query).
    const queue = [...clientIds];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          const docs = await residents.find({ createdBy: id } as never, { projection: { _id: 1 } }).toArray();
          for (const d of docs) storedIds.add(String(d._id));
        }
      }),
    );
    marks.counted = epochNow();
    lag.after = await lagOf();
  } finally {
    clearInterval(renewal);
    sampler.stop();
    await watcher.stop();
    await mongo.close().catch(() => undefined);
    http.close();
  }

  return buildReport({
    runId,
    seed,
    scenario,
    smoke: options.smoke ?? false,
    startedAt,
    finishedAt: new Date(),
    marks,
    target: { baseUrl: options.baseUrl, database: options.database, collection: collectionName, topic },
    mongoUrl: options.mongoUrl,
    kafkaBrokers: options.kafkaBrokers,
    clients: clients.length,
    districts: city.districts.length,
    storeReference: storeReference!,
    kafkaReference: kafkaReference!,
    phases,
    capacity,
    accepted,
    storedIds,
    seen: watcher.seen,
    duplicateEvents: watcher.duplicates,
    drained,
    rowsRejected,
    storeSizeBefore,
    collectionsBefore,
    consumerLag: lag,
    templateBytes: template ? mongoose.mongo.BSON.calculateObjectSize(template) : 0,
    setupLatencyMs,
    sampler,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.type()} ${os.release()}`,
    },
  });
}

/** Imports the scenario's districts, streets and communities through the residents API. */
async function seedAreaTree(
  baseUrl: string,
  issuer: LocalIssuer,
  runId: string,
  grid: { districts: string[]; streetsPerDistrict: number; communitiesPerStreet: number },
): Promise<void> {
  const rows = wuhanAreaRows(grid);
  const token = await issuer.token({
    clientId: `load-${runId}-area-seeder`,
    roles: ['areas:write'],
    areas: ['4201'],
  });
  // Parents come before their children in the rows, and batches go one after another.
  for (let i = 0; i < rows.length; i += 1000) {
    const res = await fetch(`${baseUrl}/v1/areas/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ areas: rows.slice(i, i + 1000) }),
    });
    const body = (await res.json()) as { summary?: { invalid: number; forbidden: number } };
    if (res.status !== 200 || body.summary?.invalid || body.summary?.forbidden) {
      throw new Error(
        `seeding the area tree failed: HTTP ${res.status} ${JSON.stringify(body).slice(0, 500)}`,
      );
    }
  }
}
