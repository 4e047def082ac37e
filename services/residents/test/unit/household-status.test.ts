import type { HouseholdMemberFacts } from '../../src/data-access/models.ts';
import { areaLevelOf, parentCodeOf } from '../../src/domain/areas.ts';
import { WorkingCalendar } from '../../src/domain/calendar.ts';
import { applyMemberFact, deriveHouseholdStatus, isWorkingAge } from '../../src/domain/household-status.ts';

const today = '2026-11-27';
const member = (overrides: Partial<HouseholdMemberFacts>): HouseholdMemberFacts => ({
  residentId: 'r1',
  fullName: '张三',
  relation: 'head',
  sex: 'male',
  birthDate: '1980-01-01',
  employmentStatus: 'unemployed',
  workCapacity: 'full',
  version: 1,
  ...overrides,
});

describe('household status', () => {
  it('working age runs from 16 to the retirement age: 60 for men, 50 for women', () => {
    expect(isWorkingAge({ sex: 'male', birthDate: '2010-11-27' }, today)).toBe(true);
    expect(isWorkingAge({ sex: 'male', birthDate: '2010-11-28' }, today)).toBe(false);
    expect(isWorkingAge({ sex: 'male', birthDate: '1966-11-28' }, today)).toBe(true);
    expect(isWorkingAge({ sex: 'male', birthDate: '1966-11-27' }, today)).toBe(false);
    expect(isWorkingAge({ sex: 'female', birthDate: '1976-11-28' }, today)).toBe(true);
    expect(isWorkingAge({ sex: 'female', birthDate: '1976-11-27' }, today)).toBe(false);
  });

  it.each([
    ['one unemployed adult', [member({})], { zeroEmployment: true, doubleUnemployed: false }],
    [
      'an unemployed couple',
      [
        member({}),
        member({ residentId: 'r2', relation: 'spouse', sex: 'female', employmentStatus: 'laid-off' }),
      ],
      { zeroEmployment: true, doubleUnemployed: true },
    ],
    [
      'an unemployed couple with an employed son',
      [
        member({}),
        member({ residentId: 'r2', relation: 'spouse', sex: 'female' }),
        member({
          residentId: 'r3',
          relation: 'child',
          birthDate: '2002-01-01',
          employmentStatus: 'flexibly-employed',
        }),
      ],
      { zeroEmployment: false, doubleUnemployed: true },
    ],
    [
      'an unemployed adult beside a working pensioner',
      [
        member({}),
        member({
          residentId: 'r2',
          relation: 'parent',
          birthDate: '1950-01-01',
          employmentStatus: 'employed',
        }),
      ],
      { zeroEmployment: true, doubleUnemployed: false },
    ],
    [
      'someone unable to work, unemployed',
      [member({ workCapacity: 'none' })],
      { zeroEmployment: false, doubleUnemployed: false },
    ],
    [
      'a student and a pensioner',
      [
        member({ employmentStatus: 'student', birthDate: '2005-01-01' }),
        member({ residentId: 'r2', employmentStatus: 'retired', birthDate: '1955-01-01' }),
      ],
      { zeroEmployment: false, doubleUnemployed: false },
    ],
    ['nobody', [], { zeroEmployment: false, doubleUnemployed: false }],
  ])('%s', (_name, members, expected) => {
    expect(deriveHouseholdStatus(members as HouseholdMemberFacts[], today)).toEqual(expected);
  });

  it('a fact older than the one held, or about someone who left later, changes nothing', () => {
    const held = { members: [member({ version: 3 })], departed: [] };
    expect(applyMemberFact(held, member({ version: 2, employmentStatus: 'employed' }), true)).toBeUndefined();
    const newer = applyMemberFact(held, member({ version: 4, employmentStatus: 'employed' }), true)!;
    expect(newer.members[0]!.employmentStatus).toBe('employed');
    const left = applyMemberFact(held, member({ version: 5 }), false)!;
    expect(left).toEqual({ members: [], departed: [{ residentId: 'r1', version: 5 }] });
    expect(applyMemberFact(left, member({ version: 4 }), true)).toBeUndefined();
    expect(applyMemberFact(left, member({ version: 6 }), true)!.members).toHaveLength(1);
  });
});

describe('working days', () => {
  const calendar = new WorkingCalendar({
    holidays: ['2026-10-01', '2026-10-02'],
    extraWorkingDays: ['2026-10-10'],
  });
  it('ten working days from a Friday end at the start of the day after the tenth, skipping weekends', () => {
    // Friday 2026-11-27: Mon 30 .. Fri 4, Mon 7 .. Fri 11 are the ten; due at the start of Sat 12.
    expect(calendar.deadline(new Date('2026-11-27T10:00:00+08:00'), 10).toISOString()).toBe(
      '2026-12-11T16:00:00.000Z',
    );
  });
  it('holidays are skipped, make-up weekend days count', () => {
    expect(calendar.isWorkingDay('2026-10-01')).toBe(false);
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true); // a Saturday worked
    expect(calendar.deadline(new Date('2026-09-30T09:00:00+08:00'), 1).toISOString()).toBe(
      '2026-10-05T16:00:00.000Z',
    );
  });
  it('zero days is the moment itself', () => {
    const at = new Date();
    expect(calendar.deadline(at, 0)).toBe(at);
  });
});

describe('area codes', () => {
  it.each([
    ['4201', 'city', null],
    ['420102', 'district', '4201'],
    ['420102001', 'street', '420102'],
    ['420102001001', 'community', '420102001'],
    ['420102001001003', 'building', '420102001001'],
  ])('%s is a %s under %s', (code, level, parent) => {
    expect(areaLevelOf(code)).toBe(level);
    expect(parentCodeOf(code)).toBe(parent);
  });
  it.each(['42', '420100', '420102000', '420102001001000', '4201020010011', '99010200100'])(
    '%s is not a tree code',
    (code) => {
      expect(areaLevelOf(code)).toBeUndefined();
    },
  );
});
