import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { type BaseConfig, baseConfigSchema, type Logger, loadConfig } from '@employment/core';
import { LocalIssuer, type OpenApiDocument, principalOf } from '@employment/http';
import { ServiceRuntime } from '@employment/kit';
import { testServiceEnv } from '@employment/testing';
import mongoose from 'mongoose';

/**
 * The smallest service the kit can run: one read and one write, no models, no topics, no
 * consumers. Component tests of the kit's HTTP layer (limits, outages) start it on the real stack.
 */
const openapi: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'kit test service', version: '1' },
  paths: {
    '/v1/echo': {
      get: { operationId: 'readEcho' },
      post: {
        operationId: 'writeEcho',
        requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
      },
    },
  },
};

export interface KitTestService {
  runtime: ServiceRuntime;
  config: BaseConfig;
  issuer: LocalIssuer;
  port: number;
  /** A token of `clientId` (a district's roles and area). */
  token: (clientId: string) => Promise<string>;
  stop: () => Promise<void>;
}

/** Starts the test service with its own name (so its Redis keys are its own) and `env` over the test stack's. */
export async function startKitService(
  env: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<KitTestService> {
  const issuer = await LocalIssuer.create();
  const { server, jwksUrl } = await issuer.serve();
  const name = `kit-test-${randomBytes(4).toString('hex')}`;
  const config = loadConfig(
    baseConfigSchema,
    testServiceEnv({
      SERVICE_NAME: name,
      MONGODB_DATABASE: name.replace(/-/g, '_'),
      AUTH_JWKS_URL: jwksUrl,
      ...env,
    }),
  );
  const runtime = await ServiceRuntime.start(
    {
      config,
      openapi,
      topics: [],
      models: () => undefined,
      routes: (router) => {
        router.get('/v1/echo', (req, res) => {
          const principal = principalOf(req);
          res.json({ clientId: principal.clientId, subject: principal.subject });
        });
        router.post('/v1/echo', (req, res) => {
          res.status(201).json({ echoed: req.body ?? null });
        });
      },
    },
    { healthIntervalMs: 200, ...(options.logger ? { logger: options.logger } : {}) },
  ).catch(async (err) => {
    await new Promise((resolve) => server.close(resolve));
    throw err;
  });
  return {
    runtime,
    config,
    issuer,
    port: runtime.port,
    token: (clientId) => issuer.token({ clientId, roles: ['echo:read'], areas: ['420102'] }),
    stop: async () => {
      await runtime.stop();
      await new Promise((resolve) => server.close(resolve));
      const connection = await mongoose
        .createConnection(config.MONGODB_URL, { dbName: config.MONGODB_DATABASE })
        .asPromise();
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  body: any;
  /** From sending to the whole answer read. */
  ms: number;
}

/**
 * One HTTP request on a connection of its own, optionally from another local address (the whole
 * of 127.0.0.0/8 is this machine's), so a test can be a second source address for real.
 */
export function call(
  port: number,
  method: string,
  path: string,
  options: { token?: string; from?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const started = performance.now();
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        ...(options.from ? { localAddress: options.from } : {}),
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(body
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
            : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: parsed,
            ms: performance.now() - started,
          });
        });
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Waits until at least `seconds` remain in the current one-minute window of the rate limits. */
export async function awaitFreshWindow(seconds: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < seconds * 1000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
