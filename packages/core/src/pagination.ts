import { AppError } from './errors.ts';

/**
 * Cursor pagination: a page ends with an opaque `nextCursor` naming where the next one starts.
 * Cursors stay valid while records are added, unlike offsets.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T extends Record<string, string | number>>(
  cursor: string | undefined,
  keys: (keyof T)[],
): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
    if (typeof value === 'object' && value !== null && keys.every((k) => k in value)) return value;
  } catch {
    // fall through
  }
  throw new AppError('bad-request', 'the cursor is not one this service issued', {
    errors: [{ in: 'query', pointer: '/cursor', detail: 'is not a valid cursor' }],
  });
}

/** Builds a page from `limit + 1` fetched rows: the extra row only says there is more. */
export function toPage<T>(
  rows: T[],
  limit: number,
  cursorOf: (last: T) => Record<string, string | number>,
): Page<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, nextCursor: more && items.length > 0 ? encodeCursor(cursorOf(items.at(-1)!)) : null };
}
