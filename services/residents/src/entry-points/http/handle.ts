import type { Principal } from '@employment/core';
import { principalOf, requestStampOf } from '@employment/http';
import type { Request, Response } from 'express';
import type { Actor } from '../../domain/changes.ts';

/**
 * Wraps a route: the kit has authenticated and validated; errors go to its problem handler. Unlike
 * the kit's `route`, the role is checked by the route itself, since some routes (areas,
 * certificates) need a role other than the service's read/write pair. The actor carries the stamp
 * of a keyed request, so a retry recognises what an earlier attempt of it stored.
 */
export const handle =
  (fn: (req: Request, res: Response, principal: Principal, actor: Actor) => Promise<void>) =>
  async (req: Request, res: Response, next: (err?: unknown) => void) => {
    try {
      const principal = principalOf(req);
      await fn(req, res, principal, {
        principal,
        requestId: req.requestId,
        requestStamp: requestStampOf(req),
      });
    } catch (err) {
      next(err);
    }
  };

export { pageRequest, param, sendPage } from '@employment/http';

/** Query values, already validated and converted to their schema types by the kit. */
export function queryInt(req: Request, name: string): number | undefined {
  const value = req.query[name];
  return value === undefined ? undefined : Number(value);
}

export function queryBool(req: Request, name: string): boolean | undefined {
  const value = req.query[name] as unknown;
  return value === undefined ? undefined : value === true || value === 'true';
}

export function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' ? value : undefined;
}
