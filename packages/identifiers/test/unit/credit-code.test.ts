import {
  creditCodeCheckCharacter,
  creditCodeFor,
  isValidCreditCode,
  normalizeCreditCode,
  organizationCodeFor,
  parseCreditCode,
} from '../../src/index.ts';

// Independent implementations. GB 32100: the weight of position i (from 0) is 3^i mod 31 and the
// check value c makes the weighted sum plus c divisible by 31. GB 11714: the weight of position i
// of the 8-character body is 2^(8-i) mod 11, letters count A=10 ... Z=35, and the check value c
// (10 written X) makes the weighted sum plus c divisible by 11.
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

function independentCreditCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(first17[i]!) * (3 ** i % 31);
  for (let c = 0; c < 31; c++) if ((sum + c) % 31 === 0) return CHARSET[c]!;
  throw new Error('unreachable');
}

function independentOrganizationCheck(body8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const char = body8[i]!;
    const value = char >= 'A' ? char.charCodeAt(0) - 'A'.charCodeAt(0) + 10 : Number(char);
    sum += value * (2 ** (8 - i) % 11);
  }
  for (let c = 0; c <= 10; c++) if ((sum + c) % 11 === 0) return c === 10 ? 'X' : String(c);
  throw new Error('unreachable');
}

/** A full code from authority+category, region and an 8-character body, both checks independent. */
function buildCode(head: string, region: string, body8: string): string {
  const first17 = `${head}${region}${body8}${independentOrganizationCheck(body8)}`;
  return first17 + independentCreditCheck(first17);
}

// Codes published by the organisations themselves on licences and websites (collected in the
// python-stdnum test-suite): enterprises (91), individual businesses (92), a public institution
// (12), pre-2015 organisation codes and the newer MA... bodies, X and 0 check characters.
const PUBLISHED_CODES = [
  '91110000600037341L',
  '91110000710926094P',
  '91120224064012553U',
  '121200004013590816',
  '91152201078371135X',
  '91310000631696382C',
  '913101127033980359',
  '91310115MA1K3BTP2B',
  '9131012056010553X5',
  '91320214745555318W',
  '913304007429141869',
  '91340600MA2PBM9HXD',
  '91420684MA4927PJ7B',
  '91440300708461136T',
  '914403001922038216',
  '9144030071526726XG',
  '91620105L015101280',
  '92340603MA2PBMCG0U',
  '92340621MA2UK3PJXE',
];

