import { randomBytes, randomUUID } from 'node:crypto';
import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  Education,
  EmploymentStatus,
  EmploymentStatusChangedSchema,
  HardshipCategory,
  HouseholdStatusChangedSchema,
  ResidentProfileChangedSchema,
  ResidentRegisteredSchema,
  Sex,
  WorkCapacity,
} from '@employment/contracts';
import { loadConfig } from '@employment/core';
import { LocalIssuer } from '@employment/http';
import { creditCodeFor, organizationCodeFor } from '@employment/identifiers';
import { ServiceRuntime, type StartOptions } from '@employment/kit';
import { buildEvent, deadLetterTopic, type OutboxEvent } from '@employment/messaging';
import { testKafka, testServiceEnv, uniqueName } from '@employment/testing';
import type { Producer } from 'kafkajs';
import mongoose from 'mongoose';
import { type JobsConfig, jobsConfigSchema } from '../src/config.ts';
import { addMonths, chinaDate } from '../src/domain/dates.ts';
import { jobsService } from '../src/service.ts';

export const DISTRICT_A = '420105'; // 汉阳区: no other test suite of the platform uses it
export const DISTRICT_B = '420106'; // 武昌区

let streetSeq = Math.floor(Math.random() * 800) + 100;
/** A street (9 digits) of a district that no other test in this run used. */
export const newStreet = (district = DISTRICT_A) =>
  `${district}${String(streetSeq++ % 1000).padStart(3, '0')}`;
/** A community of a street: 12 digits. */
export const community = (street: string, n = 1) => `${street}${String(n).padStart(3, '0')}`;

export const today = () => chinaDate(new Date());
export const monthsAgo = (months: number) => addMonths(today(), -months);

/** A valid unified social credit code no other test used (an enterprise registered in Wuhan). */
export function newCreditCode(): string {
  const body = randomBytes(8)
    .toString('hex')
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '0')
    .slice(0, 8);
  return creditCodeFor(`91420100${organizationCodeFor(body)}`);
}

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

  /** A district system's token scoped to `area`. */
  token(area: string = DISTRICT_A, roles = ['jobs:read', 'jobs:write'], clientId = `district-${area}`) {
    return this.issuer.token({ clientId, roles, areas: [area] });
  }

  stop() {
    return this.close();
  }
}

/** A configuration of its own: database, residents topic and consumer group, so test files never meet. */
export function jobsTestConfig(auth: TestAuth, env: Record<string, string> = {}): JobsConfig {
  return loadConfig(
    jobsConfigSchema,
    testServiceEnv({
      AUTH_JWKS_URL: auth.jwksUrl,
      MONGODB_DATABASE: uniqueName('jobs_test'),
      RESIDENTS_EVENTS_TOPIC: `test.residents.${uniqueName('jobs')}`,
      CANDIDATES_CONSUMER_GROUP: uniqueName('jobs-candidates-test'),
      CANDIDATE_POOL_REFRESH_MS: '500',
      ...env,
    }),
  );
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  body: any;
}

export interface RunningJobs {
  runtime: ServiceRuntime<JobsConfig>;
  url: string;
  request: (
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ) => Promise<ApiResponse>;
}

