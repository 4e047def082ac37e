import { AppError, systemActor } from '@employment/core';
import { decideFiling, ineligibility } from '../../src/applications/rules.ts';

const person = { id: '0192a3b4-0000-7000-8000-000000000001', communityCode: '420117001001' };
const ids = { id: '0192a3b4-0000-7000-8000-0000000000aa', now: new Date('2026-03-02T01:00:00Z'), topic: 't' };

describe('filing an application', () => {
  it('when the person is out of work, then the application and its event are decided', () => {
    const { application, event } = decideFiling(
      { personId: person.id, note: '  wants training  ' },
      { ...person, employmentStatus: 'unemployed' },
      systemActor('district-420117'),
      ids,
    );
    expect(application).toEqual({
      _id: ids.id,
      personId: person.id,
      communityCode: '420117001001',
      note: 'wants training',
      status: 'filed',
      filedAt: ids.now,
      filedBy: 'district-420117',
      version: 1,
    });
    expect(event).toMatchObject({ topic: 't', subject: ids.id, communityCode: '420117001001' });
    expect(event.payload).toMatchObject({ applicationId: ids.id, personId: person.id, note: 'wants training' });
  });

  it.each(['employed', 'retired', 'student'])('when the person is %s, then the rule refuses them', (status) => {
    expect(ineligibility({ employmentStatus: status })).toBe(`a person who is ${status} cannot apply`);
    expect(() =>
      decideFiling({ personId: person.id }, { ...person, employmentStatus: status }, systemActor('x'), ids),
    ).toThrow(AppError);
  });

  it('when the status is not known yet, then the person may apply', () => {
    expect(ineligibility({ employmentStatus: null })).toBeNull();
  });
});
