import { ManualClock } from '../../src/clock.ts';
import { actsAtLevel, levelCode, levelOf, nextLevel } from '../../src/levels.ts';
import { allocate, formatYuan, mulDiv, shareOf, yuan } from '../../src/money.ts';

describe('money in fen', () => {
  it('when an amount is divided, then it rounds as asked and never through a float', () => {
    // 50,000 yuan at 4.35 % a year for one month: 5,000,000 × 435 / 120,000 = 18,125 fen exactly.
    expect(mulDiv(yuan(50_000), 435, 12 * 10_000, 'half-up')).toBe(18_125);
    expect(mulDiv(10, 1, 4, 'half-up')).toBe(3); // 2.5 → 3
    expect(mulDiv(10, 1, 4, 'down')).toBe(2);
    expect(mulDiv(9, 1, 4, 'up')).toBe(3);
    expect(mulDiv(-10, 1, 4, 'half-up')).toBe(-3);
    expect(mulDiv(Number.MAX_SAFE_INTEGER, 2, 4, 'down')).toBe(Math.floor(Number.MAX_SAFE_INTEGER / 2));
    expect(shareOf(18_125, 5_000, 'down')).toBe(9_062);
  });

  it('when an amount is split, then the parts add up to it to the fen', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(1_000_001, [3, 7])).toEqual([300_000, 700_001]);
    const parts = allocate(987_654, [5, 11, 0, 13]);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(987_654);
    expect(parts[2]).toBe(0);
  });

  it('when an amount is not whole fen, then it is refused', () => {
    expect(() => mulDiv(1.5, 1, 2, 'down')).toThrow('whole number of fen');
    expect(() => allocate(10, [])).toThrow();
    expect(formatYuan(123_450)).toBe('1234.50');
    expect(formatYuan(-5)).toBe('-0.05');
  });
});

describe('the levels of the area tree', () => {
  const community = '420102001001';

  it('when a community’s chain is walked, then each level’s area is the prefix of its length', () => {
    expect(levelCode(community, 'community')).toBe(community);
    expect(levelCode(community, 'street')).toBe('420102001');
    expect(levelCode(community, 'district')).toBe('420102');
    expect(levelCode(community, 'city')).toBe('4201');
    expect(nextLevel('district')).toBe('city');
    expect(nextLevel('city')).toBeUndefined();
    expect(levelOf('420102001')).toBe('street');
    expect(levelOf('42')).toBeUndefined();
  });

  it('when a scope acts on a step, then only that level’s own area may', () => {
    expect(actsAtLevel('420102001', community, 'street')).toBe(true);
    expect(actsAtLevel('420102', community, 'street')).toBe(false);
    expect(actsAtLevel('420103001', community, 'street')).toBe(false);
    expect(() => levelCode('420102', 'street')).toThrow('not a community code');
  });
});

describe('a manual clock', () => {
  it('when it is advanced, then it tells the new time and stands still otherwise', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    clock.advanceDays(31);
    expect(clock.now().toISOString()).toBe('2026-02-01T00:00:00.000Z');
    clock.set('2027-01-01T00:00:00Z');
    expect(clock.now().getUTCFullYear()).toBe(2027);
  });
});
