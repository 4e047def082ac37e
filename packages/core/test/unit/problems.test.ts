import {
  AppError,
  isDuplicateKeyError,
  isStoreUnavailable,
  problemInstance,
  validationFailed,
} from '../../src/errors.ts';
import { keyCursor, offsetCursor, toPage } from '../../src/pagination.ts';

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
  const raw = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

  it('when more rows exist than the limit, then the page has a cursor naming its last row', () => {
    const page = toPage([{ id: 'a' }, { id: 'b' }, { id: 'c' }], 2, (last) => last.id);
    expect(page.items).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(keyCursor.decode(page.nextCursor!)).toEqual({ after: 'b' });
  });

  it('when the rows fit, then there is no next cursor', () => {
    expect(toPage([{ id: 'a' }], 2, (last) => last.id).nextCursor).toBeNull();
  });

  it('when a cursor was written by the codec, then it decodes to what was written', () => {
    expect(keyCursor.decode(keyCursor.encode({ after: '01a21e23-b091-774a-aabd-000000000000' }))).toEqual({
      after: '01a21e23-b091-774a-aabd-000000000000',
    });
    expect(offsetCursor.decode(offsetCursor.encode({ offset: 40 }))).toEqual({ offset: 40 });
    expect(keyCursor.decode(undefined)).toBeUndefined();
  });

  it.each([
    ['not base64 JSON', 'not-base64-json!'],
    ['another key', raw({ other: 1 })],
    ['an operator object', raw({ after: { $gt: '' } })],
    ['an array', raw({ after: ['a'] })],
    ['an extra key', raw({ after: 'a', $where: '1' })],
    ['a number for a key', raw({ after: 7 })],
    ['text a key cannot hold', raw({ after: 'a b' })],
    ['a top-level array', raw([{ after: 'a' }])],
    ['padded', `${raw({ after: 'a' })}==`],
    ['JSON written another way', Buffer.from('{ "after": "a" }', 'utf8').toString('base64url')],
    ['longer than any cursor the service writes', 'A'.repeat(400)],
  ])('when a key cursor is %s, then it is a 400 problem naming the cursor', (_what, cursor) => {
    const decode = () => keyCursor.decode(cursor);
    expect(decode).toThrow(AppError);
    expect(decode).toThrow(/not one this service issued/);
  });

  it.each([
    ['negative', raw({ offset: -1 })],
    ['a fraction', raw({ offset: 1.5 })],
    ['text', raw({ offset: '1' })],
    ['beyond safe integers', raw({ offset: 2 ** 60 })],
    ['a key cursor', keyCursor.encode({ after: 'a' })],
  ])('when an offset cursor is %s, then it is a 400 problem', (_what, cursor) => {
    expect(() => offsetCursor.decode(cursor)).toThrow(/not one this service issued/);
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

describe('problem instance', () => {
  it('when a path holds an ID number, plainly or percent-encoded, then the instance masks it', () => {
    expect(problemInstance('/v1/residents/420102198503121234')).toBe('/v1/residents/420102********1234');
    expect(problemInstance('/v1/residents/x42010219850312123X/y')).toBe(
      '/v1/residents/x420102********123X/y',
    );
    const encoded = [...'42010219850312123x'].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    expect(problemInstance(`/v1/residents/${encoded}`)).toBe('/v1/residents/420102********123X');
  });

  it('when a path has a broken escape or ordinary text, then it is kept as a URI reference', () => {
    expect(problemInstance('/v1/residents/%ZZ')).toBe('/v1/residents/%25ZZ');
    expect(problemInstance('/v1/areas/420102001001')).toBe('/v1/areas/420102001001');
    expect(problemInstance('/v1/areas/%E6%B1%9F')).toBe('/v1/areas/%E6%B1%9F');
  });
});
