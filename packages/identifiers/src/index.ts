export {
  AREA_CODE_LENGTHS,
  type AreaLevel,
  areaLevel,
  isCommunityCode,
  isValidAreaCode,
  isWithinArea,
  parentCodes,
} from './area-code.ts';
export { daysInMonth, isCalendarDate } from './calendar.ts';
export {
  CREDIT_CODE_AUTHORITIES,
  type CreditCode,
  type CreditCodeError,
  type CreditCodeParseResult,
  creditCodeCheckCharacter,
  creditCodeFor,
  isValidCreditCode,
  normalizeCreditCode,
  organizationCodeFor,
  parseCreditCode,
} from './credit-code.ts';
export {
  ageOn,
  EARLIEST_BIRTH_DATE,
  isNationalIdRegionCode,
  isValidNationalId,
  maskNationalId,
  NATIONAL_ID_PATTERN_GLOBAL,
  NATIONAL_ID_PROVINCE_CODES,
  type NationalId,
  type NationalIdError,
  type NationalIdParseResult,
  nationalIdCheckDigit,
  normalizeNationalId,
  parseNationalId,
  type Sex,
  scrubNationalIds,
} from './national-id.ts';
export { isProvinceCode, PROVINCE_CODES } from './provinces.ts';
export {
  createNationalIdGenerator,
  createSeededRandom,
  DEFAULT_SYNTHETIC_BIRTH_DATES,
  DEFAULT_SYNTHETIC_REGION_CODES,
  type NationalIdGenerator,
  type NationalIdGeneratorOptions,
  type NationalIdRequest,
  nationalIdFor,
} from './synthetic.ts';
