/**
 * Times the match of one vacancy against 10,000 candidate profiles over HTTP, on the local stack.
 *
 *   INFRA_PROFILE=test scripts/infra-ctl start
 *   node services/jobs/bench/match-bench.ts [--candidates 10000] [--calls 20] [--limit 20]
 *
 * Seeds the candidates straight into a database of its own (as the consumer of residents' events
 * would have left them), starts the jobs service in-process on it (the pool loads at start), posts
 * a vacancy, then calls GET /v1/vacancies/{id}/candidates: a few warm-up calls, then `--calls`
 * timed ones. Prints p50/p95/max; drops the database and its topics afterwards.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '@employment/core';
import { LocalIssuer } from '@employment/http';
import { creditCodeFor, organizationCodeFor } from '@employment/identifiers';
import { ServiceRuntime } from '@employment/kit';
import { deadLetterTopic } from '@employment/messaging';
import { Kafka, logLevel } from 'kafkajs';
import mongoose from 'mongoose';
import { jobsConfigSchema } from '../src/config.ts';
import type { CandidateDocument } from '../src/data-access/models.ts';
import { SkillVocabulary } from '../src/domain/skills.ts';
import { EDUCATION_LEVELS, type HardshipCategory } from '../src/domain/vocabulary.ts';
import { jobsService } from '../src/service.ts';

const { values: args } = parseArgs({
  options: {
    candidates: { type: 'string', default: '10000' },
    calls: { type: 'string', default: '20' },
    limit: { type: 'string', default: '20' },
  },
});
const CANDIDATES = Number(args.candidates);
const CALLS = Number(args.calls);
const LIMIT = Number(args.limit);
const DISTRICT = '420105';

const env = {
  MONGODB_URL: process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27027',
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9192',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6389',
};
const run = `${Date.now().toString(36)}`;

// A deterministic pseudo-random sequence, so every run seeds the same population.
let seed = 20_240_501;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function population(count: number): CandidateDocument[] {
  const vocabulary = SkillVocabulary.bundled();
  const concepts = vocabulary.search('', { limit: 10_000 });
  const skills = concepts.filter((c) => c.kind === 'skill');
  const occupations = concepts.filter((c) => c.kind === 'occupation');
  const hardship: HardshipCategory[] = ['disabled', 'minimum-living-allowance', 'long-term-unemployed'];
  const now = new Date();
  return Array.from({ length: count }, (_, i) => {
    // Labels as people write them: English, Chinese or a synonym.
    const label = () => {
      const c = pick(skills);
      return pick([c.en, c.zh, ...c.synonyms]);
    };
    const street = String(1 + Math.floor(random() * 20)).padStart(3, '0');
    const community = String(1 + Math.floor(random() * 12)).padStart(3, '0');
    const year = 1966 + Math.floor(random() * 40);
    return {
      _id: randomUUID(),
      communityCode: `${DISTRICT}${street}${community}`,
      fullName: `候选人${i}`,
      sex: random() < 0.5 ? 'male' : 'female',
      birthDate: `${year}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-15`,
      education: pick(EDUCATION_LEVELS),
      workCapacity: random() < 0.93 ? 'full' : 'partial',
      hardshipCategories: random() < 0.25 ? [pick(hardship)] : [],
      skills: Array.from({ length: 1 + Math.floor(random() * 5) }, label),
      occupation: random() < 0.4 ? pick(occupations).zh : null,
      householdId: null,
      employmentStatus:
        random() < 0.85 ? 'unemployed' : pick(['laid-off', 'flexibly-employed', 'employed'] as const),
      statusSince: now,
      profileVersion: 1,
      statusVersion: 1,
      preferences:
        random() < 0.3
          ? {
              occupations: [vocabulary.ref(pick(occupations).en)],
              maxDistance: pick(['street', 'district', 'city'] as const),
              minMonthlyWage: 3000 + Math.floor(random() * 4) * 500,
              updatedAt: now,
              updatedBy: 'bench',
            }
          : null,
      preferencesVersion: 0,
      activePlacementId: null,
      registeredAt: now,
      syncedAt: now,
    } satisfies CandidateDocument;
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main() {
  const issuer = await LocalIssuer.create();
  const { server, jwksUrl } = await issuer.serve();
  const config = loadConfig(jobsConfigSchema, {
    ...env,
    AUTH_JWKS_URL: jwksUrl,
    HTTP_PORT: '0',
    MONGODB_DATABASE: `jobs_bench_${run}`,
    RESIDENTS_EVENTS_TOPIC: `bench.residents.${run}`,
    CANDIDATES_CONSUMER_GROUP: `jobs-bench-${run}`,
    KAFKA_TOPIC_PARTITIONS: '3',
    LOG_LEVEL: 'warn',
  });

  const seeding = performance.now();
  const connection = await mongoose
    .createConnection(config.MONGODB_URL, { dbName: config.MONGODB_DATABASE })
    .asPromise();
  const people = population(CANDIDATES);
  for (let i = 0; i < people.length; i += 1_000) {
    await connection
      .collection('candidates')
      .insertMany(people.slice(i, i + 1_000) as never[], { ordered: false });
  }
  const seedMs = performance.now() - seeding;

  const starting = performance.now();
  const definition = jobsService(config);
  const runtime = await ServiceRuntime.start(definition);
  const startMs = performance.now() - starting;
  const url = `http://127.0.0.1:${runtime.port}`;
  const token = await issuer.token({
    clientId: `district-${DISTRICT}`,
    roles: ['jobs:read', 'jobs:write'],
    areas: [DISTRICT],
  });
  let serverMs = 0;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    serverMs = Number(/dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? Number.NaN);
    return json;
  };

  try {
    const employer = await call('POST', '/v1/employers', {
      creditCode: creditCodeFor(`91420100${organizationCodeFor(String(Date.now()).slice(-8))}`),
      name: '汉阳装备制造有限公司',
      communityCode: `${DISTRICT}001001`,
    });
    const vacancy = await call('POST', '/v1/vacancies', {
      employerId: employer.id,
      communityCode: `${DISTRICT}003002`,
      title: '电焊工',
      occupation: '焊工',
      requiredSkills: ['电焊', '叉车', 'first aid'],
      optionalSkills: ['气焊', 'C1驾照'],
      minimumEducation: 'junior-secondary',
      ageMin: 18,
      ageMax: 55,
      wage: { min: 4500, max: 6500 },
      places: 5,
      closesOn: '2099-12-31',
    });
    const path = `/v1/vacancies/${vacancy.id}/candidates?limit=${LIMIT}`;
    let last: Record<string, unknown> = {};
    for (let i = 0; i < 3; i++) last = await call('GET', path);
    const times: number[] = [];
    const inService: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      last = await call('GET', path);
      times.push(performance.now() - t);
      inService.push(serverMs);
    }
    times.sort((a, b) => a - b);
    inService.sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    const result = {
      candidatesInPool: definition.pool.size,
      considered: last.considered,
      eligible: last.eligible,
      returned: (last.items as unknown[]).length,
      calls: CALLS,
      httpMs: {
        p50: round(percentile(times, 50)),
        p95: round(percentile(times, 95)),
        max: round(times.at(-1)!),
        min: round(times[0]!),
      },
      // The Server-Timing the service reports: scoring the pool plus its store round trips.
      serviceMs: { p50: round(percentile(inService, 50)), p95: round(percentile(inService, 95)) },
      loadAverage: os.loadavg().map((l) => round(l)),
      seedMs: Math.round(seedMs),
      serviceStartMs: Math.round(startMs),
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await runtime.stop();
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
    const admin = new Kafka({
      clientId: 'bench',
      brokers: config.KAFKA_BROKERS,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin
      .deleteTopics({
        topics: [config.RESIDENTS_EVENTS_TOPIC, deadLetterTopic(config.CANDIDATES_CONSUMER_GROUP)],
      })
      .catch(() => undefined);
    await admin.deleteGroups([config.CANDIDATES_CONSUMER_GROUP]).catch(() => undefined);
    await admin.disconnect();
    server.close();
  }
}

await main();
// ServiceRuntime.stop() leaves the kit's health-check Kafka client connected, which would keep this
// process alive: exit explicitly once the measurement is printed and everything is cleaned up.
process.exit(0);
