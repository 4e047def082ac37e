import { createHash, randomUUID } from 'node:crypto';
import { AppError, unavailable } from '@employment/core';
import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';

interface StoredResponse {
  state: 'done';
  fingerprint: string;
  status: number;
  contentType: string | undefined;
  location: string | undefined;
  body: string;
}

interface InProgress {
  state: 'processing';
  fingerprint: string;
  /** Which attempt holds the lease: only it renews or frees the key. */
  attempt: string;
}

const KEY_PATTERN = /^[\x21-\x7e]{8,255}$/;
/**
 * How long an attempt holds its key without renewing it. A running attempt renews it every third
 * of that, so a long request keeps its key while the key of an attempt whose process died frees
 * within this time.
 */
export const IDEMPOTENCY_LEASE_MS = 10_000;
/** An attempt stops renewing after this long even if its handler never answers, so no key is held for good. */
const MAX_HOLD_MS = 10 * 60_000;

/** Extends the lease when it is still this attempt's. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;
/** Frees the key when it is still this attempt's. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * `Idempotency-Key` on POST (IETF draft-ietf-httpapi-idempotency-key-header): the first request
 * with a key runs and its response is stored in Redis; a repeat with the same key and the same
 * body gets the stored response (`Idempotency-Replayed: true`) and runs nothing. The same key
 * with a different body is refused (422), and a repeat while the first is still running gets 409.
 * Keys are per client and kept in Redis as a hash, never as sent (a client may put anything in
 * one, a national ID included). Responses of 5xx are not stored, so a retry can succeed.
 *
 * Redis is required: without it exactly-once cannot be promised, so a request with a key answers
 * 503 with Retry-After (fail closed) and runs nothing.
 */
export function idempotency(options: {
  redis: Redis;
  service: string;
  ttlSeconds: number;
  leaseMs?: number;
}) {
  const { redis } = options;
  const leaseMs = options.leaseMs ?? IDEMPOTENCY_LEASE_MS;
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = req.header('idempotency-key');
    if (req.method !== 'POST' || key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      return next(
        new AppError('bad-request', 'Idempotency-Key must be 8 to 255 visible ASCII characters', {
          errors: [
            {
              in: 'header',
              pointer: '/Idempotency-Key',
              detail: 'must be 8 to 255 visible ASCII characters',
            },
          ],
        }),
      );
    }
    const client = req.principal?.clientId ?? 'anonymous';
    const redisKey = `idem:${options.service}:${client}:${sha256(key)}`;
    // The same request whatever the order of its body's keys (JSON objects are unordered).
    const fingerprint = sha256(`${req.method} ${req.originalUrl}\n${canonicalJson(req.body)}`);
    const marker = JSON.stringify({
      state: 'processing',
      fingerprint,
      attempt: randomUUID(),
    } satisfies InProgress);

    let claimed: string | null;
    let raw: string | null = null;
    try {
      claimed = await redis.set(redisKey, marker, 'PX', leaseMs, 'NX');
      if (claimed !== 'OK') raw = await redis.get(redisKey);
    } catch (err) {
      return next(
        unavailable(
          'the idempotency store cannot be reached, so the request cannot be made exactly once; retry shortly',
          err,
        ),
      );
    }
    if (claimed !== 'OK') {
      const stored = raw ? (JSON.parse(raw) as StoredResponse | InProgress) : undefined;
      if (!stored) {
        // Freed between the two calls: the attempt that held it has just ended.
        return next(
          new AppError('idempotency-request-in-progress', 'retry the request', {
            headers: { 'retry-after': '1' },
          }),
        );
      }
      if (stored.fingerprint !== fingerprint) {
        return next(
          new AppError('idempotency-key-reused', 'this Idempotency-Key was used for a different request'),
        );
      }
      if (stored.state === 'processing') {
        return next(
          new AppError(
            'idempotency-request-in-progress',
            'the first request with this key has not finished; retry later',
            {
              headers: { 'retry-after': '1' },
            },
          ),
        );
      }
      res.status(stored.status).setHeader('idempotency-replayed', 'true');
      if (stored.contentType) res.setHeader('content-type', stored.contentType);
      if (stored.location) res.setHeader('location', stored.location);
      return res.send(stored.body);
    }

    // The lease lasts as long as the attempt: renewed until its handler answers, even when the
    // client has gone away meanwhile (a retry then gets 409 and, after, this attempt's answer).
    const started = Date.now();
    const renewal = setInterval(
      () => {
        if (Date.now() - started > MAX_HOLD_MS) return clearInterval(renewal);
        redis.eval(RENEW, 1, redisKey, marker, leaseMs).catch((err: unknown) => {
          req.log?.warn({ err }, 'could not renew the idempotency lease');
        });
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    renewal.unref();

    const settle = (chunk: unknown) => {
      if (res.statusCode >= 500) {
        redis.eval(RELEASE, 1, redisKey, marker).catch(() => undefined);
        return;
      }
      const stored: StoredResponse = {
        state: 'done',
        fingerprint,
        status: res.statusCode,
        contentType: res.getHeader('content-type') as string | undefined,
        location: res.getHeader('location') as string | undefined,
        body:
          typeof chunk === 'string'
            ? chunk
            : chunk instanceof Uint8Array
              ? Buffer.from(chunk).toString('utf8')
              : '',
      };
      redis.set(redisKey, JSON.stringify(stored), 'EX', options.ttlSeconds).catch((err: unknown) => {
        req.log?.warn({ err }, 'could not store the idempotent response');
      });
    };
    let answered = false;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = ((...args: unknown[]) => {
      if (!answered) {
        answered = true;
        clearInterval(renewal);
        settle(args[0]);
      }
      return end(...args);
    }) as Response['end'];

    next();
  };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

/**
 * JSON with every object's keys in one order (sorted; integer-like keys come first in ascending
 * order, as JavaScript keeps them), so equal bodies give equal text whatever order they were sent
 * in. Bodies reach this parsed and no deeper than the body depth limit (app.ts).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, sortKeys);
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! <= keys[i]!;
  if (sorted) return value; // the common case: sent in order already, nothing to copy
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) out[key] = record[key];
  return out;
}
