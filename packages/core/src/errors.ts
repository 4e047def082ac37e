import { maskNationalId } from '@employment/identifiers';

/**
 * The one error type of the platform. Routes and use cases throw it (or pass it to `next`); the
 * HTTP error handler renders it as RFC 9457 `application/problem+json`, logs and counts it.
 * Anything else that reaches the handler is a bug and answers 500 without details.
 */

export type ProblemName =
  | 'bad-request'
  | 'validation-failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'duplicate'
  | 'idempotency-key-reused'
  | 'idempotency-request-in-progress'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'unprocessable'
  | 'rate-limited'
  | 'unavailable'
  | 'internal';

/** One failed check of a request, located by where it is and a JSON Pointer inside it. */
export interface FieldProblem {
  in: 'body' | 'query' | 'path' | 'header';
  pointer: string;
  detail: string;
}

const titles: Record<ProblemName, string> = {
  'bad-request': 'Bad request',
  'validation-failed': 'The request is not valid',
  unauthenticated: 'Authentication required',
  forbidden: 'Not allowed',
  'not-found': 'Not found',
  'method-not-allowed': 'Method not allowed',
  conflict: 'Conflict',
  duplicate: 'Already registered',
  'idempotency-key-reused': 'Idempotency-Key reused with a different request',
  'idempotency-request-in-progress': 'A request with this Idempotency-Key is still in progress',
  'payload-too-large': 'Request body too large',
  'unsupported-media-type': 'Unsupported media type',
  unprocessable: 'The request cannot be processed',
  'rate-limited': 'Too many requests',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
};

const statuses: Record<ProblemName, number> = {
  'bad-request': 400,
  'validation-failed': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  duplicate: 409,
  'idempotency-key-reused': 422,
  'idempotency-request-in-progress': 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  unprocessable: 422,
  'rate-limited': 429,
  unavailable: 503,
  internal: 500,
};

export const PROBLEM_TYPE_BASE = 'urn:employment:problem:';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export class AppError extends Error {
  readonly problem: ProblemName;
  readonly status: number;
  readonly errors: FieldProblem[] | undefined;
  readonly extensions: Record<string, unknown>;
  /** A catastrophic error leaves the process in an unknown state: it should restart. */
  readonly catastrophic: boolean;
  readonly headers: Record<string, string>;

  constructor(
    problem: ProblemName,
    detail: string,
    options: {
      errors?: FieldProblem[];
      extensions?: Record<string, unknown>;
      catastrophic?: boolean;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.problem = problem;
    this.status = statuses[problem];
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
    this.catastrophic = options.catastrophic ?? false;
    this.headers = options.headers ?? {};
  }

  toProblem(instance?: string): Problem {
    return {
      type: `${PROBLEM_TYPE_BASE}${this.problem}`,
      title: titles[this.problem],
      status: this.status,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
      ...this.extensions,
    };
  }
}

/** 18 characters shaped like a national ID number (17 digits and a digit or X), wherever they stand. */
const ID_LIKE = /[0-9]{17}[0-9Xx]/g;

/**
 * The `instance` of a problem answering a request: its path, without the query (which may carry
 * anything), percent-escapes decoded where they can be, and every ID-shaped run of characters
 * masked, so a national ID number a client put in a path is not echoed back.
 */
export function problemInstance(path: string): string | undefined {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // a broken escape: mask the path as sent
  }
  try {
    return encodeURI(decoded.replace(ID_LIKE, (id) => maskNationalId(id)));
  } catch {
    return undefined;
  }
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError;

export const notFound = (what: string) => new AppError('not-found', `${what} was not found`);
export const validationFailed = (errors: FieldProblem[], detail?: string) =>
  new AppError(
    'validation-failed',
    detail ?? errors.map((e) => `${e.pointer || e.in}: ${e.detail}`).join('; '),
    {
      errors,
    },
  );
export const forbidden = (detail: string) => new AppError('forbidden', detail);
export const conflict = (detail: string, extensions?: Record<string, unknown>) =>
  new AppError('conflict', detail, extensions ? { extensions } : {});
/** A dependency is away: 503, with when to try again. */
export const unavailable = (detail: string, cause: unknown) =>
  new AppError('unavailable', detail, { cause, headers: { 'retry-after': '5' } });

/**
 * The store could not be reached or did not answer (the driver's network, timeout and
 * server-selection errors): the request may succeed later, so it is answered 503, not 500.
 */
export function isStoreUnavailable(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return (
    typeof name === 'string' &&
    /^Mongo(ose)?(Network|NetworkTimeout|ServerSelection|PoolCleared|TopologyClosed)Error$/.test(name)
  );
}

/** MongoDB duplicate-key error (E11000): the one way uniqueness is checked on this store. */
export function isDuplicateKeyError(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 11000
  );
}
