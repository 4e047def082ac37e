import { randomUUID } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  CertificateCheckedSchema,
  CertificateIssuedSchema,
  CertificateRevokedSchema,
  DepartureReason,
  Education,
  EmploymentStatus,
  EmploymentStatusChangedSchema,
  HardshipCategory,
  HouseholdRelation,
  HouseholdStatusChangedSchema,
  ResidentDepartedSchema,
  ResidentProfileChangedSchema,
  ResidentRegisteredSchema,
  Sex,
  WorkCapacity,
} from '@employment/contracts';
import { eventually } from '@employment/testing';
import { PEOPLE_COLLECTIONS, PeopleProjection } from '../../src/index.ts';
import { ProjectionHarness } from '../support.ts';

const STREET = `420111${String(100 + Math.floor(Math.random() * 800))}`;
const COMMUNITY = `${STREET}001`;
const OTHER_COMMUNITY = `${STREET}002`;

let harness: ProjectionHarness;
let people: PeopleProjection;

beforeAll(async () => {
  harness = await ProjectionHarness.start({
    register: PeopleProjection.register,
    consumer: (store) => {
      const projection = new PeopleProjection(store);
      return { handlers: projection.handlers, batchHandlers: projection.batchHandlers };
    },
  });
  people = new PeopleProjection(harness.store);
});

afterAll(async () => {
  await harness?.stop();
});

const registered = (residentId: string, overrides: { communityCode?: string; fullName?: string } = {}) =>
  harness.event('residents', ResidentRegisteredSchema, residentId, overrides.communityCode ?? COMMUNITY, {
    residentId,
    communityCode: overrides.communityCode ?? COMMUNITY,
    fullName: overrides.fullName ?? '王秀英',
    sex: Sex.FEMALE,
    birthDate: { year: 1979, month: 3, day: 8 },
    employmentStatus: EmploymentStatus.UNEMPLOYED,
    education: Education.SENIOR_SECONDARY,
    workCapacity: WorkCapacity.FULL,
    hardshipCategories: [HardshipCategory.HARDSHIP_CATEGORY_4050],
    skills: [' 家政 ', '家政', '保洁'],
    occupation: '',
    householdId: '',
    registeredBy: 'district-test',
  });

const profileChanged = (
  residentId: string,
  version: number,
  fields: { fullName: string; communityCode?: string; householdId?: string },
) =>
  harness.event('residents', ResidentProfileChangedSchema, residentId, fields.communityCode ?? COMMUNITY, {
    residentId,
    communityCode: fields.communityCode ?? COMMUNITY,
    fullName: fields.fullName,
    education: Education.JUNIOR_COLLEGE,
    workCapacity: WorkCapacity.PARTIAL,
    hardshipCategories: [HardshipCategory.HARDSHIP_CATEGORY_DISABLED],
    skills: ['会计'],
    occupation: '出纳',
    householdId: fields.householdId ?? '',
    householdRelation: fields.householdId ? HouseholdRelation.SPOUSE : HouseholdRelation.UNSPECIFIED,
    version,
    previousCommunityCode: COMMUNITY,
    employmentStatus: EmploymentStatus.UNEMPLOYED,
    changedFields: ['fullName'],
    changedBy: 'district-test',
  });

const statusChanged = (residentId: string, version: number, status: EmploymentStatus, since = new Date()) =>
  harness.event('residents', EmploymentStatusChangedSchema, residentId, COMMUNITY, {
    residentId,
    communityCode: COMMUNITY,
    previousStatus: EmploymentStatus.UNEMPLOYED,
    status,
    since: timestampFromDate(since),
    reason: 'survey',
    version,
  });

/**
 * Publishes a registration under the Kafka key `key` and waits for it: the events published
 * before it with that key (one partition) have then all been handled.
 */
async function handledUpTo(key: string): Promise<void> {
  const marker = randomUUID();
  await harness.publish({ ...registered(marker), key });
  await eventually(async () => (await people.person(marker)) ?? undefined, { what: `the events of ${key}` });
}

const stored = (collection: string, id: string) =>
  harness.store.collection(collection).findOne({ _id: id } as never);

const departed = (residentId: string, reason: DepartureReason, day: number, version: number) =>
  harness.event('residents', ResidentDepartedSchema, residentId, COMMUNITY, {
    residentId,
    communityCode: COMMUNITY,
    reason,
    departedOn: { year: 2026, month: 11, day },
    version,
    recordedBy: 'district-test',
  });

