import { AppError } from '@employment/core';
import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';

/**
 * Per-client request budget per minute, shared by every replica through Redis (fixed one-minute
 * windows). Answers carry the IETF RateLimit headers; past the budget, 429 with Retry-After.
 * If Redis fails, requests pass: a rate limit must not take the service down.
 */
export function rateLimit(options: { redis: Redis; service: string; perMinute: number }) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const client = req.principal?.clientId;
    if (!client) return next();
    const now = Date.now();
    const window = Math.floor(now / 60_000);
    const key = `rl:${options.service}:${client}:${window}`;
    let count: number;
    try {
      const result = await options.redis.multi().incr(key).pexpire(key, 61_000).exec();
      count = Number(result?.[0]?.[1] ?? 0);
    } catch (err) {
      req.log?.warn({ err }, 'rate limit unavailable; request allowed');
      return next();
    }
    const reset = Math.ceil(((window + 1) * 60_000 - now) / 1000);
    const remaining = Math.max(0, options.perMinute - count);
    res.setHeader('RateLimit-Policy', `"default";q=${options.perMinute};w=60`);
    res.setHeader('RateLimit', `"default";r=${remaining};t=${reset}`);
    if (count > options.perMinute) {
      return next(
        new AppError('rate-limited', `this client may send ${options.perMinute} requests a minute`, {
          headers: { 'retry-after': String(reset) },
        }),
      );
    }
    next();
  };
}