describe('parseCreditCode', () => {
  it('when given published codes, then all are valid', () => {
    for (const code of PUBLISHED_CODES) {
      expect(parseCreditCode(code)).toMatchObject({ ok: true, value: { code } });
    }
  });

  it('when given published codes, then the independent implementations agree on both check characters', () => {
    for (const code of PUBLISHED_CODES) {
      expect(independentCreditCheck(code.slice(0, 17))).toBe(code[17]);
      expect(independentOrganizationCheck(code.slice(8, 16))).toBe(code[16]);
      expect(creditCodeCheckCharacter(code.slice(0, 17))).toBe(code[17]);
    }
  });

  it('when a code is valid, then its parts are decoded', () => {
    expect(parseCreditCode('91440300708461136T')).toEqual({
      ok: true,
      value: {
        code: '91440300708461136T',
        registrationAuthority: '9',
        registrationAuthorityName: expect.stringMatching(/market regulation/i),
        institutionCategory: '1',
        institutionCategoryName: 'Enterprise',
        regionCode: '440300',
        organizationCode: '708461136',
        checkCharacter: 'T',
      },
    });
    expect(parseCreditCode('92340603MA2PBMCG0U')).toMatchObject({
      ok: true,
      value: { institutionCategoryName: 'Individual business', organizationCode: 'MA2PBMCG0' },
    });
  });

  it('when the check character is wrong, then the reason is check-character', () => {
    for (const wrong of ['0', 'A', 'Y', '9']) {
      expect(parseCreditCode(`91440300708461136${wrong}`)).toMatchObject({
        ok: false,
        reason: 'check-character',
      });
    }
  });

  it('when a code contains I, O, S, V or Z, then the reason is format', () => {
    for (const letter of ['I', 'O', 'S', 'V', 'Z']) {
      const code = `9144030070846113${letter}T`;
      expect(parseCreditCode(code)).toMatchObject({ ok: false, reason: 'format' });
    }
    expect(parseCreditCode('91440300708461136#')).toMatchObject({ ok: false, reason: 'format' });
  });

  it('when the length is wrong, then the reason is format', () => {
    for (const input of ['', '91440300708461136', '91440300708461136TT']) {
      expect(parseCreditCode(input)).toMatchObject({ ok: false, reason: 'format' });
    }
  });

  it('when spelled in lower case, with separators or in full-width characters, then it normalizes to the code', () => {
    for (const spelling of [
      '91440300708461136t',
      ' 91 440300 708461136 T ',
      '91-440300-70846113-6-T',
      '９１４４０３００７０８４６１１３６Ｔ',
      '９１４４０３００７０８４６１１３６ｔ',
    ]) {
      expect(normalizeCreditCode(spelling)).toBe('91440300708461136T');
      expect(isValidCreditCode(spelling)).toBe(true);
    }
  });

  it('when the registration authority is unknown, then the reason is registration-authority', () => {
    for (const authority of ['0', 'B', 'M', 'X']) {
      expect(parseCreditCode(buildCode(`${authority}1`, '440300', '70846113'))).toMatchObject({
        ok: false,
        reason: 'registration-authority',
      });
    }
  });

  it('when the category is not one of the authority, then the reason is institution-category', () => {
    for (const head of ['94', '90', '99', '54', 'Y2', 'A2', '10']) {
      expect(parseCreditCode(buildCode(head, '440300', '70846113'))).toMatchObject({
        ok: false,
        reason: 'institution-category',
      });
    }
  });

  it('when every listed authority and category is used, then the code is valid', () => {
    const heads = [
      '11',
      '12',
      '13',
      '19',
      '21',
      '29',
      '31',
      '35',
      '39',
      '41',
      '49',
      '51',
      '52',
      '53',
      '59',
      '61',
      '62',
    ];
    heads.push(
      '69',
      '71',
      '72',
      '79',
      '81',
      '89',
      '91',
      '92',
      '93',
      'A1',
      'A9',
      'N1',
      'N2',
      'N3',
      'N9',
      'Y1',
    );
    for (const head of heads) {
      expect(parseCreditCode(buildCode(head, '330106', 'MA2PBM9H'))).toMatchObject({ ok: true });
    }
  });

  it('when the division code is not a province-level one, then the reason is region', () => {
    for (const region of ['990101', '000000', '100001', '200000']) {
      expect(parseCreditCode(buildCode('91', region, '70846113'))).toMatchObject({
        ok: false,
        reason: 'region',
      });
    }
    expect(parseCreditCode(buildCode('91', '4403A0', '70846113'))).toMatchObject({
      ok: false,
      reason: 'region',
    });
  });

  it('when registered by a central authority with the national code 100000, then it is valid', () => {
    expect(isValidCreditCode(buildCode('11', '100000', '00001234'))).toBe(true);
  });

  it('when the organisation code check character is wrong but the overall check is right, then the reason is organization-code', () => {
    const first17 = '91440300708461137';
    const code = first17 + independentCreditCheck(first17);
    expect(parseCreditCode(code)).toMatchObject({ ok: false, reason: 'organization-code' });
  });
});

describe('creditCodeFor and organizationCodeFor', () => {
  it('when completing the first 17 characters of published codes, then the published check character is appended', () => {
    for (const code of PUBLISHED_CODES) expect(creditCodeFor(code.slice(0, 17))).toBe(code);
  });

  it('when computing organisation codes, then the results cover digits, X and 0 as published', () => {
    expect(organizationCodeFor('70846113')).toBe('708461136');
    expect(organizationCodeFor('MA1K3BTP')).toBe('MA1K3BTP2');
    expect(organizationCodeFor('56010553')).toBe('56010553X');
    expect(organizationCodeFor('MA2PBMCG')).toBe('MA2PBMCG0');
  });

  it('when the input has the wrong length or characters, then it throws a RangeError', () => {
    expect(() => creditCodeFor('9144030070846113')).toThrow(RangeError);
    expect(() => creditCodeFor('9144030070846113I')).toThrow(RangeError);
    expect(() => organizationCodeFor('7084611')).toThrow(RangeError);
    expect(() => organizationCodeFor('7084611#')).toThrow(RangeError);
  });
});
