/**
 * What a failed store call means to its caller. Every store call of the kit decides with this one
 * classification, for the errors of the MongoDB driver and of mongoose, on MongoDB and on FerretDB
 * over PostgreSQL:
 *
 * - `duplicate`: refused by a unique index (E11000), and nothing else went wrong;
 * - `unavailable`: the store could not be reached or could not answer now (network, time-outs,
 *   server selection, the connection pool, a primary stepping down, a write concern not confirmed,
 *   FerretDB without its PostgreSQL). Try again later; a write may or may not have been made;
 * - `refused`: the store refused this document or command and will refuse it again (a value its
 *   backend cannot hold, an invalid update);
 * - `unknown`: anything else (a bug, or an error the kit does not recognise).
 */
export type StoreErrorKind = 'duplicate' | 'unavailable' | 'refused' | 'unknown';

const DUPLICATE_KEY_CODES = new Set([11000, 11001]);

/**
 * Server codes that mean "not now": the driver's retryable codes (host unreachable, network
 * time-out, shutdown in progress, primary stepped down, not writable primary, ...), time limits,
 * write conflicts, write-concern time-outs and overload.
 */
const TRANSIENT_CODES = new Set([
  6, 7, 50, 64, 89, 91, 112, 134, 189, 262, 462, 9001, 10058, 10107, 11600, 11602, 13435, 13436,
]);

/** Codes of a deployment's own trouble (credentials), which no retry of the request mends. */
const DEPLOYMENT_CODES = new Set([13, 18]);

/** Labels the driver and the server put on errors worth retrying. */
const TRANSIENT_LABELS = [
  'RetryableWriteError',
  'ResetPool',
  'PoolRequestedRetry',
  'SystemOverloadedError',
  'RetryableError',
];

/** Client-side errors of a store that is away or being closed. */
const UNAVAILABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
  'MongoOperationTimeoutError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoServerClosedError',
  'MongoClientClosedError',
  'MongoStalePrimaryError',
]);

/** Client-side refusals of a document or command, before anything is sent. */
const REFUSED_NAMES = new Set([
  'BSONError',
  'MongoInvalidArgumentError',
  'MongoCompatibilityError',
  'CastError',
  'ValidationError',
  'StrictModeError',
]);

/**
 * FerretDB answers InternalError (code 1) with whatever its PostgreSQL backend said. These are the
 * backend being away: connection failures, a connection lost mid-query, and the SQLSTATE classes of
 * connection exceptions (08), serialization failures and deadlocks (40001, 40P01), insufficient
 * resources (53), locks not available (55P03), operator intervention such as a shutdown (57) and
 * system errors (58).
 */
const BACKEND_AWAY =
  /failed to connect to|dial (error|tcp)|connection refused|connection reset|broken pipe|unexpected EOF|conn closed|closed pool|i\/o timeout|context deadline exceeded|server closed the connection|SQLSTATE (08|40001|40P01|53|55P03|57|58)/i;

/** Any other SQLSTATE is the backend refusing the statement (e.g. 22P05, a string holding U+0000). */
const BACKEND_SQLSTATE = /SQLSTATE [0-9A-Z]{5}/;

const INTERNAL_ERROR = 1;

/**
 * Node's socket errors. The driver sometimes lets one through unwrapped (a write to a connection
 * the server reset); inside a driver error it means the store went away.
 */
const SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTCONN',
]);

interface DriverError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  errorResponse?: unknown;
  writeErrors?: unknown;
  result?: { getWriteConcernError?: () => unknown } | null;
  hasErrorLabel?: (label: string) => boolean;
  cause?: unknown;
}

interface WriteError {
  code?: unknown;
  errmsg?: unknown;
}

export function classifyStoreError(err: unknown): StoreErrorKind {
  return classify(err, 0);
}

function classify(err: unknown, depth: number): StoreErrorKind {
  if (typeof err !== 'object' || err === null || depth > 8) return 'unknown';
  const e = err as DriverError;
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'MongoBulkWriteError') return classifyBulkWrite(e, depth);
  if (name === 'MongoWriteConcernError') return 'unavailable';
  if (UNAVAILABLE_NAMES.has(name)) return 'unavailable';
  if (REFUSED_NAMES.has(name)) return 'refused';
  if (name === 'MongooseError' && /buffering timed out/.test(String(e.message))) return 'unavailable';
  // A server's answer (MongoServerError and its kind), or an error object carrying only its code.
  if (typeof e.code === 'number' && (name.startsWith('Mongo') || name === '')) {
    if (TRANSIENT_LABELS.some((label) => e.hasErrorLabel?.(label))) return 'unavailable';
    return classifyCode(e.code, e.message);
  }
  if (depth > 0 && typeof e.code === 'string' && SOCKET_CODES.has(e.code)) return 'unavailable';
  // An error of the kit or of a service wrapping a store error (e.g. a 503 problem): its cause.
  if (e.cause !== undefined) return classify(e.cause, depth + 1);
  return 'unknown';
}

/**
 * A bulk write (insertMany, bulkWrite) fails in three ways: the driver or the server failed the
 * whole command (network, server selection, a command error: `errorResponse` holds it and
 * `writeErrors` is empty, whatever was written before), some documents were refused
 * (`writeErrors`, one per document), or the write was not confirmed (a write-concern error).
 * It is a `duplicate` only when every error is a duplicate-key write error and nothing else went
 * wrong.
 */
function classifyBulkWrite(e: DriverError, depth: number): StoreErrorKind {
  // An Error (by its tag: Node's socket errors may come from another realm than this module's).
  if (Object.prototype.toString.call(e.errorResponse) === '[object Error]')
    return classify(e.errorResponse, depth + 1);
  const writeErrors = Array.isArray(e.writeErrors) ? (e.writeErrors as WriteError[]) : [];
  const kinds = new Set(writeErrors.map((w) => classifyCode(w.code, w.errmsg)));
  for (const kind of ['unavailable', 'unknown', 'refused'] as const) if (kinds.has(kind)) return kind;
  if (e.result?.getWriteConcernError?.()) return 'unavailable';
  if (writeErrors.length > 0) return 'duplicate';
  // A command error the driver copied onto the bulk error (its code, labels and message).
  if (TRANSIENT_LABELS.some((label) => e.hasErrorLabel?.(label))) return 'unavailable';
  return classifyCode(e.code, e.message);
}

function classifyCode(code: unknown, message: unknown): StoreErrorKind {
  if (typeof code !== 'number') return 'unknown';
  if (DUPLICATE_KEY_CODES.has(code)) return 'duplicate';
  if (TRANSIENT_CODES.has(code)) return 'unavailable';
  if (DEPLOYMENT_CODES.has(code)) return 'unknown';
  if (code === INTERNAL_ERROR) {
    const text = String(message ?? '');
    if (BACKEND_AWAY.test(text)) return 'unavailable';
    return BACKEND_SQLSTATE.test(text) ? 'refused' : 'unknown';
  }
  return 'refused';
}
