import { distanceLevel } from '../../src/domain/areas.ts';
import { addMonths, ageOn, chinaDate, sixMonthMark, startOfChinaDay } from '../../src/domain/dates.ts';

describe('distance between communities', () => {
  it.each([
    ['420102001001', '420102001001', 'community'],
    ['420102001001', '420102001002', 'street'],
    ['420102001001', '420102002001', 'district'],
    ['420102001001', '420103001001', 'city'],
    ['420102001001', '110105001001', 'beyond'],
  ])('from %s to %s is %s', (a, b, level) => {
    expect(distanceLevel(a, b)).toBe(level);
  });
});

describe('calendar dates', () => {
  it('counts months the way contracts do, ending on the last day of a shorter month', () => {
    expect(addMonths('2024-08-31', 6)).toBe('2025-02-28');
    expect(addMonths('2023-08-31', 6)).toBe('2024-02-29');
    expect(addMonths('2024-11-15', 3)).toBe('2025-02-15');
    expect(sixMonthMark('2024-01-10')).toBe('2024-07-10');
  });

  it('reads the calendar day in China (UTC+08:00)', () => {
    expect(chinaDate(new Date('2024-03-01T16:30:00Z'))).toBe('2024-03-02');
    expect(startOfChinaDay('2024-03-02').toISOString()).toBe('2024-03-01T16:00:00.000Z');
  });

  it('computes whole years of age', () => {
    expect(ageOn('1980-06-15', '2024-06-14')).toBe(43);
    expect(ageOn('1980-06-15', '2024-06-15')).toBe(44);
  });
});
