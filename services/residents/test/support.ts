import { type DescMessage, fromBinary, type MessageShape } from '@bufbuild/protobuf';
import type { EventEnvelope } from '@employment/contracts';
import { type Logger, loadConfig } from '@employment/core';
import { LocalIssuer } from '@employment/http';
import { createNationalIdGenerator } from '@employment/identifiers';
import { ServiceRuntime, type StartOptions } from '@employment/kit';
import {
  eventually,
  type KafkaProbe,
  randomKeyBase64,
  testServiceEnv,
  uniqueName,
} from '@employment/testing';
import mongoose from 'mongoose';
import { type ResidentsConfig, residentsConfigSchema } from '../src/config.ts';
import { residentsService } from '../src/service.ts';

export const DISTRICT_A = '420102'; // 江岸区
export const DISTRICT_B = '420103'; // 江汉区

const ids = createNationalIdGenerator(Date.now() % 2_147_483_647);
/** A valid national ID number no other test used, of someone of working age. */
export const newNationalId = (options: { birthDate?: string; sex?: 'male' | 'female' } = {}) =>
  ids.next({
    regionCode: DISTRICT_A,
    birthDate: options.birthDate ?? '1985-06-15',
    ...(options.sex ? { sex: options.sex } : {}),
  });

/**
 * The area tree every test service starts with (seeded by startResidents): the city 4201, districts
 * A and B, streets 001-010 in each, 15 communities per street, buildings 001 and 002 in each
 * community. Street 001 is left to tests that name codes themselves (e.g. 420102001001).
 */
export const TEST_TREE = {
  city: '4201',
  districts: [DISTRICT_A, DISTRICT_B],
  streets: 10,
  communities: 15,
  buildings: 2,
};

const pad3 = (n: number) => String(n).padStart(3, '0');
const communitySeq = new Map<string, number>();
/** A community of the seeded tree that no other test of this file used (streets 002-010). */
export const newCommunity = (district = DISTRICT_A) => {
  const i = communitySeq.get(district) ?? 0;
  communitySeq.set(district, i + 1);
  const perStreet = TEST_TREE.communities;
  const slots = (TEST_TREE.streets - 1) * perStreet;
  const n = i % slots;
  return `${district}${pad3(2 + Math.floor(n / perStreet))}${pad3(1 + (n % perStreet))}`;
};

/** A building (楼院) of the seeded tree in a community. */
export const buildingOf = (community: string, n = 1) => `${community}${pad3(n)}`;

/** The seeded tree as import rows, parents first. */
export function testTreeRows(): Array<{ code: string; name: string }> {
  const rows = [{ code: TEST_TREE.city, name: '武汉市' }];
  for (const district of TEST_TREE.districts) {
    rows.push({ code: district, name: district === DISTRICT_A ? '江岸区' : '江汉区' });
    for (let s = 1; s <= TEST_TREE.streets; s++) {
      const street = `${district}${pad3(s)}`;
      rows.push({ code: street, name: `测试街道${s}` });
      for (let c = 1; c <= TEST_TREE.communities; c++) {
        const community = `${street}${pad3(c)}`;
        rows.push({ code: community, name: `测试社区${s}-${c}` });
        for (let b = 1; b <= TEST_TREE.buildings; b++)
          rows.push({ code: `${community}${pad3(b)}`, name: `${b}号楼` });
      }
    }
  }
  return rows;
}

export function registration(overrides: Record<string, unknown> = {}) {
  return {
    nationalId: newNationalId(),
    fullName: '王秀英',
    communityCode: newCommunity(),
    employmentStatus: 'unemployed',
    skills: ['电焊', 'forklift driving'],
    education: 'senior-secondary',
    ...overrides,
  };
}

/** An issuer whose JWKS the service under test trusts, and tokens for district clients. */
export class TestAuth {
  readonly issuer: LocalIssuer;
  readonly jwksUrl: string;
  private readonly close: () => Promise<void>;

  private constructor(issuer: LocalIssuer, jwksUrl: string, close: () => Promise<void>) {
    this.issuer = issuer;
    this.jwksUrl = jwksUrl;
    this.close = close;
  }

  static async start(): Promise<TestAuth> {
    const issuer = await LocalIssuer.create();
    const { server, jwksUrl } = await issuer.serve();
    return new TestAuth(issuer, jwksUrl, () => new Promise((resolve) => server.close(() => resolve())));
  }

  /** A token of a district system scoped to `area`. */
  token(
    area: string = DISTRICT_A,
    roles = ['residents:read', 'residents:write'],
    clientId = `district-${area}`,
  ) {
    return this.issuer.token({ clientId, roles, areas: [area] });
  }

  stop() {
    return this.close();
  }
}

const authOfConfig = new WeakMap<ResidentsConfig, TestAuth>();

/**
 * A configuration of its own: database, event topics and consumer groups no other test file
 * uses, so files can run in parallel without reading each other's events.
 */
