import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseConfigSchema } from '@employment/core';
import { LocalIssuer } from '@employment/http';
import mongoose from 'mongoose';
import { randomKeyBase64, testServiceEnv, uniqueName } from '../infra.ts';
import { testKafka } from '../kafka-probe.ts';
import { repositoryRoot, ServiceProcess } from '../service-process.ts';
import { eventually } from '../wait.ts';
import { ApiClient, type ApiRequest, type ApiResponse } from './client.ts';
import { type ApiDocument, type ApiOperation, operationsOf } from './document.ts';
import { type ApiSeed, type District, RecordPool, type SeedContext, type Visibility } from './seeds.ts';

/** The two districts of every run: A's records are attacked by B. Both lie in the residents test tree. */
export const DISTRICTS = { A: '420102', B: '420103' } as const;

/** A free port on the loopback interface (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PlatformService {
  name: string;
  url: string;
  env: Record<string, string>;
  port: number;
  process: ServiceProcess;
  document: ApiDocument;
  operations: ApiOperation[];
  /** Its seed module, when it has one (services/<name>/test/api-seed.ts). */
  seed: ApiSeed | undefined;
}

/** Every service of the repository (a folder under services/ with src/main.ts), sorted. */
export function repositoryServices(): string[] {
  const root = join(repositoryRoot, 'services');
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'src', 'main.ts')))
    .sort();
}

/**
 * Every service of the repository as its own process (as scripts/start runs them), on the test
 * stack, with a local token issuer and its seed module: what the adversarial suite and the fuzz
 * run attack. Each run has databases and topics of its own, dropped by `stop`.
 */
export class ApiPlatform {
  readonly run: string;
  readonly issuer: LocalIssuer;
  readonly services: PlatformService[];
  readonly client: ApiClient;
  readonly pool = new RecordPool();
  districts!: { A: District; B: District };
  /**
   * The quota a client without one of its own gets, when the kit has per-client quotas and the
   * suites could give their own clients theirs; undefined when it has not (then nothing is cut).
   */
  readonly defaultQuota: number | undefined;
  private readonly jwks: Server;
  private readonly keyDir: string;

  private constructor(parts: {
    run: string;
    issuer: LocalIssuer;
    jwks: Server;
    keyDir: string;
    services: PlatformService[];
    defaultQuota: number | undefined;
  }) {
    this.run = parts.run;
    this.defaultQuota = parts.defaultQuota;
    this.issuer = parts.issuer;
    this.jwks = parts.jwks;
    this.keyDir = parts.keyDir;
    this.services = parts.services;
    this.client = new ApiClient(Object.fromEntries(parts.services.map((s) => [s.name, s.url])));
  }

  /** The issuer's key file: the suites sign malformed tokens with the trusted key too. */
  get keyFile(): string {
    return join(this.keyDir, 'issuer-key.json');
  }

  static async start(options: { services?: string[] } = {}): Promise<ApiPlatform> {
    const run = uniqueName('api').toLowerCase();
    const keyDir = mkdtempSync(join(tmpdir(), 'api-platform-'));
    const issuer = await LocalIssuer.create({ keyFile: join(keyDir, 'issuer-key.json') });
    const { server: jwks, jwksUrl } = await issuer.serve();
    const names = options.services ?? repositoryServices();
    const seeds = new Map<string, ApiSeed | undefined>();
    for (const name of names) seeds.set(name, await loadSeed(name));
    const { env: limits, defaultQuota } = rateLimitSettings(run);
    // The development secrets every service gets from scripts/start; a service reads what it needs.
    const shared = {
      AUTH_JWKS_URL: jwksUrl,
      PII_ENCRYPTION_KEY: randomKeyBase64(),
      PII_HASH_KEY: randomKeyBase64(),
      ...limits,
    };
    const started: PlatformService[] = [];
    try {
      await Promise.all(
        names.map(async (name) => {
          const port = await freePort();
          const env = testServiceEnv({
            ...shared,
            MONGODB_DATABASE: `${name}_${run}`,
            OUTBOX_SWEEP_INTERVAL_MS: '2000',
            ...(seeds.get(name)?.environment?.(run) ?? {}),
          });
          const process = new ServiceProcess(name, env, port);
          const service = { name, url: process.url, env, port, process } as PlatformService;
          started.push(service);
          await process.ready(90_000);
          const res = await fetch(`${process.url}/openapi.json`);
          service.document = (await res.json()) as ApiDocument;
          service.operations = operationsOf(name, service.document);
          service.seed = seeds.get(name);
        }),
      );
    } catch (err) {
      await Promise.all(started.map((s) => s.process.stop()));
      await new Promise((resolve) => jwks.close(resolve));
      throw err;
    }
    started.sort((a, b) => a.name.localeCompare(b.name));
    const platform = new ApiPlatform({ run, issuer, jwks, keyDir, services: started, defaultQuota });
    await platform.makeDistricts();
    return platform;
  }

