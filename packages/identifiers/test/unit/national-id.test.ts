import {
  ageOn,
  isValidNationalId,
  maskNationalId,
  nationalIdCheckDigit,
  normalizeNationalId,
  parseNationalId,
} from '../../src/index.ts';

// The check digit written independently of the implementation: GB 11643 is ISO 7064 MOD 11-2,
// where the weight of the digit n places from the right (check digit = place 1) is 2^(n-1) mod 11
// and the check value c makes the weighted sum plus c equal 1 mod 11.
function independentCheckDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (2 ** (17 - i) % 11);
  for (let c = 0; c <= 10; c++) {
    if ((sum + c) % 11 === 1) return c === 10 ? 'X' : String(c);
  }
  throw new Error('unreachable');
}

function withCheckDigit(first17: string): string {
  return first17 + independentCheckDigit(first17);
}

const GB_EXAMPLE = '11010519491231002X';
const TODAY = new Date('2024-06-01T12:00:00+08:00');

describe('parseNationalId', () => {
  it('when given the GB 11643 example number, then it is valid and decoded', () => {
    expect(parseNationalId(GB_EXAMPLE, TODAY)).toEqual({
      ok: true,
      value: {
        number: GB_EXAMPLE,
        regionCode: '110105',
        birthDate: '1949-12-31',
        sex: 'female',
        sequence: '002',
      },
    });
  });

  it('when the 17th digit is odd, then the holder is male', () => {
    const result = parseNationalId(withCheckDigit('44030519850715031'), TODAY);
    expect(result.ok && result.value.sex).toBe('male');
    expect(result.ok && result.value.sequence).toBe('031');
  });

  it('when check digits are computed for every sequence of a prefix, then they match an independent implementation', () => {
    const seen = new Set<string>();
    for (let sequence = 0; sequence < 1000; sequence++) {
      const first17 = `32010219781103${String(sequence).padStart(3, '0')}`;
      const expected = independentCheckDigit(first17);
      expect(nationalIdCheckDigit(first17)).toBe(expected);
      expect(isValidNationalId(first17 + expected, TODAY)).toBe(true);
      seen.add(expected);
    }
    // All 11 check characters, X included, were exercised.
    expect(seen.size).toBe(11);
  });

  it('when the independent implementation checks the GB example, then it agrees on X', () => {
    expect(independentCheckDigit(GB_EXAMPLE.slice(0, 17))).toBe('X');
  });

  it('when the check digit is wrong, then the reason is check-digit', () => {
    for (const wrong of '0123456789') {
      const result = parseNationalId(`${GB_EXAMPLE.slice(0, 17)}${wrong}`, TODAY);
      expect(result).toMatchObject({ ok: false, reason: 'check-digit' });
    }
  });

  it('when two digits are swapped, then the check digit catches it', () => {
    // 1949 -> 1994 keeps a valid date, so only the check digit can notice.
    expect(parseNationalId('11010519941231002X', TODAY)).toMatchObject({ ok: false, reason: 'check-digit' });
  });

  it('when the check character is a lower-case x, then the number is valid and stored with X', () => {
    const result = parseNationalId('11010519491231002x', TODAY);
    expect(result.ok && result.value.number).toBe(GB_EXAMPLE);
  });

  it('when the length or characters are wrong, then the reason is format', () => {
    for (const input of [
      '',
      GB_EXAMPLE.slice(0, 17),
      `${GB_EXAMPLE}1`,
      '1101051949123100X2',
      '11010519491231002Y',
      'A1010519491231002X',
      '11010519491231OO2X',
    ]) {
      expect(parseNationalId(input, TODAY)).toMatchObject({ ok: false, reason: 'format' });
    }
  });

  it('when given a 15-digit first-generation number, then the detail says they are not accepted', () => {
    const result = parseNationalId('110105491231002', TODAY);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.detail).toMatch(/15-digit/);
  });

  it('when the birth date is not a calendar date, then the reason is birth-date', () => {
    for (const date of ['20010230', '20010229', '19000229', '19851301', '19850100', '19850431', '19850001']) {
      const result = parseNationalId(withCheckDigit(`110105${date}123`), TODAY);
      expect(result).toMatchObject({ ok: false, reason: 'birth-date' });
    }
  });

  it('when the birth date is 29 February of a leap year, then it is accepted', () => {
    for (const date of ['20000229', '19960229', '20240229']) {
      expect(isValidNationalId(withCheckDigit(`110105${date}123`), TODAY)).toBe(true);
    }
  });

  it('when the birth date is before 1900, then the reason is birth-date even with a correct check digit', () => {
    // The 1880 example of the standard itself: its check digit 4 is right.
    expect(independentCheckDigit('44052418800101001')).toBe('4');
    expect(parseNationalId('440524188001010014', TODAY)).toMatchObject({ ok: false, reason: 'birth-date' });
    expect(parseNationalId(withCheckDigit('11010518991231001'), TODAY)).toMatchObject({
      ok: false,
      reason: 'birth-date',
    });
    expect(isValidNationalId(withCheckDigit('11010519000101001'), TODAY)).toBe(true);
  });

  it('when the birth date is after today, then the reason is birth-date', () => {
    expect(parseNationalId(withCheckDigit('11010520240602001'), TODAY)).toMatchObject({
      ok: false,
      reason: 'birth-date',
    });
    expect(parseNationalId(withCheckDigit('11010530000101001'), TODAY)).toMatchObject({
      ok: false,
      reason: 'birth-date',
    });
    expect(isValidNationalId(withCheckDigit('11010520240601001'), TODAY)).toBe(true);
  });

  it('when it is already tomorrow in China but not yet in UTC, then a birth on the China date is accepted', () => {
    // 2024-06-01 00:30 in Beijing is still 31 May in UTC.
    const justAfterMidnightInBeijing = new Date('2024-05-31T16:30:00Z');
    expect(isValidNationalId(withCheckDigit('11010520240601001'), justAfterMidnightInBeijing)).toBe(true);
    expect(isValidNationalId(withCheckDigit('11010520240602001'), justAfterMidnightInBeijing)).toBe(false);
  });

  it('when the first two digits are not a province-level code, then the reason is region', () => {
    for (const province of ['00', '10', '16', '20', '39', '47', '55', '66', '72', '80', '84', '91', '99']) {
      const result = parseNationalId(withCheckDigit(`${province}010519800101001`), TODAY);
      expect(result).toMatchObject({ ok: false, reason: 'region' });
    }
  });

  it('when the region is Hong Kong, Macau or Taiwan (residence permits 81/82/83, GB/T 2260 71), then it is accepted', () => {
    for (const region of ['810000', '820000', '830000', '710000']) {
      expect(isValidNationalId(withCheckDigit(`${region}19800101001`), TODAY)).toBe(true);
    }
  });

  it('when every province-level code is tried, then exactly the 34 divisions plus 83 are accepted', () => {
    const accepted: string[] = [];
    for (let province = 0; province < 100; province++) {
      const code = String(province).padStart(2, '0');
      if (isValidNationalId(withCheckDigit(`${code}010519800101001`), TODAY)) accepted.push(code);
    }
    expect(accepted).toHaveLength(35);
    expect(accepted).toEqual(
      expect.arrayContaining(['11', '15', '23', '37', '46', '54', '65', '71', '81', '82', '83']),
    );
  });

  it('when parsing fails, then the detail does not repeat the number', () => {
    const input = withCheckDigit('11010520010230001');
    const result = parseNationalId(input, TODAY);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.detail).not.toContain(input.slice(6, 14));
    expect(!result.ok && result.detail).not.toContain('20010230');
  });

  it('when today is not given, then the current time bounds the birth date', () => {
    expect(isValidNationalId(GB_EXAMPLE)).toBe(true);
    expect(isValidNationalId(withCheckDigit('11010529991231001'))).toBe(false);
  });
});

