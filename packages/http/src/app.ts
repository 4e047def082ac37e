import { randomUUID } from 'node:crypto';
import {
  AppError,
  isAppError,
  isStoreUnavailable,
  type Logger,
  type Principal,
  problemInstance,
  unavailable,
} from '@employment/core';
import { scrubNationalIds } from '@employment/identifiers';
import { context, extractTraceContext, type Metrics, trace, tracer } from '@employment/telemetry';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import express, {
  type Express as ExpressApp,
  type NextFunction,
  type Request,
  type Response,
  type Router,
} from 'express';
import type { Redis } from 'ioredis';
import { idempotency } from './idempotency.ts';
import { type OpenApiDocument, OpenApiValidator } from './openapi.ts';
import { rateLimits } from './rate-limit.ts';

declare global {
  namespace Express {
    interface Request {
      /** The authenticated caller; set on every `/v1/` request that reaches a route. */
      principal?: Principal;
      requestId: string;
      log: Logger;
      operationId?: string;
    }
  }
}

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  metrics: Metrics;
  openapi: OpenApiDocument;
  redis: Redis;
  verifyToken: (token: string) => Promise<Principal>;
  readiness: () => { ready: boolean; checks: Record<string, string> };
  rateLimits: {
    /** Per client, unless `clientQuotas` names it. */
    perMinute: number;
    clientQuotas: Record<string, number>;
    /** Per source address, requests that do not authenticate. */
    perAddress: number;
  };
  /** Proxies whose X-Forwarded-For gives the source address (express `trust proxy`); none by default. */
  trustedProxies?: string[];
  idempotencyTtlSeconds: number;
  /** How long an Idempotency-Key attempt holds its key between renewals (default 10 s); tests shorten it. */
  idempotencyLeaseMs?: number;
  bodyLimit?: string;
  routes: (router: Router) => void;
}

/** The caller of a route; the auth middleware guarantees it on every documented, non-public operation. */
export function principalOf(req: Request): Principal {
  if (!req.principal) throw new AppError('unauthenticated', 'no credentials were presented');
  return req.principal;
}

/**
 * The HTTP face of a service: tracing, metrics and logs for every request; `/healthz`,
 * `/readyz`, `/metrics`, `/openapi.json`; then for the API: the source address's budget (before
 * anything else, so floods of bad tokens and scans are limited too), bearer-token authentication,
 * the client's rate limit, validation against the OpenAPI document, Idempotency-Key on POST, the
 * service's routes, and problem+json for every error.
 */
export function createHttpApp(options: HttpAppOptions): ExpressApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // req.ip: the socket's peer, or the X-Forwarded-For entry the nearest untrusted hop added.
  app.set('trust proxy', options.trustedProxies?.length ? options.trustedProxies : false);
  const validator = new OpenApiValidator(options.openapi);
  const openapiJson = JSON.stringify(options.openapi);

  app.use(observe(options));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const { ready, checks } = options.readiness();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks });
  });
  app.get('/metrics', async (_req, res, next) => {
    try {
      res.setHeader('content-type', options.metrics.registry.contentType);
      res.send(await options.metrics.registry.metrics());
    } catch (err) {
      next(err);
    }
  });
  app.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(openapiJson);
  });
  // Any other method on the kit's own paths (a middleware, not `app.all`, so route listings stay exact).
  const kitPaths = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);
  app.use((req, _res, next) =>
    kitPaths.has(req.path) ? next(methodNotAllowed(req.method, ['GET', 'HEAD'])) : next(),
  );

  const limits = rateLimits({
    redis: options.redis,
    service: options.service,
    metrics: options.metrics,
    logger: options.logger,
    perAddress: options.rateLimits.perAddress,
    clients: { perMinute: options.rateLimits.perMinute, quotas: options.rateLimits.clientQuotas },
  });
  const api = express.Router();
  api.use(limits.bySource);
  api.use((req, _res, next) => {
    let matched: ReturnType<OpenApiValidator['match']>;
    try {
      matched = validator.match(req.method, req.path);
    } catch (err) {
      return next(err);
    }
    // Details name the method, never the path: a path may hold whatever a client put in it.
    if (matched === undefined) return next(new AppError('not-found', 'no operation at this path'));
    if (matched === 'method') return next(methodNotAllowed(req.method, validator.allowedMethods(req.path)));
    req.operationId = matched.operationId;
    (req as Request & { matched: typeof matched }).matched = matched;
    next();
  });
  api.use(authenticate(options.verifyToken));
  api.use(limits.byClient);
  api.use((req, _res, next) => {
    const ct = req.headers['content-type'];
    const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
    if (
      (hasBody || req.headers['transfer-encoding']) &&
      ct &&
      !/^application\/([a-z.+-]*\+)?json\b/i.test(ct)
    ) {
      return next(new AppError('unsupported-media-type', 'send the body as application/json'));
    }
    next();
  });
  api.use(
    express.json({ limit: options.bodyLimit ?? '8mb', type: ['application/json', 'application/*+json'] }),
  );
  api.use((req, _res, next) => {
    if (nestsDeeperThan(req.body, MAX_BODY_DEPTH)) {
      const detail = `nests deeper than ${MAX_BODY_DEPTH} levels`;
      return next(
        new AppError('bad-request', `the body ${detail}`, { errors: [{ in: 'body', pointer: '', detail }] }),
      );
    }
    next();
  });
  api.use((req, _res, next) => {
    const matched = (
      req as Request & { matched: Exclude<ReturnType<OpenApiValidator['match']>, 'method' | undefined> }
    ).matched;
    // Express 5 parses `req.query` afresh on every read: validate a copy, then pin the copy (with
    // its values converted to their schema types) on the request.
    const query = { ...(req.query as Record<string, unknown>) };
    const problems = validator.validate(matched, {
      method: req.method,
      query,
      headers: req.headers,
      body: req.body,
      hasBody: req.body !== undefined && !(req.method === 'GET' || req.method === 'DELETE'),
    });
    if (problems.length > 0) {
      return next(
        new AppError(
          'validation-failed',
          problems.map((p) => `${p.in} ${p.pointer || '(whole)'}: ${p.detail}`).join('; '),
          {
            errors: problems,
          },
        ),
      );
    }
    Object.assign(req.params, matched.pathParams);
    Object.defineProperty(req, 'query', {
      value: query,
      writable: true,
      configurable: true,
      enumerable: true,
    });
    next();
  });
  api.use(
    idempotency({
      redis: options.redis,
      service: options.service,
      ttlSeconds: options.idempotencyTtlSeconds,
      ...(options.idempotencyLeaseMs === undefined ? {} : { leaseMs: options.idempotencyLeaseMs }),
    }),
  );
  options.routes(api);
  app.use(api);

  app.use((_req: Request, _res: Response, next: NextFunction) =>
    next(new AppError('not-found', 'no such resource')),
  );
  app.use(problemHandler(options));
  return app;
}

