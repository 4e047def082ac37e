import { canonicalJson } from '../../src/idempotency.ts';

describe('the Idempotency-Key fingerprint text', () => {
  it('when the same body comes with its keys in another order, at any depth, then the text is the same', () => {
    const a = JSON.parse('{"b":1,"a":{"y":[{"q":1,"p":2}],"x":null},"10":true,"9":false}');
    const b = JSON.parse('{"9":false,"a":{"x":null,"y":[{"p":2,"q":1}]},"10":true,"b":1}');
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"9":false,"10":true,"a":{"x":null,"y":[{"p":2,"q":1}]},"b":1}');
  });

  it('when values or the order of an array differ, then the text differs', () => {
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson(undefined)).toBe('null');
  });
});
