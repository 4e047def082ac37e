import { AppError, type Logger } from '@employment/core';
import type { Metrics } from '@employment/telemetry';
import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';

/**
 * Request budgets per one-minute window, shared by every replica through Redis (fixed windows:
 * a key per budget and minute, counted with INCR). Two budgets (docs/security.md, "Rate limits"):
 *
 * - per source address, checked before authentication, counting the requests from that address
 *   that do not authenticate (no token, an invalid or expired one, an unknown path). A flood of
 *   guessed tokens is refused without a signature check, while clients that authenticate are
 *   never held back by the address they share (a NAT, an ingress);
 * - per client, after authentication, counting every request of the client: the default budget,
 *   or the client's own quota from configuration.
 *
 * Answers carry the IETF RateLimit headers; past a budget, 429 with Retry-After (the seconds to
 * the next window). When Redis does not answer, requests pass unchecked (fail open): the command
 * fails at once while Redis is away and after REDIS_COMMAND_TIMEOUT_MS when it hangs, each
 * unchecked request is counted (`rate_limit_unavailable_total`) and a warning is logged at most
 * every LOG_EVERY_MS.
 */

const WINDOW_MS = 60_000;
const LOG_EVERY_MS = 10_000;

/** Quotas by client id, or by a prefix ending in `*`; `perMinute` for every other client. */
export interface ClientQuotas {
  perMinute: number;
  quotas: Record<string, number>;
}

/** The budget of a client: its own quota, else the longest matching prefix's, else the default. */
export function quotaOf(clientId: string, { perMinute, quotas }: ClientQuotas): number {
  const own = Object.hasOwn(quotas, clientId) ? quotas[clientId] : undefined;
  if (own !== undefined) return own;
  let best: { length: number; quota: number } | undefined;
  for (const [key, quota] of Object.entries(quotas)) {
    if (!key.endsWith('*')) continue;
    const prefix = key.slice(0, -1);
    if (clientId.startsWith(prefix) && (!best || prefix.length > best.length))
      best = { length: prefix.length, quota };
  }
  return best?.quota ?? perMinute;
}

/** The caller's address: the socket's peer, or X-Forwarded-For's when express trusts the proxy. */
function sourceAddress(req: Request): string {
  const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

interface LimiterOptions {
  redis: Redis;
  service: string;
  metrics: Metrics;
  logger: Logger;
}

/** Fail open, counted, with a warning at most every LOG_EVERY_MS per process. */
function unavailableReporter(options: LimiterOptions) {
  let lastLog = 0;
  let unlogged = 0;
  return (scope: 'address' | 'client', err: unknown) => {
    options.metrics.rateLimitUnavailable.inc({ scope });
    unlogged++;
    const now = Date.now();
    if (now - lastLog < LOG_EVERY_MS) return;
    options.logger.warn(
      { err, unchecked: unlogged },
      'rate limits unavailable (Redis does not answer): requests pass unchecked',
    );
    lastLog = now;
    unlogged = 0;
  };
}

function windowOf(now: number): { window: number; reset: number } {
  const window = Math.floor(now / WINDOW_MS);
  return { window, reset: Math.ceil(((window + 1) * WINDOW_MS - now) / 1000) };
}

function setHeaders(res: Response, policy: string, quota: number, remaining: number, reset: number): void {
  res.setHeader('RateLimit-Policy', `"${policy}";q=${quota};w=${WINDOW_MS / 1000}`);
  res.setHeader('RateLimit', `"${policy}";r=${Math.max(0, remaining)};t=${reset}`);
}

function refused(detail: string, reset: number): AppError {
  return new AppError('rate-limited', detail, { headers: { 'retry-after': String(reset) } });
}

/** The two limiters; `bySource` goes before authentication and `byClient` right after it. */
export function rateLimits(options: LimiterOptions & { perAddress: number; clients: ClientQuotas }) {
  const report = unavailableReporter(options);

  const bySource = async (req: Request, res: Response, next: NextFunction) => {
    const address = sourceAddress(req);
    const now = Date.now();
    const { window, reset } = windowOf(now);
    const key = `rl:${options.service}:address:${address}:${window}`;
    let count: number;
    try {
      count = Number((await options.redis.get(key)) ?? 0);
    } catch (err) {
      report('address', err);
      return next();
    }
    if (count >= options.perAddress) {
      options.metrics.rateLimited.inc({ scope: 'address' });
      setHeaders(res, 'address', options.perAddress, 0, reset);
      return next(
        refused(
          `this address may send ${options.perAddress} requests a minute that do not authenticate`,
          reset,
        ),
      );
    }
    // Counted once the answer is known: only what did not authenticate uses the address's budget.
    res.once('close', () => {
      if (req.principal) return;
      options.redis
        .multi()
        .incr(key)
        .pexpire(key, WINDOW_MS + 1_000)
        .exec()
        // Redis went away since the check, which reported it: the request is not counted.
        .catch(() => undefined);
    });
    next();
  };

  const byClient = async (req: Request, res: Response, next: NextFunction) => {
    const client = req.principal?.clientId;
    if (!client) return next();
    const quota = quotaOf(client, options.clients);
    const now = Date.now();
    const { window, reset } = windowOf(now);
    const key = `rl:${options.service}:client:${client}:${window}`;
    let count: number;
    try {
      const result = await options.redis
        .multi()
        .incr(key)
        .pexpire(key, WINDOW_MS + 1_000)
        .exec();
      const [error, value] = result?.[0] ?? [new Error('no reply to INCR'), null];
      if (error) throw error;
      count = Number(value);
    } catch (err) {
      report('client', err);
      return next();
    }
    setHeaders(res, 'client', quota, quota - count, reset);
    if (count > quota) {
      options.metrics.rateLimited.inc({ scope: 'client' });
      return next(refused(`this client may send ${quota} requests a minute`, reset));
    }
    next();
  };

  return { bySource, byClient };
}