export function residentsTestConfig(auth: TestAuth, env: Record<string, string> = {}): ResidentsConfig {
  const config = loadConfig(
    residentsConfigSchema,
    testServiceEnv({
      AUTH_JWKS_URL: auth.jwksUrl,
      MONGODB_DATABASE: uniqueName('residents_test'),
      PII_ENCRYPTION_KEY: randomKeyBase64(),
      PII_HASH_KEY: randomKeyBase64(),
      RESIDENTS_EVENTS_TOPIC: uniqueName('test.residents'),
      JOBS_EVENTS_TOPIC: uniqueName('test.jobs'),
      CONSUMER_GROUP_PREFIX: uniqueName('residents'),
      ...env,
    }),
  );
  authOfConfig.set(config, auth);
  return config;
}

export interface RunningResidents {
  runtime: ServiceRuntime<ResidentsConfig>;
  url: string;
  request: (
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ) => Promise<ApiResponse>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  body: any;
}

/**
 * Starts the service in this process and seeds the test tree (through the API, as an importer
 * would; a restart finds it all `unchanged`). `seed: false` starts with an empty tree.
 */
export async function startResidents(
  config: ResidentsConfig,
  options: StartOptions & { logger?: Logger; seed?: boolean; now?: () => Date } = {},
): Promise<RunningResidents> {
  const { seed = true, now, ...startOptions } = options;
  const runtime = await ServiceRuntime.start(residentsService(config, now ? { now } : {}), {
    healthIntervalMs: 200,
    ...startOptions,
  });
  const url = `http://127.0.0.1:${runtime.port}`;
  const running: RunningResidents = {
    runtime,
    url,
    request: async (method, path, { token, body, headers = {} } = {}) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, headers: res.headers, body: parsed };
    },
  };
  const auth = authOfConfig.get(config);
  if (seed && auth) {
    try {
      await seedTestTree(running, auth);
    } catch (err) {
      await runtime.stop();
      throw err;
    }
  }
  return running;
}

/** Imports the test tree through POST /v1/areas/batch with a city-wide token. */
export async function seedTestTree(service: RunningResidents, auth: TestAuth): Promise<void> {
  // A client of its own: rate limits count per client across every test service on the same Redis.
  const token = await auth.issuer.token({
    clientId: uniqueName('test-seeder'),
    roles: ['areas:write'],
    areas: ['*'],
  });
  const rows = testTreeRows();
  for (let i = 0; i < rows.length; i += 1000) {
    const res = await service.request('POST', '/v1/areas/batch', {
      token,
      body: { areas: rows.slice(i, i + 1000) },
    });
    const summary = res.body?.summary;
    if (res.status !== 200 || summary.invalid > 0 || summary.forbidden > 0) {
      throw new Error(
        `seeding the test tree failed: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`,
      );
    }
  }
  // Tests count what is pending in the outbox: start once the tree's events are published.
  await eventually(async () => (await service.runtime.store.collection('outbox').countDocuments()) === 0, {
    what: 'the tree’s events to be published',
    timeoutMs: 30_000,
  });
}

/** Drops a test database. */
export async function dropDatabase(config: ResidentsConfig): Promise<void> {
  const connection = await mongoose
    .createConnection(config.MONGODB_URL, { dbName: config.MONGODB_DATABASE })
    .asPromise();
  await connection.dropDatabase().catch(() => undefined);
  await connection.close();
}

/** The events of one type (and subject) a probe received on a topic, decoded, in arrival order. */
export function eventsOf<S extends DescMessage>(
  probe: KafkaProbe,
  topic: string,
  schema: S,
  subject?: string,
): Array<{ envelope: EventEnvelope; payload: MessageShape<S>; offset: string; partition: number }> {
  return probe
    .envelopes(topic)
    .filter((e) => e.envelope.eventType === schema.typeName && (!subject || e.envelope.subject === subject))
    .map((e) => ({
      envelope: e.envelope,
      payload: fromBinary(schema, e.envelope.payload),
      offset: e.record.offset,
      partition: e.record.partition,
    }));
}

/** Registers one person and returns the stored record. */
export async function registerPerson(
  service: RunningResidents,
  token: string,
  overrides: Record<string, unknown> & { birthDate?: string; sex?: 'male' | 'female' } = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
): Promise<any> {
  const { birthDate, sex, ...rest } = overrides;
  const res = await service.request('POST', '/v1/residents', {
    token,
    body: registration({
      nationalId: newNationalId({ ...(birthDate ? { birthDate } : {}), ...(sex ? { sex } : {}) }),
      ...rest,
    }),
  });
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Records a new employment status for a person, reading their version first. */
export async function changeStatus(
  service: RunningResidents,
  token: string,
  residentId: string,
  status: string,
  extra: Record<string, unknown> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
): Promise<any> {
  const current = await service.request('GET', `/v1/residents/${residentId}`, { token });
  const res = await service.request('POST', `/v1/residents/${residentId}/employment-status`, {
    token,
    body: { status, version: current.body.version, ...extra },
  });
  if (res.status !== 200) throw new Error(`status change failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
