import {
  createNationalIdGenerator,
  createSeededRandom,
  DEFAULT_SYNTHETIC_BIRTH_DATES,
  DEFAULT_SYNTHETIC_REGION_CODES,
  nationalIdFor,
  parseNationalId,
} from '../../src/index.ts';

const TODAY = new Date('2024-06-01T12:00:00+08:00');

function take<T>(count: number, next: () => T): T[] {
  return Array.from({ length: count }, next);
}

describe('createNationalIdGenerator', () => {
  it('when 100,000 numbers are drawn, then all are distinct and valid', () => {
    const generator = createNationalIdGenerator(20240601);
    const numbers = take(100_000, () => generator.next());
    expect(new Set(numbers).size).toBe(100_000);
    const invalid = numbers.filter((number) => !parseNationalId(number, TODAY).ok);
    expect(invalid).toEqual([]);
  });

  it('when two generators share a seed, then they produce the same sequence', () => {
    const a = createNationalIdGenerator(7);
    const b = createNationalIdGenerator(7);
    const requests = [{}, { sex: 'female' as const }, { regionCode: '310115' }, { birthDate: '1990-01-01' }];
    for (let i = 0; i < 1000; i++) {
      const request = requests[i % requests.length];
      expect(a.next(request)).toBe(b.next(request));
    }
  });

  it('when the seeds differ, then the sequences differ', () => {
    const a = take(100, createNationalIdGenerator(1).next);
    const b = take(100, createNationalIdGenerator(2).next);
    expect(a).not.toEqual(b);
    expect(a.filter((number) => b.includes(number)).length).toBeLessThan(5);
  });

  it('when no options are given, then regions and birth dates come from the defaults', () => {
    const generator = createNationalIdGenerator(3);
    for (const number of take(2000, () => generator.next())) {
      const parsed = parseNationalId(number, TODAY);
      if (!parsed.ok) throw new Error(parsed.detail);
      expect(DEFAULT_SYNTHETIC_REGION_CODES).toContain(parsed.value.regionCode);
      expect(parsed.value.birthDate >= DEFAULT_SYNTHETIC_BIRTH_DATES.from).toBe(true);
      expect(parsed.value.birthDate <= DEFAULT_SYNTHETIC_BIRTH_DATES.to).toBe(true);
    }
  });

  it('when both sexes are left open, then both occur in roughly equal numbers', () => {
    const generator = createNationalIdGenerator(11);
    const males = take(10_000, () => generator.next()).filter((n) => Number(n[16]) % 2 === 1).length;
    expect(males).toBeGreaterThan(4500);
    expect(males).toBeLessThan(5500);
  });

  it('when a region, birth date and sex are requested, then the numbers carry them', () => {
    const generator = createNationalIdGenerator(5);
    const number = generator.next({ regionCode: '440305', birthDate: '1985-07-15', sex: 'female' });
    expect(parseNationalId(number, TODAY)).toMatchObject({
      ok: true,
      value: { regionCode: '440305', birthDate: '1985-07-15', sex: 'female' },
    });
  });

  it('when the generator has its own regions and date range, then draws stay inside them', () => {
    const generator = createNationalIdGenerator(9, {
      regionCodes: ['330106'],
      birthDateFrom: '2000-01-01',
      birthDateTo: '2000-01-31',
    });
    for (const number of take(500, () => generator.next())) {
      expect(number.slice(0, 6)).toBe('330106');
      expect(number.slice(6, 12)).toBe('200001');
    }
  });

  it('when one region, day and sex are pinned, then all 500 male codes come out once and then it throws', () => {
    const generator = createNationalIdGenerator(13);
    const request = { regionCode: '110101', birthDate: '1970-01-01', sex: 'male' as const };
    const numbers = take(500, () => generator.next(request));
    expect(new Set(numbers).size).toBe(500);
    expect(new Set(numbers.map((n) => n.slice(14, 17)))).toEqual(
      new Set(Array.from({ length: 500 }, (_, i) => String(2 * i + 1).padStart(3, '0'))),
    );
    expect(() => generator.next(request)).toThrow(RangeError);
  });

  it('when a region and day are pinned but not the sex, then 999 numbers come out before it throws', () => {
    const generator = createNationalIdGenerator(17);
    const request = { regionCode: '110101', birthDate: '1970-01-01' };
    const numbers = take(999, () => generator.next(request));
    expect(new Set(numbers).size).toBe(999);
    // 000 is never handed out.
    expect(numbers.some((n) => n.slice(14, 17) === '000')).toBe(false);
    expect(() => generator.next(request)).toThrow(RangeError);
  });

  it('when a pinned combination is used up, then unpinned draws still succeed and never repeat it', () => {
    const generator = createNationalIdGenerator(19, {
      regionCodes: ['110101'],
      birthDateFrom: '1970-01-01',
      birthDateTo: '1970-01-02',
    });
    const pinned = take(999, () => generator.next({ birthDate: '1970-01-01' }));
    const rest = take(999, () => generator.next());
    expect(new Set([...pinned, ...rest]).size).toBe(1998);
    expect(rest.every((n) => n.slice(6, 14) === '19700102')).toBe(true);
    expect(() => generator.next()).toThrow(RangeError);
  });

  it('when options or requests are invalid, then it throws a RangeError', () => {
    expect(() => createNationalIdGenerator(Number.NaN)).toThrow(RangeError);
    expect(() => createNationalIdGenerator(1, { regionCodes: [] })).toThrow(RangeError);
    expect(() => createNationalIdGenerator(1, { regionCodes: ['990101'] })).toThrow(RangeError);
    expect(() => createNationalIdGenerator(1, { birthDateFrom: '2001-02-29' })).toThrow(RangeError);
    expect(() =>
      createNationalIdGenerator(1, { birthDateFrom: '2000-01-02', birthDateTo: '2000-01-01' }),
    ).toThrow(RangeError);
    const generator = createNationalIdGenerator(1);
    expect(() => generator.next({ regionCode: '1101' })).toThrow(RangeError);
    expect(() => generator.next({ birthDate: '1899-12-31' })).toThrow(RangeError);
  });
});

