import { createNationalIdGenerator } from '@employment/identifiers';
import { LocalIssuer, type Logger, loadConfig, ServiceRuntime, type StartOptions } from '@employment/kit';
import { randomKeyBase64, testServiceEnv, uniqueName } from '@employment/testing';
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

let communitySeq = Math.floor(Math.random() * 900);
/** A community code of a district that no other test in this run used. */
export const newCommunity = (district = DISTRICT_A) =>
  `${district}${String(100 + (communitySeq++ % 900)).padStart(3, '0')}${String(Math.floor(Math.random() * 900) + 100)}`;

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

export function residentsTestConfig(auth: TestAuth, env: Record<string, string> = {}): ResidentsConfig {
  return loadConfig(
    residentsConfigSchema,
    testServiceEnv({
      AUTH_JWKS_URL: auth.jwksUrl,
      MONGODB_DATABASE: uniqueName('residents_test'),
      PII_ENCRYPTION_KEY: randomKeyBase64(),
      PII_HASH_KEY: randomKeyBase64(),
      ...env,
    }),
  );
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

export async function startResidents(
  config: ResidentsConfig,
  options: StartOptions & { logger?: Logger } = {},
): Promise<RunningResidents> {
  const runtime = await ServiceRuntime.start(residentsService(config), { healthIntervalMs: 200, ...options });
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
}

/** Drops a test database. */
export async function dropDatabase(config: ResidentsConfig): Promise<void> {
  const connection = await mongoose
    .createConnection(config.MONGODB_URL, { dbName: config.MONGODB_DATABASE })
    .asPromise();
  await connection.dropDatabase().catch(() => undefined);
  await connection.close();
}
