import { createHash } from 'node:crypto';
import { AppError } from '@employment/core';
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
}

const KEY_PATTERN = /^[\x21-\x7e]{8,255}$/;
/** How long an unfinished request holds its key: long enough for any request, short enough that a crash does not lock it for a day. */
const PROCESSING_TTL_MS = 60_000;

/**
 * `Idempotency-Key` on POST (IETF draft-ietf-httpapi-idempotency-key-header): the first request
 * with a key runs and its response is stored in Redis; a repeat with the same key and the same
 * body gets the stored response (`Idempotency-Replayed: true`) and runs nothing. The same key
 * with a different body is refused (422), and a repeat while the first is still running gets 409.
 * Keys are per client. Responses of 5xx are not stored, so a retry can succeed.
 */
export function idempotency(options: { redis: Redis; service: string; ttlSeconds: number }) {
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
    const redisKey = `idem:${options.service}:${client}:${key}`;
    const fingerprint = createHash('sha256')
      .update(`${req.method} ${req.originalUrl}\n`)
      .update(JSON.stringify(req.body ?? null))
      .digest('base64url');

    const claimed = await options.redis.set(
      redisKey,
      JSON.stringify({ state: 'processing', fingerprint } satisfies InProgress),
      'PX',
      PROCESSING_TTL_MS,
      'NX',
    );
    if (claimed !== 'OK') {
      const raw = await options.redis.get(redisKey);
      const stored = raw ? (JSON.parse(raw) as StoredResponse | InProgress) : undefined;
      if (!stored) return next(new AppError('idempotency-request-in-progress', 'retry the request'));
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

    // Capture the response as it is sent, then store it once it has gone out.
    const send = res.send.bind(res);
    let body = '';
    res.send = (chunk?: unknown) => {
      if (typeof chunk === 'string') body = chunk;
      else if (Buffer.isBuffer(chunk)) body = chunk.toString('utf8');
      else if (chunk !== undefined) body = JSON.stringify(chunk);
      return send(chunk as never);
    };
    res.on('finish', () => {
      if (res.statusCode >= 500) {
        void options.redis.del(redisKey).catch(() => undefined);
        return;
      }
      const stored: StoredResponse = {
        state: 'done',
        fingerprint,
        status: res.statusCode,
        contentType: res.getHeader('content-type') as string | undefined,
        location: res.getHeader('location') as string | undefined,
        body,
      };
      void options.redis.set(redisKey, JSON.stringify(stored), 'EX', options.ttlSeconds).catch((err) => {
        req.log?.warn({ err }, 'could not store the idempotent response');
      });
    });
    res.on('close', () => {
      // Aborted before a response: free the key so the client can retry.
      if (!res.writableFinished) void options.redis.del(redisKey).catch(() => undefined);
    });
    next();
  };
}