describe('nationalIdFor', () => {
  it('when given the parts of the GB 11643 example, then it rebuilds the number with its X check digit', () => {
    expect(nationalIdFor('110105', '1949-12-31', 2)).toBe('11010519491231002X');
    expect(nationalIdFor('110105', '1949-12-31', '002')).toBe('11010519491231002X');
  });

  it('when given any sequence, then the result parses back to the same parts', () => {
    for (const sequence of [0, 1, 9, 10, 99, 100, 998, 999]) {
      const parsed = parseNationalId(nationalIdFor('510107', '2001-09-30', sequence), TODAY);
      expect(parsed).toMatchObject({
        ok: true,
        value: { regionCode: '510107', birthDate: '2001-09-30', sequence: String(sequence).padStart(3, '0') },
      });
    }
  });

  it('when a part is invalid, then it throws a RangeError', () => {
    expect(() => nationalIdFor('990101', '1990-01-01', 1)).toThrow(RangeError);
    expect(() => nationalIdFor('11010', '1990-01-01', 1)).toThrow(RangeError);
    expect(() => nationalIdFor('110101', '1990-02-30', 1)).toThrow(RangeError);
    expect(() => nationalIdFor('110101', '1899-12-31', 1)).toThrow(RangeError);
    expect(() => nationalIdFor('110101', '1990-01-01', 1000)).toThrow(RangeError);
    expect(() => nationalIdFor('110101', '1990-01-01', -1)).toThrow(RangeError);
    expect(() => nationalIdFor('110101', '1990-01-01', 1.5)).toThrow(RangeError);
    expect(() => nationalIdFor('110101', '1990-01-01', '12')).toThrow(RangeError);
  });
});

describe('createSeededRandom', () => {
  it('when seeded alike, then it repeats the same floats in [0, 1)', () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const values = take(1000, a);
    expect(take(1000, b)).toEqual(values);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(990);
  });
});
