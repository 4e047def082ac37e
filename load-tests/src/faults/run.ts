import { appendFileSync } from 'node:fs';
import { Topics } from '@employment/contracts';
import { LocalIssuer } from '@employment/http';
import { creditCodeFor, organizationCodeFor } from '@employment/identifiers';
import { wuhanAreaRows } from '../../../services/residents/src/cli/city-model.ts';
import { City, WUHAN_DISTRICTS } from '../city.ts';
import { epochNow } from '../http-client.ts';
import {
  type Attempt,
  accountRound,
  type CallerView,
  callerView,
  type RoundAccount,
  type Timeline,
} from './accounting.ts';
import {
  allReady,
  counterReadings,
  type DeadLetter,
  deadLetters,
  GroupWatch,
  kafkaClient,
  lagOf,
  poolOf,
  readTopics,
  registeredUnder,
  registrations,
  StoreReader,
} from './inspect.ts';
import { type DistrictClient, RegistrationLoad } from './load.ts';
import { type Part, Platform, type PlatformLayout, type ProcessMap } from './platform.ts';

/** One round: what is killed, with how many replicas of each service running. */
export interface RoundPlan {
  name: string;
  kills: Array<{ part: Part; replicas?: number[] }>;
  replicas: number;
}

export interface RunOptions {
  layout: PlatformLayout;
  mongoUrl: string;
  kafkaBrokers: string[];
  keyFile: string;
  plans: RoundPlan[];
  /** Load per round; the kill comes `killAfterSeconds` in, the restart `downSeconds` after it. */
  loadSeconds: number;
  killAfterSeconds: number;
  downSeconds: number;
  /** The load goes on at least this long after the restart is done. */
  afterRestartSeconds: number;
  clients: number;
  thinkMs: number;
  batchShare: number;
  batchSizes: [number, number];
  seed: number;
  settleTimeoutSeconds: number;
  attemptTimeoutMs: number;
  retryDeadlineMs: number;
  /** Where every answer is logged (JSON lines). */
  attemptsFile: string;
  log: (line: string) => void;
}

/** The consumer groups that read the residents topic, and every group's dead-letter topic. */
const RESIDENTS_TOPIC_GROUPS = ['residents-community-stats', 'residents-households', 'jobs-candidates'];
const ALL_GROUPS = [...RESIDENTS_TOPIC_GROUPS, 'residents-placements'];
const DLQ_TOPICS = ALL_GROUPS.map((g) => `employment.dlq.${g}`);
const COMMUNITIES_PER_STREET = 4;

export interface RoundResult {
  index: number;
  name: string;
  replicas: number;
  killed: string[];
  timeline: Timeline;
  requests: number;
  /** How long requests waited for their last answer, retries included (ms), and how many retried. */
  waits: { retried: number; p50: number; p99: number; max: number };
  caller: CallerView;
  account: RoundAccount;
  /** 18.7: what scripts/status said right after the kill, and what scripts/start left alone. */
  statusAfterKill: Record<string, string>;
  statusSaidDown: boolean;
  restart: { ok: boolean; seconds: number; error?: string; restarted: string[]; disturbed: string[] };
  settle: {
    seconds: number;
    settled: boolean;
    lag: Record<string, number | null>;
    outbox: Record<string, number>;
  };
  outboxLeft: Record<
    string,
    { count: number; oldest: Array<{ id: string; ageSeconds: number; events: string[] }> }
  >;
  deadLettered: DeadLetter[];
  groups: Record<string, { min: number | null; max: number | null; last: number | null }>;
  pools: Array<{
    port: number;
    considered: number;
    eligible: number;
    store: number;
    missing: number;
    extra: number;
    equal: boolean;
    seconds: number;
    error?: string;
  }>;
  failures: string[];
  seconds: number;
}

