import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@employment/core';
import { LocalIssuer } from '@employment/http';
import { ServiceRuntime } from '@employment/kit';
import mongoose from 'mongoose';
import { type ResidentsConfig, residentsConfigSchema } from '../../services/residents/src/config.ts';
import { residentsService } from '../../services/residents/src/service.ts';
import { scenario as smoke } from '../scenarios/smoke.ts';
import { runLoadTest } from '../src/harness.ts';
import { type LoadReport, writeReport } from '../src/report.ts';

// The harness's smoke mode, end to end, against the test stack (scripts/test exports its addresses;
// the defaults are the test profile's ports) with the residents service started in this process.
const MONGODB_URL = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27027';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9192';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6389';
const DATABASE = `residents_loadsmoke_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

jest.setTimeout(60_000);

describe('load harness, smoke mode', () => {
  let issuer: LocalIssuer;
  let jwks: Server;
  let runtime: ServiceRuntime<ResidentsConfig>;
  let report: LoadReport;
  let reportDir: string;
  let seconds: number;

  beforeAll(async () => {
    issuer = await LocalIssuer.create();
    const served = await issuer.serve();
    jwks = served.server;
    const key = randomBytes(32).toString('base64');
    const config = loadConfig(residentsConfigSchema, {
      MONGODB_URL,
      KAFKA_BROKERS,
      REDIS_URL,
      AUTH_JWKS_URL: served.jwksUrl,
      HTTP_PORT: '0',
      MONGODB_DATABASE: DATABASE,
      PII_ENCRYPTION_KEY: key,
      PII_HASH_KEY: key,
      LOG_LEVEL: 'warn',
      // Limits that bind, with the load clients' quota given by configuration as on the dev
      // platform (scripts/lib/platform.sh): a default of 5 a minute would cut every load client,
      // so the run passes only through the `load-*` quota.
      RATE_LIMIT_PER_MINUTE: '5',
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '120',
      RATE_LIMIT_CLIENT_QUOTAS: JSON.stringify({ 'load-*': 100_000 }),
    });
    runtime = await ServiceRuntime.start(residentsService(config));

    const started = performance.now();
    report = await runLoadTest({
      scenario: smoke,
      smoke: true,
      baseUrl: `http://127.0.0.1:${runtime.port}`,
      mongoUrl: MONGODB_URL,
      database: DATABASE,
      kafkaBrokers: KAFKA_BROKERS.split(','),
      auth: { issuer },
    });
    seconds = (performance.now() - started) / 1000;
    reportDir = mkdtempSync(join(tmpdir(), 'load-smoke-'));
  });

  afterAll(async () => {
    await runtime?.stop();
    await new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve()));
    const client = new mongoose.mongo.MongoClient(MONGODB_URL);
    try {
      await client.connect();
      await client.db(DATABASE).dropDatabase();
    } finally {
      await client.close();
    }
    if (reportDir) rmSync(reportDir, { recursive: true, force: true });
  });

  it('registers people and loses none of them', () => {
    expect(report.accepted).toBeGreaterThan(0);
    expect(report.lost).toBe(0);
    expect(report.stored).toBe(report.accepted);
    expect(report.published).toBe(report.accepted);
    expect(report.platform.errors).toBe(0);
    expect(report.passed).toBe(true);
  });

  it('measures both phases, the reference and the propagation delay', () => {
    expect(report.platform.singleRegistrationsPerSecond).toBeGreaterThan(0);
    expect(report.platform.batchPeoplePerSecond).toBeGreaterThan(0);
    expect(report.reference.storeInsertsPerSecond).toBeGreaterThan(0);
    expect(report.reference.kafkaMessagesPerSecond).toBeGreaterThan(0);
    expect(report.propagationMs.count).toBe(report.accepted);
    expect(report.platform.phases.map((p) => p.name)).toEqual(['single', 'batch']);
    // The closed-model run with autocannon registered people too, and they are in the accounting.
    expect(report.platform.capacity?.tool).toMatch(/^autocannon /);
    expect(report.platform.capacity?.created).toBeGreaterThan(0);
    expect(report.platform.capacity?.failed).toBe(0);
    expect(report.ratio.capacityToStore).toBeGreaterThan(0);
    // The smoke run stays short, reference measurements included.
    expect(seconds).toBeLessThan(20);
  });

  it('writes a JSON report with every required number, and a markdown one', () => {
    const paths = writeReport(report, reportDir);
    const json = JSON.parse(readFileSync(paths.json, 'utf8')) as unknown;
    const required = [
      'reference.storeInsertsPerSecond',
      'reference.kafkaMessagesPerSecond',
      'platform.singleRegistrationsPerSecond',
      'platform.batchPeoplePerSecond',
      'platform.latencyMs.p50',
      'platform.latencyMs.p95',
      'platform.latencyMs.p99',
      'platform.errors',
      'ratio.singleToStore',
      'ratio.batchToSingle',
      'ratio.capacityToStore',
      'platform.capacity.registrationsPerSecond',
      'propagationMs.p50',
      'propagationMs.p99',
      'accepted',
      'stored',
      'published',
      'lost',
    ];
    for (const path of required) {
      const value = path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], json);
      expect({ path, type: typeof value, finite: Number.isFinite(value) }).toEqual({
        path,
        type: 'number',
        finite: true,
      });
    }
    const markdown = readFileSync(paths.markdown, 'utf8');
    expect(markdown).toContain('## Targets');
    expect(markdown).toContain('## Capacity (closed model, autocannon)');
    expect(markdown).toContain('## Nothing lost?');
  });
});