describe('normalizeNationalId', () => {
  it('when the same number is spelled differently, then every spelling normalizes identically', () => {
    const spellings = [
      GB_EXAMPLE,
      '11010519491231002x',
      '  11010519491231002X\t',
      '110105 19491231 002X',
      '110105-19491231-002x',
      '110105\u201419491231\u2013002X',
      '１１０１０５１９４９１２３１００２Ｘ',
      '１１０１０５\u3000１９４９１２３１\u3000００２ｘ',
      '\u200B110105.19491231.002X\uFEFF',
    ];
    for (const spelling of spellings) {
      expect(normalizeNationalId(spelling)).toBe(GB_EXAMPLE);
      expect(parseNationalId(spelling, TODAY)).toMatchObject({ ok: true, value: { number: GB_EXAMPLE } });
    }
  });

  it('when the text contains look-alike characters that are not digits, then they are kept and rejected', () => {
    // Circled one is not the digit 1: normalization must not guess.
    const normalized = normalizeNationalId('\u24601010519491231002X');
    expect(normalized).not.toBe(GB_EXAMPLE);
    expect(isValidNationalId('\u24601010519491231002X', TODAY)).toBe(false);
  });
});

describe('maskNationalId', () => {
  it('when masking a number, then the first 6 and last 4 characters remain around 8 stars', () => {
    expect(maskNationalId(GB_EXAMPLE)).toBe('110105********002X');
  });

  it('when masking an unnormalized spelling, then the mask is of the normalized number', () => {
    expect(maskNationalId('110105 19491231 002x')).toBe('110105********002X');
  });

  it('when the input is not 18 characters long, then everything is masked', () => {
    expect(maskNationalId('110105491231002')).toBe('***************');
    expect(maskNationalId('')).toBe('');
  });
});