describe('the people read model', () => {
  it('when a person departs, then the first departure recorded stands whatever arrives after it', async () => {
    const id = randomUUID();
    await harness.publish(registered(id), departed(id, DepartureReason.DIED, 20, 2));
    const person = await eventually(async () => {
      const p = await people.person(id);
      return p?.departedOn ? p : undefined;
    });
    expect(person).toMatchObject({ departedOn: '2026-11-20', departureReason: 'died', fullName: '王秀英' });
    // A second, different departure (a late copy of another record) changes nothing.
    await harness.publish(departed(id, DepartureReason.MOVED_OUT_OF_CITY, 25, 3));
    await handledUpTo(id);
    expect(await people.person(id)).toMatchObject({ departedOn: '2026-11-20', departureReason: 'died' });
  });

  it('when a departure arrives before the registration, then both are kept', async () => {
    const id = randomUUID();
    await harness.publish(departed(id, DepartureReason.MOVED_OUT_OF_CITY, 3, 2), registered(id));
    const person = await eventually(async () => {
      const p = await people.person(id);
      return p?.registeredAt && p.departedOn ? p : undefined;
    });
    expect(person).toMatchObject({
      departedOn: '2026-11-03',
      departureReason: 'moved-out-of-city',
      sex: 'female',
    });
  });

  it('when a person is registered and then changes, then the projection holds the latest of each part', async () => {
    const id = randomUUID();
    await harness.publish(registered(id));
    const first = await eventually(async () => (await people.person(id)) ?? undefined, {
      what: 'the registration',
    });
    expect(first).toMatchObject({
      id,
      communityCode: COMMUNITY,
      fullName: '王秀英',
      sex: 'female',
      birthDate: '1979-03-08',
      education: 'senior-secondary',
      hardshipCategories: ['4050'],
      skills: ['家政', '保洁'],
      employmentStatus: 'unemployed',
      zeroEmploymentHousehold: null,
    });

    const since = new Date('2026-03-02T00:00:00+08:00');
    await harness.publish(
      profileChanged(id, 2, { fullName: '王秀英', communityCode: OTHER_COMMUNITY }),
      statusChanged(id, 3, EmploymentStatus.EMPLOYED, since),
    );
    const person = await eventually(async () => {
      const p = await people.person(id);
      return p?.employmentStatus === 'employed' ? p : undefined;
    });
    expect(person).toMatchObject({
      communityCode: OTHER_COMMUNITY,
      education: 'junior-college',
      workCapacity: 'partial',
      hardshipCategories: ['disabled'],
      occupation: '出纳',
      statusSince: since,
      birthDate: '1979-03-08',
    });
    const inOther = await people.peopleOf(OTHER_COMMUNITY, { limit: 10 });
    expect(inOther.items.map((p) => p.id)).toEqual([id]);
    expect((await people.peopleOf(COMMUNITY, { limit: 100 })).items.map((p) => p.id)).not.toContain(id);
  });

  it('when events come before the registration they follow, then the registration fills in only what is older', async () => {
    const id = randomUUID();
    // A replay after a rebalance: the status and a profile change arrive first.
    await harness.publish(
      statusChanged(id, 3, EmploymentStatus.EMPLOYED),
      profileChanged(id, 2, { fullName: '王秀英（更正）' }),
      registered(id),
    );
    const person = await eventually(async () => {
      const p = await people.person(id);
      return p?.registeredAt ? p : undefined;
    });
    expect(person).toMatchObject({
      fullName: '王秀英（更正）',
      employmentStatus: 'employed',
      sex: 'female',
      birthDate: '1979-03-08',
    });
    expect(await stored(PEOPLE_COLLECTIONS.people, id)).toMatchObject({
      profileVersion: 2,
      statusVersion: 3,
    });
  });

  it('when an older event is delivered again after a newer one, then the record does not move back', async () => {
    const id = randomUUID();
    const employed = statusChanged(id, 2, EmploymentStatus.EMPLOYED);
    const renamed = profileChanged(id, 4, { fullName: '李娜' });
    await harness.publish(
      registered(id),
      employed,
      statusChanged(id, 3, EmploymentStatus.UNEMPLOYED),
      renamed,
    );
    await eventually(async () => (await people.person(id))?.fullName === '李娜');
    // The same event again (a redelivery), and an older one under a new id (a replay).
    await harness.publish(employed, profileChanged(id, 2, { fullName: '旧名' }), registered(id));
    // A later event of the same person, on the same partition: once it is applied, so are those before it.
    await harness.publish(statusChanged(id, 5, EmploymentStatus.SELF_EMPLOYED));
    const person = await eventually(async () => {
      const p = await people.person(id);
      return p?.employmentStatus === 'self-employed' ? p : undefined;
    });
    expect(person).toMatchObject({ fullName: '李娜', education: 'junior-college' });
    expect(await stored(PEOPLE_COLLECTIONS.people, id)).toMatchObject({
      profileVersion: 4,
      statusVersion: 5,
    });
  });

  it('when a run of registrations comes, including people already known, then each ends registered', async () => {
    const known = randomUUID();
    await harness.publish(statusChanged(known, 2, EmploymentStatus.EMPLOYED));
    await eventually(async () => (await people.person(known)) ?? undefined);
    const ids = [...Array.from({ length: 30 }, () => randomUUID()), known];
    // One key for the run, so the events are consecutive on one partition and reach the batch handler together.
    await harness.publish(...ids.map((id) => ({ ...registered(id), key: 'campaign' })));
    await eventually(
      async () =>
        (await harness.store.collection(PEOPLE_COLLECTIONS.people).countDocuments({
          _id: { $in: ids },
          registeredAt: { $ne: null },
        } as never)) === ids.length,
      { what: 'every registration of the run' },
    );
    // The person known from an earlier status event keeps it: the registration's status is older.
    expect(await people.person(known)).toMatchObject({ employmentStatus: 'employed', fullName: '王秀英' });
  });

  it('when a household becomes zero-employment, then its members read so, and a stale status does not undo it', async () => {
    const householdId = randomUUID();
    const member = randomUUID();
    const household = (version: number, zeroEmployment: boolean) =>
      harness.event('residents', HouseholdStatusChangedSchema, householdId, COMMUNITY, {
        householdId,
        communityCode: COMMUNITY,
        zeroEmployment,
        doubleUnemployed: false,
        since: timestampFromDate(new Date()),
        memberResidentIds: [member],
        previousZeroEmployment: !zeroEmployment,
        version,
        reason: 'member-status',
      });
    await harness.publish(
      registered(member),
      profileChanged(member, 2, { fullName: '王秀英', householdId }),
      household(2, true),
      household(1, false),
    );
    await handledUpTo(householdId);
    expect(await people.household(householdId)).toMatchObject({
      zeroEmployment: true,
      memberResidentIds: [member],
    });
    expect(await stored(PEOPLE_COLLECTIONS.households, householdId)).toMatchObject({ version: 2 });
    const person = await eventually(async () => {
      const p = await people.person(member);
      return p?.householdId ? p : undefined;
    });
    expect(person).toMatchObject({ householdRelation: 'spouse', zeroEmploymentHousehold: true });
  });

  it('when a certificate is revoked, then no late issue or check brings it back', async () => {
    const residentId = randomUUID();
    const certificateId = randomUUID();
    const base = { certificateId, residentId, communityCode: COMMUNITY, number: 'WH2026000001' };
    const issued = () =>
      harness.event(
        'residents',
        CertificateIssuedSchema,
        certificateId,
        COMMUNITY,
        {
          ...base,
          issuedOn: { year: 2025, month: 5, day: 6 },
          nextCheckDue: { year: 2026, month: 5, day: 6 },
          issuedBy: 'district-test',
        },
        new Date('2025-05-06T02:00:00Z'),
      );
    const checked = (year: number, at: string) =>
      harness.event(
        'residents',
        CertificateCheckedSchema,
        certificateId,
        COMMUNITY,
        {
          ...base,
          year,
          passed: true,
          nextCheckDue: { year: year + 1, month: 5, day: 6 },
          checkedBy: 'test',
        },
        new Date(at),
      );
    await harness.publish(issued(), checked(2026, '2026-04-20T02:00:00Z'));
    const valid = await eventually(async () => {
      const c = await people.validCertificateOf(residentId);
      // Each part of an event is its own write: wait for the last one.
      return c?.lastCheckYear === 2026 && c.nextCheckDue === '2027-05-06' ? c : undefined;
    });
    expect(valid).toMatchObject({
      number: 'WH2026000001',
      issuedOn: '2025-05-06',
      nextCheckDue: '2027-05-06',
    });

    const revoked = harness.event(
      'residents',
      CertificateRevokedSchema,
      certificateId,
      COMMUNITY,
      { ...base, reason: 'found employed', revokedBy: 'district-test' },
      new Date('2026-06-01T02:00:00Z'),
    );
    // The revocation, then the issue replayed under a new id and a stale check.
    await harness.publish(revoked, issued(), checked(2025, '2025-04-20T02:00:00Z'));
    await handledUpTo(certificateId);
    const [certificate] = await people.certificatesOf(residentId);
    expect(certificate).toMatchObject({
      status: 'revoked',
      revocationReason: 'found employed',
      issuedOn: '2025-05-06',
      lastCheckYear: 2026,
      nextCheckDue: '2027-05-06',
    });
    expect(await people.validCertificateOf(residentId)).toBeNull();
  });
});
