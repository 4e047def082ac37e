import { AppError } from './errors.ts';
import { canAccessArea, type Principal } from './principal.ts';

/** Thrown by an attempt whose version guard a concurrent write took; `withRetries` runs it again. */
export class LostRace extends Error {
  constructor() {
    super('the record changed while this write was prepared');
    this.name = 'LostRace';
  }
}

/**
 * Read, decide, write; again when a concurrent write got there first, so a rule is never checked
 * on stale data. After the last attempt the caller gets 409 and may retry.
 */
export async function withRetries<T>(attempt: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof LostRace)) throw err;
      if (i >= attempts) throw new AppError('conflict', 'the record keeps changing; retry the request');
      await new Promise((resolve) => setTimeout(resolve, 5 * i + Math.random() * 20));
    }
  }
}

/** A record outside the caller's area does not exist for the caller: 404, not 403. */
export function assertVisible(principal: Principal, communityCode: string, what: string): void {
  if (!canAccessArea(principal, communityCode))
    throw new AppError('not-found', `no such ${what} in your area`);
}

/** Writing into a community needs an area scope that covers it: 403. */
export function assertInArea(principal: Principal, communityCode: string): void {
  if (!canAccessArea(principal, communityCode)) {
    throw new AppError('forbidden', `community ${communityCode} lies outside this client's area`);
  }
}

/** A 400 naming one field of the body, for rules the schema cannot express. */
export function bodyProblem(pointer: string, detail: string): AppError {
  return new AppError('validation-failed', `${pointer}: ${detail}`, {
    errors: [{ in: 'body', pointer, detail }],
  });
}
