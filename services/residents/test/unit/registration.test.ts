import { checkRegistration, is4050, type RegistrationInput } from '../../src/domain/registration.ts';

const today = new Date('2026-11-27T12:00:00+08:00');
const base: RegistrationInput = {
  nationalId: '11010519491231002X',
  fullName: ' 张伟 ',
  communityCode: '110105001001',
  employmentStatus: 'retired',
};

describe('registration rules', () => {
  it('when the ID number is valid, then sex and birth date come from it and the name is trimmed', () => {
    const result = checkRegistration(base, today);
    expect(result.ok && result.registration).toMatchObject({
      nationalId: '11010519491231002X',
      sex: 'female',
      birthDate: '1949-12-31',
      fullName: '张伟',
      workCapacity: 'full',
    });
  });

  it('when the number is written with spaces and a small x, then it is normalised', () => {
    const result = checkRegistration({ ...base, nationalId: '110105 19491231 002x' }, today);
    expect(result.ok && result.registration.nationalId).toBe('11010519491231002X');
  });

  it.each([
    ['check digit', '110105194912310021', 'fails the GB 11643 check digit'],
    ['length', '1101051949123100', 'must be 18 characters: 17 digits and a check digit (0-9 or X)'],
  ])('when the %s is wrong, then the ID is refused with a reason', (_what, nationalId, detail) => {
    const result = checkRegistration({ ...base, nationalId }, today);
    expect(result).toEqual({ ok: false, problems: [{ in: 'body', pointer: '/nationalId', detail }] });
  });

  it('when the declared sex or birth date contradicts the number, then each is named', () => {
    const result = checkRegistration({ ...base, sex: 'male', birthDate: '1950-01-01' }, today);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.pointer)).toEqual(['/sex', '/birthDate']);
  });

  it('when a 15-year-old is declared unemployed, then the minimum working age is cited', () => {
    const result = checkRegistration(
      { ...base, nationalId: withCheck('11010520110101001'), employmentStatus: 'unemployed' },
      today,
    );
    expect(!result.ok && result.problems[0]?.detail).toMatch(/minimum working age of 16; this person is 15/);
  });

  it('when someone declares the zero-employment category, then it is refused as derived', () => {
    const result = checkRegistration({ ...base, hardshipCategories: ['zero-employment-household'] }, today);
    expect(!result.ok && result.problems[0]?.pointer).toBe('/hardshipCategories');
  });

  it('when 4050 is declared by someone who does not meet it, then it is refused; when met, it is added', () => {
    const old = checkRegistration({ ...base, hardshipCategories: ['4050'] }, today); // 76-year-old woman
    expect(old.ok).toBe(false);
    const woman45 = checkRegistration(
      { ...base, nationalId: withCheck('11010519810601002'), employmentStatus: 'unemployed' },
      today,
    );
    expect(woman45.ok && woman45.registration.hardshipCategories).toEqual(['4050']);
  });

  it('when skills repeat or carry spaces, then they are trimmed and kept once', () => {
    const result = checkRegistration({ ...base, skills: [' 电焊', '电焊 ', '', 'welding'] }, today);
    expect(result.ok && result.registration.skills).toEqual(['电焊', 'welding']);
  });
});

describe('4050 band', () => {
  it.each([
    ['female', 39, false],
    ['female', 40, true],
    ['female', 49, true],
    ['female', 50, false],
    ['male', 49, false],
    ['male', 50, true],
    ['male', 59, true],
    ['male', 60, false],
  ] as const)('a %s of %i is 4050: %s', (sex, age, expected) => {
    expect(is4050(sex, age)).toBe(expected);
  });
});

function withCheck(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * weights[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}