describe('ageOn', () => {
  const atChinaNoon = (date: string) => new Date(`${date}T12:00:00+08:00`);

  it('when the day is the eve of the birthday, then the age has not gone up yet', () => {
    expect(ageOn('1990-06-15', atChinaNoon('2024-06-14'))).toBe(33);
  });

  it('when the day is the birthday, then the age has gone up', () => {
    expect(ageOn('1990-06-15', atChinaNoon('2024-06-15'))).toBe(34);
    expect(ageOn('1990-06-15', atChinaNoon('1990-06-15'))).toBe(0);
  });

  it('when born on 29 February, then the age goes up on 28 February in common years and 29 February in leap years', () => {
    expect(ageOn('2000-02-29', atChinaNoon('2001-02-27'))).toBe(0);
    expect(ageOn('2000-02-29', atChinaNoon('2001-02-28'))).toBe(1);
    expect(ageOn('2000-02-29', atChinaNoon('2004-02-28'))).toBe(3);
    expect(ageOn('2000-02-29', atChinaNoon('2004-02-29'))).toBe(4);
  });

  it('when the instant is already the birthday in China but not in UTC, then China time decides', () => {
    expect(ageOn('2008-06-15', new Date('2024-06-14T16:30:00Z'))).toBe(16);
    expect(ageOn('2008-06-15', new Date('2024-06-14T15:30:00Z'))).toBe(15);
  });

  it('when the birth date is not a calendar date or the day precedes it, then it throws', () => {
    expect(() => ageOn('2001-02-29', atChinaNoon('2024-01-01'))).toThrow(RangeError);
    expect(() => ageOn('19900615', atChinaNoon('2024-01-01'))).toThrow(RangeError);
    expect(() => ageOn('2024-06-02', atChinaNoon('2024-06-01'))).toThrow(RangeError);
    expect(() => ageOn('2000-01-01', new Date(Number.NaN))).toThrow(RangeError);
  });
});