  private async makeDistricts(): Promise<void> {
    const roles = [...new Set(this.services.flatMap((s) => s.seed?.roles ?? []))].sort();
    const district = async (label: 'A' | 'B'): Promise<District> => {
      const code = DISTRICTS[label];
      const clientId = districtClientId(label, this.run);
      return { label, code, clientId, token: await this.issuer.token({ clientId, roles, areas: [code] }) };
    };
    this.districts = { A: await district('A'), B: await district('B') };
  }

  service(name: string): PlatformService {
    const found = this.services.find((s) => s.name === name);
    if (!found) throw new Error(`no service ${name}`);
    return found;
  }

  get operations(): ApiOperation[] {
    return this.services.flatMap((s) => s.operations);
  }

  /** Who may see records of a name (from the seed modules); `area` when no module says. */
  visibility(name: string): Visibility {
    for (const s of this.services) {
      const canonical = this.canonicalName(name);
      const v = s.seed?.kinds[canonical];
      if (v) return v;
    }
    return 'area';
  }

  /** The kind a field or parameter name stands for: itself, or what a seed module's aliases say. */
  canonicalName(name: string, service?: string): string {
    const modules = service ? [this.service(service).seed] : this.services.map((s) => s.seed);
    for (const m of modules) {
      const alias = m?.aliases?.[name];
      if (alias) return alias;
    }
    return name;
  }

  /** A fresh value for a field name from the seed modules' `values`, or undefined. */
  fresh(name: string, district: District): unknown {
    for (const s of this.services) {
      const make = s.seed?.values?.[name];
      if (!make) continue;
      const value = make(district);
      if (typeof value === 'string' && s.seed?.neverShown?.includes(name)) this.pool.neverShown.add(value);
      return value;
    }
    return undefined;
  }

  /** Runs every seed module, dependencies first, for district A then B. */
  async seed(): Promise<void> {
    const order: PlatformService[] = [];
    const visit = (s: PlatformService, path: string[]) => {
      if (order.includes(s)) return;
      if (path.includes(s.name)) throw new Error(`seed modules depend on each other: ${path.join(' → ')}`);
      for (const dep of s.seed?.after ?? []) {
        if (this.services.some((x) => x.name === dep)) visit(this.service(dep), [...path, s.name]);
      }
      order.push(s);
    };
    for (const s of this.services) visit(s, []);
    for (const s of order) {
      if (!s.seed) continue;
      for (const label of ['A', 'B'] as const) await s.seed.seed(this.seedContext(s, label));
    }
  }

  seedContext(service: PlatformService, label: 'A' | 'B'): SeedContext {
    const district = this.districts[label];
    const other = this.districts[label === 'A' ? 'B' : 'A'];
    return {
      district,
      other,
      pool: this.pool,
      call: (method, path, options = {}) =>
        this.call(options.service ?? service.name, 'seed', method, path, {
          ...options,
          token: options.token ?? district.token,
        }),
      token: (claims) => this.issuer.token(claims),
      add: (name, value) => {
        if (service.seed?.neverShown?.includes(name)) this.pool.neverShown.add(value);
        this.pool.add({
          name,
          value,
          district: district.code,
          service: service.name,
          visibility: service.seed?.kinds[name] ?? this.visibility(name),
        });
      },
      secret: (value, what) => this.pool.secret(district.code, value, what),
      eventually: (probe, what, timeoutMs = 30_000) => eventually(probe, { what, timeoutMs }),
    };
  }

