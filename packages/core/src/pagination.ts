import { AppError } from './errors.ts';

/**
 * Cursor pagination: a page ends with an opaque `nextCursor` naming where the next one starts.
 * Cursors stay valid while records are added, unlike offsets.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * What a cursor field holds: `key`, a record key to continue after (a UUID, an area code: letters,
 * digits, `-` and `_`, at most 64); `offset`, a position in a computed ranking (a non-negative
 * integer).
 */
export type CursorFieldKind = 'key' | 'offset';
type CursorValue<S extends Record<string, CursorFieldKind>> = {
  [K in keyof S]: S[K] extends 'offset' ? number : string;
};

const KEY = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,300}$/;

/**
 * Encodes and decodes one kind of cursor. A cursor comes back from the client, so decoding is
 * strict: exactly the declared fields, each of its declared kind, in the form this codec writes
 * (anything else, e.g. an operator object a client encoded itself, is a 400 and never reaches a
 * query). Every list endpoint reads its cursor through one of these.
 */
export class CursorCodec<S extends Record<string, CursorFieldKind>> {
  private readonly fields: Array<[name: string, kind: CursorFieldKind]>;

  constructor(shape: S) {
    this.fields = Object.entries(shape);
  }

  encode(value: CursorValue<S>): string {
    // Written in the declared field order, so that a decoded cursor re-encodes to itself.
    const ordered = Object.fromEntries(this.fields.map(([name]) => [name, value[name]]));
    return Buffer.from(JSON.stringify(ordered), 'utf8').toString('base64url');
  }

  /** The cursor's fields; undefined without a cursor; a 400 problem for one this codec did not write. */
  decode(cursor: string | undefined): CursorValue<S> | undefined {
    if (cursor === undefined) return undefined;
    const value = this.parse(cursor);
    if (value === undefined || this.encode(value) !== cursor) throw invalidCursor();
    return value;
  }

  private parse(cursor: string): CursorValue<S> | undefined {
    if (!BASE64URL.test(cursor)) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const record = value as Record<string, unknown>;
    if (Object.keys(record).length !== this.fields.length) return undefined;
    for (const [name, kind] of this.fields) {
      const field = Object.hasOwn(record, name) ? record[name] : undefined;
      const ok =
        kind === 'key'
          ? typeof field === 'string' && KEY.test(field)
          : typeof field === 'number' && Number.isSafeInteger(field) && field >= 0;
      if (!ok) return undefined;
    }
    return record as CursorValue<S>;
  }
}

const invalidCursor = () =>
  new AppError('bad-request', 'the cursor is not one this service issued', {
    errors: [{ in: 'query', pointer: '/cursor', detail: 'is not a valid cursor' }],
  });

/** The cursor of a list in key order: the key of the last record of the previous page. */
export const keyCursor = new CursorCodec({ after: 'key' });
/** The cursor of a computed ranking: how many entries the previous pages held. */
export const offsetCursor = new CursorCodec({ offset: 'offset' });

/** Builds a page from `limit + 1` fetched rows: the extra row only says there is more. */
export function toPage<T>(rows: T[], limit: number, keyOf: (last: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return {
    items,
    nextCursor: more && items.length > 0 ? keyCursor.encode({ after: keyOf(items.at(-1)!) }) : null,
  };
}
