import { areaLevel, isCommunityCode, isValidAreaCode, isWithinArea, parentCodes } from '../../src/index.ts';

// Beijing > Beijing city districts > Dongcheng > Donghuamen street > a community.
const PROVINCE = '11';
const CITY = '1101';
const DISTRICT = '110101';
const STREET = '110101001';
const COMMUNITY = '110101001001';

describe('areaLevel', () => {
  it('when a code has the length of a level, then that level is returned', () => {
    expect(areaLevel(PROVINCE)).toBe('province');
    expect(areaLevel(CITY)).toBe('city');
    expect(areaLevel(DISTRICT)).toBe('district');
    expect(areaLevel(STREET)).toBe('street');
    expect(areaLevel(COMMUNITY)).toBe('community');
  });

  it('when a code has another length or non-digits, then there is no level', () => {
    for (const code of [
      '',
      '1',
      '110',
      '11010',
      '1101010',
      '11010100',
      '1101010010',
      '1101010010011',
      '11010a',
    ]) {
      expect(areaLevel(code)).toBeUndefined();
    }
    expect(areaLevel('１１')).toBeUndefined();
    expect(areaLevel(' 11')).toBeUndefined();
  });
});

describe('isValidAreaCode', () => {
  it('when codes of every level lie in a real province, then they are valid', () => {
    for (const code of [PROVINCE, CITY, DISTRICT, STREET, COMMUNITY, '440305', '4403', '500103002201']) {
      expect(isValidAreaCode(code)).toBe(true);
    }
  });

  it("when a level's own segment is all zeros, then the code is invalid", () => {
    // 110100 is the six-digit way of writing the city 1101, not a district.
    for (const code of ['1100', '110100', '110000', '110101000', '110101001000', '00']) {
      expect(isValidAreaCode(code)).toBe(false);
    }
  });

  it('when the province is unknown or the shape is wrong, then the code is invalid', () => {
    for (const code of ['99', '10', '830000', '9901', '1101a1', '11010']) {
      expect(isValidAreaCode(code)).toBe(false);
    }
  });
});

describe('isCommunityCode', () => {
  it('when a code is a valid 12-digit code, then it is a community code', () => {
    expect(isCommunityCode(COMMUNITY)).toBe(true);
  });

  it('when a code is of another level or malformed, then it is not', () => {
    expect(isCommunityCode(STREET)).toBe(false);
    expect(isCommunityCode('110101001000')).toBe(false);
    expect(isCommunityCode('990101001001')).toBe(false);
  });
});

describe('isWithinArea', () => {
  it('when the scope is any ancestor of the code or the code itself, then the code is within it', () => {
    for (const scope of [PROVINCE, CITY, DISTRICT, STREET, COMMUNITY]) {
      expect(isWithinArea(COMMUNITY, scope)).toBe(true);
    }
  });

  it('when the scope is a sibling or another province, then the code is not within it', () => {
    expect(isWithinArea(COMMUNITY, '110102')).toBe(false);
    expect(isWithinArea(COMMUNITY, '110101002')).toBe(false);
    expect(isWithinArea(COMMUNITY, '12')).toBe(false);
  });

  it('when the scope is below the code, then the code is not within it', () => {
    expect(isWithinArea(DISTRICT, STREET)).toBe(false);
  });

  it('when the scope is empty, partial or malformed, then nothing is within it', () => {
    for (const scope of ['', '1', '110', '11010', '1100', '110100']) {
      expect(isWithinArea(COMMUNITY, scope)).toBe(false);
    }
  });

  it('when the code is malformed, then it is not within any scope', () => {
    expect(isWithinArea('1101010010', PROVINCE)).toBe(false);
    expect(isWithinArea('110101001000', PROVINCE)).toBe(false);
  });
});

describe('parentCodes', () => {
  it('when given a community, then its street, district, city and province come back nearest first', () => {
    expect(parentCodes(COMMUNITY)).toEqual([STREET, DISTRICT, CITY, PROVINCE]);
  });

  it('when given a district, then its city and province come back', () => {
    expect(parentCodes(DISTRICT)).toEqual([CITY, PROVINCE]);
  });

  it('when given a province or an invalid code, then there are no parents', () => {
    expect(parentCodes(PROVINCE)).toEqual([]);
    expect(parentCodes('110100')).toEqual([]);
    expect(parentCodes('abc')).toEqual([]);
  });

  it('when parents are computed, then the code is within each of them', () => {
    for (const parent of parentCodes(COMMUNITY)) expect(isWithinArea(COMMUNITY, parent)).toBe(true);
  });
});
