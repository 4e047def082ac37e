import { AppError, classifyStoreError } from '@employment/core';
import mongoose from 'mongoose';

const {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  MongoWriteConcernError,
  MongoInvalidArgumentError,
} = mongoose.mongo;

/** A bulk write's result as the driver hands it to its error: counts, and a write-concern error or none. */
const bulkResult = (insertedCount: number, writeConcernError?: { code: number; errmsg: string }) =>
  ({ insertedCount, getWriteConcernError: () => writeConcernError }) as never;

/** The error the driver throws when an insertMany ended with write errors (one per refused document). */
const withWriteErrors = (
  writeErrors: Array<{ index: number; code: number; errmsg?: string }>,
  writeConcernError?: { code: number; errmsg: string },
) =>
  new MongoBulkWriteError(
    { message: 'write failed', code: writeErrors[0]!.code, writeErrors } as never,
    bulkResult(3 - writeErrors.length, writeConcernError),
  );

/** The error the driver throws when the whole command failed mid-write (it wraps what happened). */
const wrapping = (inner: Error) => new MongoBulkWriteError(inner as never, bulkResult(0));

/** What FerretDB answers (code 1, InternalError) with its PostgreSQL's words. */
const ferretdb = (text: string) =>
  new MongoServerError({ ok: 0, code: 1, codeName: 'InternalError', errmsg: text });

describe('classifyStoreError', () => {
  it('when every error of a bulk write is a duplicate key and nothing else went wrong, then it is a duplicate', () => {
    expect(classifyStoreError(withWriteErrors([{ index: 0, code: 11000 }]))).toBe('duplicate');
    expect(
      classifyStoreError(
        withWriteErrors([
          { index: 0, code: 11000 },
          { index: 2, code: 11000 },
        ]),
      ),
    ).toBe('duplicate');
    expect(classifyStoreError(new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key' }))).toBe(
      'duplicate',
    );
  });

  it('when a bulk write carries a network or server-selection error with no write errors, then the store is unavailable', () => {
    const cut = wrapping(new MongoNetworkError('connection 4 to 127.0.0.1:27017 closed'));
    expect(cut.writeErrors).toEqual([]);
    expect(classifyStoreError(cut)).toBe('unavailable');
    expect(
      classifyStoreError(wrapping(new MongoServerSelectionError('connect ECONNREFUSED', {} as never))),
    ).toBe('unavailable');
    // A socket error the driver let through unwrapped (a write to a connection the server reset).
    const reset = Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET', syscall: 'write' });
    expect(classifyStoreError(wrapping(reset))).toBe('unavailable');
  });

  it('when a duplicate key comes with an unconfirmed write concern, or with another error, then it is not a duplicate', () => {
    expect(
      classifyStoreError(
        withWriteErrors([{ index: 1, code: 11000 }], {
          code: 64,
          errmsg: 'waiting for replication timed out',
        }),
      ),
    ).toBe('unavailable');
    expect(
      classifyStoreError(
        withWriteErrors([
          { index: 0, code: 11000 },
          { index: 1, code: 2, errmsg: 'invalid key' },
        ]),
      ),
    ).toBe('refused');
    expect(
      classifyStoreError(
        withWriteErrors([
          { index: 0, code: 11000 },
          { index: 1, code: 91, errmsg: 'shutdown in progress' },
        ]),
      ),
    ).toBe('unavailable');
    expect(
      classifyStoreError(
        new MongoWriteConcernError({ ok: 1, writeConcernError: { code: 64, errmsg: 'timed out' } }),
      ),
    ).toBe('unavailable');
  });

  it('when FerretDB cannot reach its PostgreSQL or loses it mid-query, then the store is unavailable', () => {
    for (const text of [
      '[msg_insert.go:168 handler.(*Handler).MsgInsert] failed to connect to `user=postgres database=ferretdb`: dial error: dial tcp 127.0.0.1:25442: connect: connection refused',
      'read tcp 127.0.0.1:50000->127.0.0.1:25442: read: connection reset by peer',
      '[values.go:45 iterator.ConsumeValues] unexpected EOF',
      'FATAL: terminating connection due to administrator command (SQLSTATE 57P01)',
      'FATAL: the database system is starting up (SQLSTATE 57P03)',
    ]) {
      expect(classifyStoreError(ferretdb(text))).toBe('unavailable');
      // The same answer to an insertMany: the driver copies the command error onto its bulk error.
      expect(classifyStoreError(wrapping(ferretdb(text)))).toBe('unavailable');
    }
  });

  it('when FerretDB’s PostgreSQL refuses a value, then the write is refused; an unrecognised internal error is unknown', () => {
    const nul = ferretdb(
      '[collection.go:163 postgresql.(*collection).InsertAll.func1] ERROR: unsupported Unicode escape sequence (SQLSTATE 22P05)',
    );
    expect(classifyStoreError(nul)).toBe('refused');
    expect(classifyStoreError(wrapping(nul))).toBe('refused');
    expect(classifyStoreError(ferretdb('something nobody expected'))).toBe('unknown');
  });

  it('when the server answers a code, then the code decides: transient codes and labels are unavailable, credentials unknown, others refused', () => {
    expect(classifyStoreError(new MongoServerError({ code: 189, errmsg: 'primary stepped down' }))).toBe(
      'unavailable',
    );
    expect(
      classifyStoreError(
        new MongoServerError({ code: 12345, errmsg: 'x', errorLabels: ['RetryableWriteError'] } as never),
      ),
    ).toBe('unavailable');
    expect(classifyStoreError(new MongoServerError({ code: 18, errmsg: 'auth failed' }))).toBe('unknown');
    expect(classifyStoreError(new MongoServerError({ code: 9, errmsg: 'Unknown modifier: $bogus' }))).toBe(
      'refused',
    );
    expect(classifyStoreError(new MongoInvalidArgumentError('document is too large'))).toBe('refused');
  });

  it('when mongoose gives up waiting for a connection, or an error wraps a store outage, then it is unavailable', () => {
    const buffering = Object.assign(
      new Error('Operation `outbox.insertMany()` buffering timed out after 10000ms'),
      {
        name: 'MongooseError',
      },
    );
    expect(classifyStoreError(buffering)).toBe('unavailable');
    const problem = new AppError('unavailable', 'the store is away', {
      cause: new MongoNetworkError('connection closed'),
    });
    expect(classifyStoreError(problem)).toBe('unavailable');
  });

  it('when the error is not the store’s, then it is unknown', () => {
    expect(classifyStoreError(new TypeError('x is undefined'))).toBe('unknown');
    expect(classifyStoreError(null)).toBe('unknown');
    expect(classifyStoreError('MongoNetworkError')).toBe('unknown');
    expect(classifyStoreError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('unknown');
  });
});
