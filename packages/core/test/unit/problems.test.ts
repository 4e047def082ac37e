import { AppError, isDuplicateKeyError, isStoreUnavailable, validationFailed } from '../../src/errors.ts';
import { decodeCursor, encodeCursor, toPage } from '../../src/pagination.ts';

describe('problem details (RFC 9457)', () => {
  it('when an AppError is rendered, then it has type, title, status, detail, instance and extensions', () => {
    const problem = new AppError('duplicate', 'already there', {
      extensions: { residentId: 'r1' },
    }).toProblem('/v1/x');
    expect(problem).toEqual({
      type: 'urn:employment:problem:duplicate',
      title: 'Already registered',
      status: 409,
      detail: 'already there',
      instance: '/v1/x',
      residentId: 'r1',
    });
  });

  it('when validation fails, then each field problem is kept and summarised', () => {
    const error = validationFailed([{ in: 'body', pointer: '/a', detail: 'is required' }]);
    expect(error.status).toBe(400);
    expect(error.toProblem().errors).toEqual([{ in: 'body', pointer: '/a', detail: 'is required' }]);
    expect(error.message).toBe('/a: is required');
  });

  it('when the store reports E11000, then it is recognised as a duplicate key', () => {
    expect(isDuplicateKeyError({ code: 11000 })).toBe(true);
    expect(isDuplicateKeyError(new Error('x'))).toBe(false);
  });
});

describe('cursor pagination', () => {
  it('when more rows exist than the limit, then the page has a cursor naming its last row', () => {
    const page = toPage([{ id: 'a' }, { id: 'b' }, { id: 'c' }], 2, (last) => ({ after: last.id }));
    expect(page.items).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(decodeCursor<{ after: string }>(page.nextCursor!, ['after'])).toEqual({ after: 'b' });
  });

  it('when the rows fit, then there is no next cursor', () => {
    expect(toPage([{ id: 'a' }], 2, (last) => ({ after: last.id })).nextCursor).toBeNull();
  });

  it('when a cursor is forged or lacks its keys, then it is a 400 problem', () => {
    expect(() => decodeCursor('not-base64-json', ['after'])).toThrow(AppError);
    expect(() => decodeCursor(encodeCursor({ other: 1 }), ['after'])).toThrow(/not one this service issued/);
  });
});

describe('isStoreUnavailable', () => {
  const named = (name: string) => Object.assign(new Error('x'), { name });

  it('when the driver cannot reach the store or gets no answer, then it counts as unavailable (a 503 to retry)', () => {
    for (const name of [
      'MongoNetworkError',
      'MongoNetworkTimeoutError',
      'MongoServerSelectionError',
      'MongooseServerSelectionError',
      'MongoPoolClearedError',
      'MongoTopologyClosedError',
    ]) {
      expect(isStoreUnavailable(named(name))).toBe(true);
    }
  });

  it('when the store answered with an error, or the error is not the store, then it does not', () => {
    expect(isStoreUnavailable(Object.assign(named('MongoServerError'), { code: 11000 }))).toBe(false);
    expect(isStoreUnavailable(new TypeError('x'))).toBe(false);
    expect(isStoreUnavailable(null)).toBe(false);
    expect(isStoreUnavailable('MongoNetworkError')).toBe(false);
  });
});