  /** A request that must answer one of `expect` (default any 2xx); throws with the answer otherwise. */
  async call(
    service: string,
    kind: string,
    method: string,
    path: string,
    options: {
      body?: unknown;
      token?: string;
      expect?: number[] | 'any';
      headers?: Record<string, string>;
    } = {},
  ): Promise<ApiResponse> {
    const [bare, query] = path.split('?', 2);
    const request: ApiRequest = {
      method,
      path: bare!,
      token: options.token,
      body: options.body,
      ...(options.headers ? { headers: options.headers } : {}),
      ...(query ? { query: Object.fromEntries(new URLSearchParams(query)) } : {}),
    };
    const res = await this.client.send(service, kind, request);
    const ok =
      options.expect === 'any' ||
      (options.expect ? options.expect.includes(res.status) : res.status >= 200 && res.status < 300);
    if (!ok) {
      throw new Error(
        `${service}: ${method} ${path} answered ${res.status}: ${res.text.slice(0, 600)}${
          options.body !== undefined ? `\n  body: ${JSON.stringify(options.body).slice(0, 600)}` : ''
        }`,
      );
    }
    return res;
  }

  /**
   * Stops a service and starts it again with the same settings: a service must come back after
   * anything a request did (e.g. an outbox record its start-up sweep cannot apply). Returns the
   * failure, or undefined when it is ready again.
   */
  async restart(name: string): Promise<string | undefined> {
    const service = this.service(name);
    await service.process.stop();
    service.process = new ServiceProcess(name, service.env, service.port);
    try {
      await service.process.ready(60_000);
      return undefined;
    } catch (err) {
      return (err as Error).message.slice(0, 1500);
    }
  }

  async stop(): Promise<void> {
    this.client.close();
    await Promise.all(this.services.map((s) => s.process.stop()));
    await new Promise((resolve) => this.jwks.close(resolve));
    rmSync(this.keyDir, { recursive: true, force: true });
    await this.dropStores().catch(() => undefined);
  }

  /** Drops the run's databases and deletes its topics (the names carry the run's id). */
  private async dropStores(): Promise<void> {
    for (const s of this.services) {
      const connection = await mongoose
        .createConnection(s.env.MONGODB_URL!, { dbName: s.env.MONGODB_DATABASE })
        .asPromise();
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    }
    const admin = testKafka('api-platform-cleanup').admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => t.includes(this.run));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    } finally {
      await admin.disconnect();
    }
  }
}

const districtClientId = (label: 'A' | 'B', run: string) => `district-${DISTRICTS[label]}-${run}`;

/** A small quota for clients without one of their own, so a flood of one is cut within the run. */
const DEFAULT_QUOTA = 120;

/**
 * Rate-limit settings for a run. The suites send far more than a district system would in a
 * minute, and a 429 would hide what they look for: where the kit takes per-client quotas
 * (RATE_LIMIT_CLIENT_QUOTAS), the two districts get a quota of their own and every other client
 * a small one (so a flood can be seen cut); unauthenticated requests per address are not limited
 * (the token attacks send hundreds). Where it does not, the one quota is set out of reach.
 */
/** Whether the kit's settings take per-client quotas (RATE_LIMIT_CLIENT_QUOTAS). */
export const kitHasClientQuotas = (): boolean =>
  'RATE_LIMIT_CLIENT_QUOTAS' in (baseConfigSchema as unknown as { shape: Record<string, unknown> }).shape;

function rateLimitSettings(run: string): { env: Record<string, string>; defaultQuota: number | undefined } {
  const settings = (baseConfigSchema as unknown as { shape: Record<string, unknown> }).shape;
  if (!kitHasClientQuotas()) return { env: { RATE_LIMIT_PER_MINUTE: '1000000' }, defaultQuota: undefined };
  return {
    env: {
      RATE_LIMIT_PER_MINUTE: String(DEFAULT_QUOTA),
      RATE_LIMIT_CLIENT_QUOTAS: JSON.stringify({
        [districtClientId('A', run)]: 1_000_000,
        [districtClientId('B', run)]: 1_000_000,
      }),
      ...('RATE_LIMIT_PER_ADDRESS_PER_MINUTE' in settings
        ? { RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000' }
        : {}),
    },
    defaultQuota: DEFAULT_QUOTA,
  };
}

async function loadSeed(service: string): Promise<ApiSeed | undefined> {
  const file = join(repositoryRoot, 'services', service, 'test', 'api-seed.ts');
  if (!existsSync(file)) return undefined;
  const module = (await import(file)) as { seed?: ApiSeed };
  if (!module.seed) throw new Error(`${file} exports no \`seed\``);
  return module.seed;
}