/** Span, request id, request log and duration metric for every request. */
function observe(options: HttpAppOptions) {
  return (req: Request, res: Response, next: NextFunction) => {
    const parent = extractTraceContext(req.headers as Record<string, unknown>);
    const span = tracer().startSpan(
      `HTTP ${req.method}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.path },
      },
      parent,
    );
    const started = process.hrtime.bigint();
    const requestId = (req.header('x-request-id') ?? '').slice(0, 128) || randomUUID();
    req.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const ctx = trace.setSpan(parent, span);
    context.with(ctx, () => {
      req.log = options.logger.child({ requestId });
      res.on('finish', () => {
        const route = req.operationId ?? (req.path.startsWith('/v1/') ? 'unmatched' : req.path);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        options.metrics.httpDuration.observe(
          { method: req.method, route, status: String(res.statusCode) },
          seconds,
        );
        span.updateName(`HTTP ${req.method} ${route}`);
        span.setAttribute('http.response.status_code', res.statusCode);
        if (req.principal) span.setAttribute('employment.client_id', req.principal.clientId);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        if (route.startsWith('/') && res.statusCode < 400) return; // probes and scrapes stay quiet
        req.log.info(
          {
            method: req.method,
            path: req.path,
            operation: req.operationId,
            status: res.statusCode,
            ms: Math.round(seconds * 1000),
            client: req.principal?.clientId,
          },
          'request',
        );
      });
      next();
    });
  };
}

function authenticate(verify: (token: string) => Promise<Principal>) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const matched = (req as Request & { matched?: { public: boolean } }).matched;
    if (matched?.public) return next();
    const header = req.header('authorization');
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) {
      return next(
        new AppError('unauthenticated', 'send a bearer token in the Authorization header', {
          headers: { 'www-authenticate': 'Bearer' },
        }),
      );
    }
    try {
      req.principal = await verify(token);
      next();
    } catch (err) {
      next(err);
    }
  };
}

function problemHandler(options: HttpAppOptions) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let error: AppError;
    if (isAppError(err)) {
      error = err;
    } else if (isBodyParserError(err)) {
      error =
        err.type === 'entity.too.large'
          ? new AppError('payload-too-large', `the body may be at most ${options.bodyLimit ?? '8mb'}`)
          : err.type === 'entity.parse.failed'
            ? new AppError('bad-request', 'the body is not valid JSON', {
                errors: [{ in: 'body', pointer: '', detail: 'is not valid JSON' }],
              })
            : new AppError('bad-request', err.message);
    } else if (isStoreUnavailable(err)) {
      error = unavailable('the store cannot be reached; try again shortly', err);
    } else {
      error = new AppError('internal', 'an unexpected error occurred; it has been logged', { cause: err });
    }
    const log = req.log ?? options.logger;
    if (error.status >= 500) log.error({ err, operation: req.operationId }, 'request failed');
    options.metrics.problems.inc({ problem: error.problem, status: String(error.status) });
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    // A problem may quote what the client sent (a field name, a path): never a national ID.
    res
      .status(error.status)
      .type('application/problem+json')
      .send(scrubNationalIds(JSON.stringify(error.toProblem(problemInstance(req.path)))));
  };
}

function methodNotAllowed(method: string, allowed: string[]): AppError {
  return new AppError('method-not-allowed', `${method} is not allowed here; use ${allowed.join(', ')}`, {
    headers: { allow: allowed.join(', ') },
  });
}

/**
 * How deep a request body may nest. Nothing the API takes comes near it, and every later walk of
 * the body (validation, the Idempotency-Key fingerprint, the store's encoder) recurses.
 */
const MAX_BODY_DEPTH = 32;

/** Whether a parsed body nests deeper than `max` objects or arrays; iterative, so any depth is safe to ask about. */
function nestsDeeperThan(body: unknown, max: number): boolean {
  const stack: Array<[node: unknown, depth: number]> = [[body, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

function isBodyParserError(err: unknown): err is { type: string; message: string; status: number } {
  return (
    typeof err === 'object' &&
    err !== null &&
    'type' in err &&
    'status' in err &&
    typeof (err as { type: unknown }).type === 'string'
  );
}
