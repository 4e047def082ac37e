/**
 * Unified social credit codes (统一社会信用代码) of GB 32100-2015, the 18-character identifier of
 * every company, public institution, social organisation and individual business:
 *
 *   9 1 440300 70846113 6 T
 *   | | |      |        | └ check character over the first 17 (mod 31)
 *   | | |      |        └ check character of the organisation code (GB 11714, mod 11)
 *   | | |      └ organisation code body (主体标识码), 8 characters
 *   | | └ administrative division of the registering authority (GB/T 2260)
 *   | └ institution category, meaning depends on the authority
 *   └ registration authority
 *
 * Characters are digits and upper-case letters except I, O, S, V and Z, which are too easily read
 * as 1, 0, 5, U and 2.
 */

import { normalizeIdentifierText } from './normalize.ts';
import { PROVINCE_CODES } from './provinces.ts';

export interface CreditCode {
  /** The normalized 18-character code. */
  readonly code: string;
  /** 1st character. */
  readonly registrationAuthority: string;
  /** English name of the registration authority. */
  readonly registrationAuthorityName: string;
  /** 2nd character. */
  readonly institutionCategory: string;
  /** English name of the institution category. */
  readonly institutionCategoryName: string;
  /** Characters 3-8: administrative division of the registering authority. */
  readonly regionCode: string;
  /** Characters 9-17: the GB 11714 organisation code, with its own check character. */
  readonly organizationCode: string;
  /** 18th character. */
  readonly checkCharacter: string;
}

export type CreditCodeError =
  | 'format'
  | 'registration-authority'
  | 'institution-category'
  | 'region'
  | 'organization-code'
  | 'check-character';

/** As for national IDs, `detail` never repeats the input. */
export type CreditCodeParseResult =
  | { readonly ok: true; readonly value: CreditCode }
  | { readonly ok: false; readonly reason: CreditCodeError; readonly detail: string };

interface Authority {
  readonly name: string;
  readonly categories: Readonly<Record<string, string>>;
}

/**
 * Registration authority codes and, for each, its institution category codes: the table of
 * GB 32100-2015 as extended by the authorities admitted since (2 foreign affairs ... 8 trade unions,
 * A the CMC staffing office, N agriculture). 9 was "industry and commerce", now market regulation.
 */
export const CREDIT_CODE_AUTHORITIES: Readonly<Record<string, Authority>> = Object.freeze({
  '1': {
    name: 'Institutional staffing (机构编制)',
    categories: {
      '1': 'Government agency',
      '2': 'Public institution',
      '3': 'Mass organisation staffed by the central staffing office',
      '9': 'Other',
    },
  },
  '2': { name: 'Foreign affairs (外交)', categories: { '1': 'Resident foreign news agency', '9': 'Other' } },
  '3': {
    name: 'Judicial administration (司法行政)',
    categories: {
      '1': 'Law firm',
      '2': 'Notary office',
      '3': 'Grassroots legal service office',
      '4': 'Forensic appraisal institution',
      '5': 'Arbitration commission',
      '9': 'Other',
    },
  },
  '4': { name: 'Culture (文化)', categories: { '1': 'Foreign cultural centre in China', '9': 'Other' } },
  '5': {
    name: 'Civil affairs (民政)',
    categories: {
      '1': 'Social organisation',
      '2': 'Private non-enterprise unit',
      '3': 'Foundation',
      '9': 'Other',
    },
  },
  '6': {
    name: 'Tourism (旅游)',
    categories: {
      '1': 'Representative office of a foreign tourism authority',
      '2': 'Representative office of a Hong Kong, Macau or Taiwan tourism authority',
      '9': 'Other',
    },
  },
  '7': {
    name: 'Religious affairs (宗教)',
    categories: { '1': 'Venue for religious activities', '2': 'Religious school', '9': 'Other' },
  },
  '8': { name: 'Trade unions (工会)', categories: { '1': 'Grassroots trade union', '9': 'Other' } },
  '9': {
    name: 'Market regulation, formerly industry and commerce (工商)',
    categories: {
      '1': 'Enterprise',
      '2': 'Individual business',
      '3': "Farmers' specialised cooperative",
    },
  },
  A: {
    name: 'Central Military Commission reform and staffing office (中央军委改革和编制办公室)',
    categories: { '1': 'Military public institution', '9': 'Other' },
  },
  N: {
    name: 'Agriculture (农业)',
    categories: {
      '1': 'Group-level collective economic organisation',
      '2': 'Village-level collective economic organisation',
      '3': 'Township-level collective economic organisation',
      '9': 'Other',
    },
  },
  Y: { name: 'Other (其他)', categories: { '1': 'Other' } },
});