export interface RunResult {
  runId: string;
  seed: number;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  platformStartSeconds: number;
  rounds: RoundResult[];
  passed: boolean;
  notes: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
const pad3 = (n: number) => String(n).padStart(3, '0');

/**
 * The fault-injection run: starts the platform, then for each round puts registration load on
 * residents, kills parts with SIGKILL, restarts them with scripts/start, lets the platform settle
 * and checks every acknowledged registration against the store, the topic and the read models.
 */
export async function runFaults(options: RunOptions, platform: Platform): Promise<RunResult> {
  const started = epochNow();
  const startedAt = new Date();
  const runId = `${Date.now().toString(36)}`;
  const notes: string[] = [];
  const log = options.log;
  const districts = WUHAN_DISTRICTS.slice(0, Math.min(options.clients, WUHAN_DISTRICTS.length));
  const rounds: RoundResult[] = [];

  const firstReplicas = options.plans[0]?.replicas ?? 1;
  log(`platform: scripts/start --replicas ${firstReplicas}`);
  const { seconds: platformStartSeconds } = await platform.start(firstReplicas);
  log(`  up in ${platformStartSeconds.toFixed(1)} s`);

  const store = new StoreReader(options.mongoUrl);
  await store.connect();
  try {
    const before = await store.residentCount();
    if (before > 0) {
      throw new Error(
        `the stack already holds ${before} residents: the suite needs a fresh one (scripts/chaos wipes the stack it starts; stop a running platform first)`,
      );
    }
  } finally {
    await store.close();
  }

  const issuer = await LocalIssuer.create({ keyFile: options.keyFile });
  // Minted for each use: a long run outlasts a token's hour (the services refuse longer ones).
  const cityToken = () =>
    issuer.token({
      clientId: `chaos-${runId}-city`,
      roles: ['areas:write', 'residents:read', 'jobs:read', 'jobs:write'],
      areas: ['4201'],
      ttlSeconds: 3600,
    });
  const residentsUrl = () => `http://127.0.0.1:${platform.ports('residents')[0]}`;
  // Round r registers into street r of each district (4 communities each): the rounds' people,
  // counters and candidates never mix.
  await seedAreas(
    residentsUrl(),
    await cityToken(),
    districts.map((d) => d.code),
    options.plans.length,
  );
  const vacancyId = await postVacancy(
    `http://127.0.0.1:${platform.ports('jobs')[0]}`,
    await cityToken(),
    `${districts[0]!.code}001001`,
    runId,
  );
  log(`run ${runId}: seed ${options.seed}, ${options.clients} district clients, vacancy ${vacancyId}`);
  const city = new City({ seed: options.seed, streetsPerDistrict: 1, communitiesPerStreet: 1 });
  // What the dead-letter topics held before the run (earlier tests on the same stack) is not ours.
  const knownDeadLetters = new Set<string>();
  const setupKafka = kafkaClient(options.kafkaBrokers, `chaos-${runId}-setup`);
  const earlier = await readTopics(setupKafka, DLQ_TOPICS);
  for (const topic of DLQ_TOPICS) {
    for (const d of deadLetters(topic, earlier.get(topic) ?? []))
      knownDeadLetters.add(`${d.topic}@${d.position}`);
  }
  if (knownDeadLetters.size > 0)
    notes.push(`${knownDeadLetters.size} dead letters were there before the run (not counted)`);

  for (const [i, plan] of options.plans.entries()) {
    const index = i + 1;
    const roundStarted = epochNow();
    if (plan.replicas !== platform.replicas) {
      log(`platform: scripts/start --replicas ${plan.replicas}`);
      await platform.start(plan.replicas);
    }
    const streets = districts.map((d) => `${d.code}${pad3(index)}`);
    const clients: DistrictClient[] = await Promise.all(
      Array.from({ length: options.clients }, async (_, c) => {
        const district = districts[c % districts.length]!;
        const clientId = `district-${district.code}-chaos-${runId}-r${index}-${c + 1}`;
        return {
          clientId,
          district,
          communities: Array.from(
            { length: COMMUNITIES_PER_STREET },
            (_, k) => `${district.code}${pad3(index)}${pad3(k + 1)}`,
          ),
          token: await issuer.token({
            clientId,
            roles: ['residents:read', 'residents:write'],
            areas: [district.code],
            ttlSeconds: 3600,
          }),
        };
      }),
    );
    const streetToken = await issuer.token({
      clientId: `chaos-${runId}-r${index}-reader`,
      roles: ['residents:read', 'jobs:read'],
      areas: streets,
      ttlSeconds: 3600,
    });
    log(`round ${index} (${plan.name}): ${plan.replicas} replica(s), kill ${describeKills(plan)}`);
    const kafka = kafkaClient(options.kafkaBrokers, `chaos-${runId}-r${index}`);
    // The counters' baseline is taken once the consumers have caught up: on a stack other tests
    // used, the groups may still be reading their events (which name the same community codes).
    const before0 = await settlePlatform(options, platform, kafka, log);
    if (!before0.settled) notes.push(`round ${index} began before the platform had caught up`);
    const countersBefore = await registeredUnder(residentsUrl(), await cityToken(), streets);

    const groups = new GroupWatch(kafka, ALL_GROUPS);
    groups.start();
    const attempts: Attempt[] = [];
    const load = new RegistrationLoad({
      round: index,
      runId,
      clients,
      ports: platform.ports('residents'),
      city,
      peoplePerClient: Math.ceil(
        (((options.loadSeconds + options.afterRestartSeconds) * 1000) / options.thinkMs) *
          (1 + options.batchShare * options.batchSizes[1]),
      ),
      seed: options.seed,
      thinkMs: options.thinkMs,
      batchShare: options.batchShare,
      batchSizes: options.batchSizes,
      attemptTimeoutMs: options.attemptTimeoutMs,
      retryDeadlineMs: options.retryDeadlineMs,
      onAttempt: (a) => {
        attempts.push(a);
        appendFileSync(options.attemptsFile, `${JSON.stringify(a)}\n`);
      },
    });
    const before: ProcessMap = platform.processes();
    const timeline: Timeline = {
      loadStartAt: epochNow(),
      killAt: 0,
      restartAt: 0,
      restartDoneAt: 0,
      loadEndAt: 0,
    };
    load.start();
    await sleep(options.killAfterSeconds * 1000);

    // A round without a kill (part "none") is the control: the same load, the same checks.
    const control = plan.kills.length === 0;
    timeline.killAt = epochNow();
    const killed: string[] = [];
    for (const kill of plan.kills) killed.push(...(await platform.kill(kill.part, kill.replicas)));
    const at = ((timeline.killAt - timeline.loadStartAt) / 1000).toFixed(1);
    if (!control) log(`  ${at}s killed ${killed.join(', ')} (SIGKILL)`);
    await sleep(1_000);
    const status = control ? { states: {} as Record<string, string> } : await platform.status();
    const statusSaidDown = killed.every((id) => status.states[id] === 'down');
    if (!control)
      log(`  scripts/status: ${killed.map((id) => `${id} ${status.states[id] ?? '?'}`).join(', ')}`);

    await sleep(timeline.killAt + options.downSeconds * 1000 - epochNow());
    timeline.restartAt = epochNow();
    const restart: RoundResult['restart'] = { ok: true, seconds: 0, restarted: [], disturbed: [] };
    try {
      if (!control) await platform.start(plan.replicas);
    } catch (err) {
      restart.ok = false;
      restart.error = (err as Error).message.slice(0, 2000);
    }
    timeline.restartDoneAt = epochNow();
    restart.seconds = (timeline.restartDoneAt - timeline.restartAt) / 1000;
    const after = platform.processes();
    for (const [id, pid] of Object.entries(before)) {
      const wasKilled = killed.includes(id);
      if (wasKilled && after[id] && after[id] !== pid) restart.restarted.push(id);
      if (!wasKilled && after[id] !== pid) restart.disturbed.push(id);
    }
    if (!control)
      log(
        `  restart: scripts/start ${restart.ok ? 'done' : 'FAILED'} in ${restart.seconds.toFixed(1)} s, brought back ${restart.restarted.join(', ') || 'nothing'}${restart.disturbed.length ? `, disturbed ${restart.disturbed.join(', ')}` : ''}`,
      );

    const loadUntil = Math.max(
      timeline.loadStartAt + options.loadSeconds * 1000,
      timeline.restartDoneAt + options.afterRestartSeconds * 1000,
    );
    await sleep(loadUntil - epochNow());
    log(`  stopping the load (${load.requests} requests so far); waiting for the retries in flight`);
    await load.stop();
    timeline.loadEndAt = epochNow();

    const settle = await settlePlatform(options, platform, kafka, log);
    await groups.final();

    // What the platform holds now.
    const reader = new StoreReader(options.mongoUrl);
    await reader.connect();
    let result: RoundResult;
    try {
      const clientIds = new Set(clients.map((c) => c.clientId));
      const stored = await reader.residentsOf(clientIds);
      const communities = clients.flatMap((c) => c.communities);
      const topics = await readTopics(kafka, [Topics.residents, ...DLQ_TOPICS]);
      const published = registrations(topics.get(Topics.residents) ?? [], clientIds);
      // The round's people: stored by its clients, or published by them. Other candidates in the
      // same communities come from other users of the stack (scripts/test's earlier tests publish
      // to the same topic, under the same community codes) and are left out.
      const ours = new Set([...stored.map((r) => r.id), ...published.map((e) => e.residentId)]);
      const inCommunities = await reader.candidatesIn(new Set(communities));
      const candidateIds = new Set([...inCommunities].filter((id) => ours.has(id)));
      if (inCommunities.size > candidateIds.size)
        notes.push(
          `round ${index}: ${inCommunities.size - candidateIds.size} candidates of other users of the stack in its communities (left out)`,
        );
      const countersAfter = await registeredUnder(residentsUrl(), await cityToken(), streets);
      const account = accountRound({
        sent: load.people(),
        stored,
        published,
        candidateIds,
        counters: counterReadings(countersBefore, countersAfter),
      });
      const deadLettered = DLQ_TOPICS.flatMap((t) => deadLetters(t, topics.get(t) ?? [])).filter((d) => {
        const key = `${d.topic}@${d.position}`;
        if (knownDeadLetters.has(key)) return false;
        knownDeadLetters.add(key);
        return true;
      });
      const outboxLeft = {
        residents: await reader.outbox('residents'),
        jobs: await reader.outbox('jobs'),
      };
      const pools = await comparePools(
        platform.ports('jobs'),
        streetToken,
        vacancyId,
        candidateIds,
        ours,
        log,
      );
      result = {
        index,
        name: plan.name,
        replicas: plan.replicas,
        killed,
        timeline,
        requests: load.requests,
        waits: load.waits(),
        caller: callerView(attempts, timeline),
        account,
        statusAfterKill: status.states,
        statusSaidDown,
        restart,
        settle,
        outboxLeft,
        deadLettered,
        groups: groups.summary(),
        pools,
        failures: [],
        seconds: 0,
      };
    } finally {
      await reader.close();
    }
    result.failures = verdict(result);
    result.seconds = (epochNow() - roundStarted) / 1000;
    rounds.push(result);
    const a = result.account;
    log(
      `  acknowledged ${a.acknowledged} (+${a.acknowledgedAsDuplicate} as duplicates), stored ${a.stored}, published ${a.published}, candidates ${a.candidates}, counted ${a.counted}/${a.expectedCount}; lost ${a.lost.total}, doubled ${a.duplicates.total}, phantoms ${a.phantoms.total}`,
    );
    log(
      `  ${result.failures.length === 0 ? 'passed' : `FAILED: ${result.failures.join('; ')}`} (${result.seconds.toFixed(0)} s)`,
    );
  }

  const finished = epochNow();
  return {
    runId,
    seed: options.seed,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    seconds: (finished - started) / 1000,
    platformStartSeconds,
    rounds,
    passed: rounds.every((r) => r.failures.length === 0),
    notes,
  };
}

function describeKills(plan: RoundPlan): string {
  if (plan.kills.length === 0) return 'nothing (control)';
  return plan.kills
    .map((k) =>
      k.replicas ? k.replicas.map((r) => Platform.replicaId(k.part as 'residents', r)).join(', ') : k.part,
    )
    .join(', ');
}

/**
 * Waits until the platform has caught up: every replica ready, both outboxes empty, and every
 * group reading the residents topic at its end, twice in a row (a group commits after it writes).
 */
async function settlePlatform(
  options: RunOptions,
  platform: Platform,
  kafka: ReturnType<typeof kafkaClient>,
  log: (line: string) => void,
): Promise<RoundResult['settle']> {
  const started = epochNow();
  const deadline = started + options.settleTimeoutSeconds * 1000;
  let calm = 0;
  let lag: Record<string, number | null> = {};
  let outbox: Record<string, number> = {};
  let lastLog = 0;
  const reader = new StoreReader(options.mongoUrl);
  await reader.connect();
  try {
    while (epochNow() < deadline) {
      try {
        const ready =
          (await allReady(platform.ports('residents'))) && (await allReady(platform.ports('jobs')));
        outbox = {
          residents: (await reader.outbox('residents')).count,
          jobs: (await reader.outbox('jobs')).count,
        };
        lag = await lagOf(kafka, Topics.residents, RESIDENTS_TOPIC_GROUPS);
        const caughtUp = Object.values(lag).every((n) => n === 0);
        const empty = Object.values(outbox).every((n) => n === 0);
        calm = ready && caughtUp && empty ? calm + 1 : 0;
        if (epochNow() - lastLog > 10_000) {
          lastLog = epochNow();
          log(`  settling: ready ${ready}, outbox ${JSON.stringify(outbox)}, lag ${JSON.stringify(lag)}`);
        }
        if (calm >= 2) break;
      } catch (err) {
        calm = 0;
        log(`  settling: ${(err as Error).message}`);
      }
      await sleep(1_000);
    }
  } finally {
    await reader.close();
  }
  return { seconds: (epochNow() - started) / 1000, settled: calm >= 2, lag, outbox };
}

/**
 * Each jobs replica's pool against the store: the candidates of the round's communities. A
 * replica learns other replicas' writes by polling every few seconds, so a difference is looked
 * at again for up to 20 s before it counts.
 */
async function comparePools(
  ports: number[],
  token: string,
  vacancyId: string,
  store: ReadonlySet<string>,
  ours: ReadonlySet<string>,
  log: (line: string) => void,
): Promise<RoundResult['pools']> {
  const out: RoundResult['pools'] = [];
  for (const port of ports) {
    const started = epochNow();
    let last: RoundResult['pools'][number] | undefined;
    for (;;) {
      try {
        const pool = await poolOf(port, token, vacancyId);
        const missing = [...store].filter((id) => !pool.ids.has(id)).length;
        const extra = [...pool.ids].filter((id) => ours.has(id) && !store.has(id)).length;
        last = {
          port,
          considered: pool.considered,
          eligible: pool.eligible,
          store: store.size,
          missing,
          extra,
          equal: missing === 0 && extra === 0,
          seconds: (epochNow() - started) / 1000,
        };
      } catch (err) {
        last = {
          port,
          considered: 0,
          eligible: 0,
          store: store.size,
          missing: store.size,
          extra: 0,
          equal: false,
          seconds: (epochNow() - started) / 1000,
          error: (err as Error).message.slice(0, 300),
        };
      }
      if (last.equal || epochNow() - started > 20_000) break;
      await sleep(2_000);
    }
    log(
      `  jobs :${port} pool: ${last.considered} in the round's communities, store ${last.store} of the round's people, missing ${last.missing}, extra ${last.extra}`,
    );
    out.push(last);
  }
  return out;
}

/** What makes a round fail, in words. */
export function verdict(r: RoundResult): string[] {
  const f: string[] = [];
  const a = r.account;
  if (a.lost.total > 0)
    f.push(
      `lost ${a.lost.total} (acknowledged not stored ${a.lost.notStored}, not published ${a.lost.notPublished}, no candidate ${a.lost.noCandidate}, not counted ${a.lost.counters})`,
    );
  if (a.duplicates.total > 0)
    f.push(
      `doubled ${a.duplicates.total} (stored ${a.duplicates.store}, second event ${a.duplicates.events}, counter above the stored people ${a.duplicates.counters})`,
    );
  if (a.phantoms.total > 0)
    f.push(
      `${a.phantoms.total} effects of people not stored (events ${a.phantoms.events}, candidates ${a.phantoms.candidates})`,
    );
  if (a.idMismatches > 0) f.push(`${a.idMismatches} answers named a resident id that is not stored`);
  if (r.caller.serverErrors > 0) f.push(`${r.caller.serverErrors} answers 500 (or another 5xx but 503)`);
  const without = Object.entries(r.caller.retryAfter)
    .filter(([label, n]) => label === '503' && n.without > 0)
    .map(([, n]) => n.without)[0];
  if (without) f.push(`${without} answers 503 without Retry-After`);
  if (a.unanswered > 0) f.push(`${a.unanswered} people never had an answer (their retries gave up)`);
  if (a.rejected > 0) f.push(`${a.rejected} people refused with a 4xx (valid people: a wrong answer)`);
  if (!r.statusSaidDown) f.push(`scripts/status did not say down for ${r.killed.join(', ')}`);
  if (!r.restart.ok)
    f.push(`scripts/start did not bring the platform back: ${r.restart.error ?? ''}`.slice(0, 400));
  if (r.restart.disturbed.length > 0)
    f.push(`scripts/start restarted parts that were running: ${r.restart.disturbed.join(', ')}`);
  if (!r.settle.settled)
    f.push(
      `not settled after ${r.settle.seconds.toFixed(0)} s (outbox ${JSON.stringify(r.settle.outbox)}, lag ${JSON.stringify(r.settle.lag)})`,
    );
  for (const [db, left] of Object.entries(r.outboxLeft)) {
    if (left.count > 0) f.push(`${left.count} records left in the ${db} outbox`);
  }
  if (r.deadLettered.length > 0) f.push(`${r.deadLettered.length} events dead-lettered`);
  // Every group is back to one member per replica: the groups rebalanced after the kill.
  const regrouped = Object.entries(r.groups).filter(([, m]) => m.last !== r.replicas);
  if (regrouped.length > 0)
    f.push(
      `consumer groups not back to ${r.replicas} member(s): ${regrouped.map(([g, m]) => `${g} ${m.last ?? 'unknown'}`).join(', ')}`,
    );
  for (const p of r.pools) {
    if (!p.equal)
      f.push(
        `jobs :${p.port} pool differs from the store (missing ${p.missing}, extra ${p.extra}${p.error ? `, ${p.error}` : ''})`,
      );
  }
  return f;
}

/** The area tree the rounds register into: street r of each district, four communities each. */
async function seedAreas(
  baseUrl: string,
  token: string,
  districts: string[],
  streets: number,
): Promise<void> {
  const rows = wuhanAreaRows({
    districts,
    streetsPerDistrict: streets,
    communitiesPerStreet: COMMUNITIES_PER_STREET,
  });
  for (let i = 0; i < rows.length; i += 1000) {
    const res = await fetch(`${baseUrl}/v1/areas/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ areas: rows.slice(i, i + 1000) }),
    });
    const body = (await res.json()) as { summary?: { invalid: number; forbidden: number } };
    if (res.status !== 200 || body.summary?.invalid || body.summary?.forbidden)
      throw new Error(`seeding the area tree: HTTP ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
  }
}

/** One open vacancy any of the suite's people is eligible for: its match list shows a pool. */
async function postVacancy(
  baseUrl: string,
  token: string,
  communityCode: string,
  runId: string,
): Promise<string> {
  // A credit code of its own per run (digits only: some letters are not allowed in one).
  const body = String(Number.parseInt(runId, 36) % 1e8).padStart(8, '0');
  const post = async (path: string, payload: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const answer = (await res.json()) as { id?: string };
    if (res.status !== 201 || !answer.id)
      throw new Error(`POST ${path}: HTTP ${res.status} ${JSON.stringify(answer).slice(0, 400)}`);
    return answer.id;
  };
  const employerId = await post('/v1/employers', {
    creditCode: creditCodeFor(`91420100${organizationCodeFor(body)}`),
    name: '故障演练保洁服务有限公司',
    communityCode,
  });
  return post('/v1/vacancies', {
    employerId,
    communityCode,
    title: '社区保洁员',
    occupation: '保洁员',
    wage: { min: 3000, max: 4000 },
    places: 100,
    closesOn: '2099-12-31',
    acceptsPartialCapacity: true,
  });
}
