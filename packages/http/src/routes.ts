import { type Actor, keyCursor, requireRole, toPage } from '@employment/core';
import type { NextFunction, Request, Response } from 'express';
import { principalOf } from './app.ts';

/**
 * A route handler: the kit has authenticated and validated the request; this checks the role,
 * hands the caller to the use case and passes any error to the problem handler.
 */
export const route =
  (role: string, fn: (req: Request, res: Response, actor: Actor) => Promise<void>) =>
  async (req: Request, res: Response, next: NextFunction) => {
    try {
      const principal = principalOf(req);
      requireRole(principal, role);
      await fn(req, res, { principal, requestId: req.requestId });
    } catch (err) {
      next(err);
    }
  };

export const param = (req: Request, name: string): string => String(req.params[name]);

/**
 * `limit` (already validated against the document) and the key to continue after, from the
 * request's `cursor` (strictly decoded: a cursor this service did not write is a 400).
 */
export function pageRequest(req: Request, defaultLimit = 50): { limit: number; after: string | undefined } {
  const limit = (req.query.limit as number | undefined) ?? defaultLimit;
  const cursor = keyCursor.decode(req.query.cursor as string | undefined);
  return { limit, after: cursor?.after };
}

/** Sends rows fetched with `limit + 1` as `{ items, nextCursor }`, the cursor being the last `_id`. */
export function sendPage<T extends { _id: string }, V>(
  res: Response,
  rows: T[],
  limit: number,
  view: (row: T) => V,
): void {
  const page = toPage(rows, limit, (last) => last._id);
  res.json({ items: page.items.map(view), nextCursor: page.nextCursor });
}