const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const CREDIT_CODE_SHAPE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;
const PREFIX_SHAPE = /^[0-9A-HJ-NPQRTUWXY]{17}$/;
const ORGANIZATION_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;
const ORGANIZATION_BODY_SHAPE = /^[0-9A-Z]{8}$/;
// Codes registered by central authorities carry the national code 100000 instead of a province's.
const NATIONAL_REGION_CODE = '100000';

/** Canonical spelling: trimmed, separators removed, full-width characters to ASCII, upper case. */
export function normalizeCreditCode(input: string): string {
  return normalizeIdentifierText(input);
}

/** The 18th character for the first 17 characters of a code. */
export function creditCodeCheckCharacter(first17: string): string {
  if (!PREFIX_SHAPE.test(first17)) {
    throw new RangeError('expected 17 characters from 0-9 and A-Z without I, O, S, V, Z');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(first17[i]!) * WEIGHTS[i]!;
  return CHARSET[(31 - (sum % 31)) % 31]!;
}

/** Completes 17 characters into a code with its check character, e.g. to build test data. */
export function creditCodeFor(prefix17: string): string {
  const prefix = normalizeCreditCode(prefix17);
  return prefix + creditCodeCheckCharacter(prefix);
}

/**
 * The 9-character GB 11714 organisation code for an 8-character body: check = 11 - (weighted sum
 * mod 11), where letters count A=10 ... Z=35, 10 is written X and 11 is written 0.
 */
export function organizationCodeFor(body8: string): string {
  if (!ORGANIZATION_BODY_SHAPE.test(body8)) throw new RangeError('expected 8 characters from 0-9 and A-Z');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number.parseInt(body8[i]!, 36) * ORGANIZATION_WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  return body8 + (check === 10 ? 'X' : check === 11 ? '0' : String(check));
}

export function parseCreditCode(input: string): CreditCodeParseResult {
  const code = normalizeCreditCode(input);
  if (code.length !== 18) return fail('format', `expected 18 characters, got ${code.length}`);
  if (!CREDIT_CODE_SHAPE.test(code)) {
    return fail('format', 'expected only digits and upper-case letters other than I, O, S, V and Z');
  }

  const registrationAuthority = code[0]!;
  const authority = CREDIT_CODE_AUTHORITIES[registrationAuthority];
  if (!authority)
    return fail('registration-authority', 'the 1st character is not a registration authority code');
  const institutionCategory = code[1]!;
  const categoryName = authority.categories[institutionCategory];
  if (!categoryName) {
    return fail('institution-category', 'the 2nd character is not a category of this registration authority');
  }

  const regionCode = code.slice(2, 8);
  if (!/^\d{6}$/.test(regionCode)) return fail('region', 'characters 3-8 must be digits');
  if (regionCode !== NATIONAL_REGION_CODE && !PROVINCE_CODES.has(regionCode.slice(0, 2))) {
    return fail('region', 'characters 3-8 do not start with a province-level division code');
  }

  const organizationCode = code.slice(8, 17);
  if (organizationCodeFor(organizationCode.slice(0, 8)) !== organizationCode) {
    return fail(
      'organization-code',
      'the check character of the organisation code (character 17) does not match',
    );
  }

  const checkCharacter = code[17]!;
  if (creditCodeCheckCharacter(code.slice(0, 17)) !== checkCharacter) {
    return fail('check-character', 'the check character does not match the other 17 characters');
  }

  return {
    ok: true,
    value: {
      code,
      registrationAuthority,
      registrationAuthorityName: authority.name,
      institutionCategory,
      institutionCategoryName: categoryName,
      regionCode,
      organizationCode,
      checkCharacter,
    },
  };
}

export function isValidCreditCode(input: string): boolean {
  return parseCreditCode(input).ok;
}

function fail(reason: CreditCodeError, detail: string): CreditCodeParseResult {
  return { ok: false, reason, detail };
}
