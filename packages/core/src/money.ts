/**
 * Money is an integer number of fen (分, a hundredth of a yuan), never a float. Every operation
 * that divides says how it rounds, and splitting an amount keeps the total to the fen.
 */

export type Fen = number;

/** How a division rounds to the fen. `half-up` is 四舍五入 (away from zero at exactly .5). */
export type Rounding = 'half-up' | 'down' | 'up';

export function assertFen(amount: number, what = 'amount'): Fen {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`${what} must be a whole number of fen`);
  return amount;
}

/** Whole yuan to fen. */
export const yuan = (amount: number): Fen => assertFen(amount * 100, 'yuan amount');

/** '1234.50' for 123450 fen: a plain decimal, for bank files and reports. */
export function formatYuan(amount: Fen): string {
  assertFen(amount);
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * `amount × numerator ÷ denominator`, rounded as asked: e.g. a month's interest is
 * `mulDiv(principal, rateBasisPoints, 12 × 10_000)`. Computed with BigInt, so no intermediate
 * product loses precision.
 */
export function mulDiv(amount: Fen, numerator: number, denominator: number, rounding: Rounding): Fen {
  assertFen(amount);
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator === 0)
    throw new RangeError('numerator and denominator must be whole numbers, the denominator not 0');
  let n = BigInt(amount) * BigInt(numerator);
  let d = BigInt(denominator);
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const negative = n < 0n;
  const abs = negative ? -n : n;
  let q = abs / d;
  const r = abs % d;
  if (r !== 0n) {
    if (rounding === 'up' || (rounding === 'half-up' && r * 2n >= d)) q += 1n;
  }
  const result = Number(negative ? -q : q);
  return assertFen(result, 'result');
}

/**
 * Splits `total` in proportion to `weights`, to the fen, by the largest remainder: the parts add
 * up to `total` exactly, and ties go to the earlier part.
 */
export function allocate(total: Fen, weights: readonly number[]): Fen[] {
  assertFen(total);
  if (weights.length === 0) throw new RangeError('nothing to allocate to');
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0))
    throw new RangeError('weights must be whole and not negative');
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) throw new RangeError('the weights add up to 0');
  const parts = weights.map((w) => mulDiv(total, w, sum, 'down'));
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = weights
    .map((w, i) => ({ i, rest: Number((BigInt(total) * BigInt(w)) % BigInt(sum)) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) parts[order[k]!.i]! += 1;
  return parts;
}

/** A share in basis points (1 % = 100 bp) of an amount, rounded as asked. */
export const shareOf = (amount: Fen, basisPoints: number, rounding: Rounding): Fen =>
  mulDiv(amount, basisPoints, 10_000, rounding);