export async function startJobs(config: JobsConfig, options: StartOptions = {}): Promise<RunningJobs> {
  const runtime = await ServiceRuntime.start(jobsService(config), { healthIntervalMs: 200, ...options });
  const url = `http://127.0.0.1:${runtime.port}`;
  return {
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
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
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
}

/** Drops the test database and deletes the topics made for this configuration. */
export async function cleanUp(config: JobsConfig): Promise<void> {
  const connection = await mongoose
    .createConnection(config.MONGODB_URL, { dbName: config.MONGODB_DATABASE })
    .asPromise();
  await connection.dropDatabase().catch(() => undefined);
  await connection.close();
  const admin = testKafka('cleanup').admin();
  await admin.connect();
  await admin
    .deleteTopics({
      topics: [config.RESIDENTS_EVENTS_TOPIC, deadLetterTopic(config.CANDIDATES_CONSUMER_GROUP)],
    })
    .catch(() => undefined);
  await admin.deleteGroups([config.CANDIDATES_CONSUMER_GROUP]).catch(() => undefined);
  await admin.disconnect();
}

// Residents' events, as the residents service publishes them.

export interface PersonSpec {
  residentId?: string;
  communityCode: string;
  fullName?: string;
  sex?: 'male' | 'female';
  birthDate?: string;
  status?: EmploymentStatus;
  education?: Education;
  workCapacity?: WorkCapacity;
  hardship?: HardshipCategory[];
  skills?: string[];
  occupation?: string;
  householdId?: string;
}

function residentsEvent<S extends DescMessage>(
  topic: string,
  subject: string,
  communityCode: string,
  schema: S,
  payload: MessageInitShape<S>,
): OutboxEvent {
  return buildEvent('residents', { topic, subject, communityCode, schema, payload } as never);
}

export function registered(topic: string, spec: PersonSpec): { residentId: string; event: OutboxEvent } {
  const residentId = spec.residentId ?? randomUUID();
  const [year, month, day] = (spec.birthDate ?? '1988-04-20').split('-').map(Number) as [
    number,
    number,
    number,
  ];
  const event = residentsEvent(topic, residentId, spec.communityCode, ResidentRegisteredSchema, {
    residentId,
    communityCode: spec.communityCode,
    fullName: spec.fullName ?? '李建国',
    sex: spec.sex === 'female' ? Sex.FEMALE : Sex.MALE,
    birthDate: { year, month, day },
    employmentStatus: spec.status ?? EmploymentStatus.UNEMPLOYED,
    education: spec.education ?? Education.SENIOR_SECONDARY,
    workCapacity: spec.workCapacity ?? WorkCapacity.FULL,
    hardshipCategories: spec.hardship ?? [],
    skills: spec.skills ?? [],
    occupation: spec.occupation ?? '',
    householdId: spec.householdId ?? '',
    registeredBy: 'district-test',
  });
  return { residentId, event };
}

export function profileChanged(
  topic: string,
  residentId: string,
  version: number,
  spec: Omit<PersonSpec, 'residentId' | 'sex' | 'birthDate' | 'status'>,
): OutboxEvent {
  return residentsEvent(topic, residentId, spec.communityCode, ResidentProfileChangedSchema, {
    residentId,
    communityCode: spec.communityCode,
    fullName: spec.fullName ?? '李建国',
    education: spec.education ?? Education.SENIOR_SECONDARY,
    workCapacity: spec.workCapacity ?? WorkCapacity.FULL,
    hardshipCategories: spec.hardship ?? [],
    skills: spec.skills ?? [],
    occupation: spec.occupation ?? '',
    householdId: spec.householdId ?? '',
    version,
  });
}

export function statusChanged(
  topic: string,
  residentId: string,
  communityCode: string,
  version: number,
  status: EmploymentStatus,
): OutboxEvent {
  return residentsEvent(topic, residentId, communityCode, EmploymentStatusChangedSchema, {
    residentId,
    communityCode,
    previousStatus: EmploymentStatus.UNEMPLOYED,
    status,
    since: timestampFromDate(new Date()),
    reason: 'survey',
    version,
  });
}

export function householdChanged(
  topic: string,
  householdId: string,
  communityCode: string,
  version: number,
  zeroEmployment: boolean,
  members: string[],
): OutboxEvent {
  return residentsEvent(topic, householdId, communityCode, HouseholdStatusChangedSchema, {
    householdId,
    communityCode,
    zeroEmployment,
    doubleUnemployed: false,
    since: timestampFromDate(new Date()),
    memberResidentIds: members,
    previousZeroEmployment: !zeroEmployment,
    version,
  });
}

export async function publish(producer: Producer, topic: string, events: OutboxEvent[]): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: events.map((e) => ({
      key: e.key,
      value: e.value,
      headers: { ...e.headers, 'event-id': e.eventId },
    })),
  });
}

export { Education, EmploymentStatus, HardshipCategory, WorkCapacity };
