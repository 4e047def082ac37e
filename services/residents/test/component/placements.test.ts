import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  ContractType,
  PlacementEndedSchema,
  PlacementEndReason,
  PlacementMadeSchema,
} from '@employment/contracts';
import { buildEvent, type EventDraft, newId } from '@employment/messaging';
import { eventually, type Producer, sleep, testProducer } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import {
  changeStatus,
  DISTRICT_A,
  DISTRICT_B,
  dropDatabase,
  newCommunity,
  type RunningResidents,
  registerPerson,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

/** Dates of the jobs contract: 00:00 China time of the day. */
const chinaDay = (date: string) => timestampFromDate(new Date(`${date}T00:00:00+08:00`));
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const monthsAgo = (months: number) => {
  const day = new Date(`${today()}T00:00:00Z`);
  day.setUTCDate(1);
  day.setUTCMonth(day.getUTCMonth() - months);
  return day.toISOString().slice(0, 10);
};

describe('jobs events: placements and placements that end', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let producer: Producer;
  let token: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth);
    service = await startResidents(config);
    producer = await testProducer();
    token = await auth.token(DISTRICT_A);
  });

  afterAll(async () => {
    await producer.disconnect();
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  /** Publishes a jobs event the way the jobs service does (its envelope, keyed by placement id). */
  async function publish(draft: Omit<EventDraft, 'topic'>, times = 1) {
    const event = buildEvent('jobs', { ...draft, topic: config.JOBS_EVENTS_TOPIC } as EventDraft);
    for (let i = 0; i < times; i++) {
      await producer.send({
        topic: config.JOBS_EVENTS_TOPIC,
        acks: -1,
        messages: [
          { key: event.key, value: event.value, headers: { ...event.headers, 'event-id': event.eventId } },
        ],
      });
    }
    return event;
  }

  async function zeroEmploymentHousehold() {
    const community = newCommunity();
    const person = await registerPerson(service, token, {
      communityCode: community,
      birthDate: '1983-07-07',
      employmentStatus: 'employed',
    });
    const household = await service.request('POST', '/v1/households', {
      token,
      body: { communityCode: community, members: [{ residentId: person.id, relation: 'head' }] },
    });
    await changeStatus(service, token, person.id, 'unemployed');
    const check = await service.request('GET', `/v1/households/${household.body.id}`, { token });
    expect(check.body.zeroEmployment).toBe(true);
    return { community, person, householdId: household.body.id as string };
  }

  const placementMade = (
    placementId: string,
    person: { id: string; communityCode: string },
    householdId: string,
    startDate = today(),
  ) => ({
    subject: placementId,
    communityCode: person.communityCode,
    schema: PlacementMadeSchema,
    payload: {
      placementId,
      residentId: person.id,
      communityCode: person.communityCode,
      employer: { employerId: newId(), creditCode: '91420100MA4KXXXX1X', name: '武汉顺丰速运有限公司' },
      vacancyId: newId(),
      startDate: chinaDay(startDate),
      contractType: ContractType.FIXED_TERM,
      wage: { fen: 450_000n },
      publicWelfare: false,
      householdId,
      placedBy: 'district-420102',
    },
  });

  it('when a member of a zero-employment household is placed, then the person is employed from the start date, the household recomputed and its warning resolved; a redelivery changes nothing', async () => {
    const { community, person, householdId } = await zeroEmploymentHousehold();
    const placementId = newId();
    await publish(placementMade(placementId, person, householdId), 2);

    const employed = await eventually(
      async () => {
        const res = await service.request('GET', `/v1/residents/${person.id}`, { token });
        return res.body.employmentStatus === 'employed' ? res.body : undefined;
      },
      { what: 'the placement to reach the registry', timeoutMs: 30_000 },
    );
    expect(employed).toMatchObject({ placementId, version: 4 });
    const history = await service.request('GET', `/v1/residents/${person.id}/employment-history`, { token });
    expect(history.body.periods.at(-1)).toMatchObject({
      status: 'employed',
      reason: 'placement',
      placementId,
      recordedBy: 'residents:placements',
    });
    // The household follows the person's change in a change of its own, just after.
    const household = await eventually(
      async () => {
        const res = await service.request('GET', `/v1/households/${householdId}`, { token });
        return res.body.zeroEmployment === false ? res : undefined;
      },
      { what: 'the household to be recomputed' },
    );
    expect(household.body.zeroEmployment).toBe(false);
    // The household's change resolves its warning in a change of its own, just after.
    const mine = await eventually(
      async () => {
        const warnings = await service.request('GET', `/v1/areas/${community}/warnings`, { token });
        const found = warnings.body.items.filter((w: { subjectId: string }) => w.subjectId === householdId);
        return found.every((w: { state: string }) => w.state === 'resolved') ? found : undefined;
      },
      { what: "the household's warning to be resolved" },
    );
    expect(mine.map((w: { state: string; resolution: string }) => [w.state, w.resolution])).toEqual([
      ['resolved', 'a member of working age found work'],
    ]);
    await sleep(1_000);
    expect((await service.request('GET', `/v1/residents/${person.id}`, { token })).body.version).toBe(4);
  });

  it('when a placement ends within six months, then a warning is raised, the person is unemployed again and the household zero-employment again', async () => {
    const { community, person, householdId } = await zeroEmploymentHousehold();
    const placementId = newId();
    await publish(placementMade(placementId, person, householdId));
    await eventually(
      async () =>
        (await service.request('GET', `/v1/residents/${person.id}`, { token })).body.placementId ===
        placementId,
      {
        timeoutMs: 30_000,
      },
    );
    await publish(
      {
        subject: placementId,
        communityCode: community,
        schema: PlacementEndedSchema,
        payload: {
          placementId,
          residentId: person.id,
          communityCode: community,
          endedOn: chinaDay(today()),
          reason: PlacementEndReason.DISMISSED,
          reasonDetail: '试用期未通过',
          withinSixMonths: true,
          startDate: chinaDay(today()),
          householdId,
        },
      },
      2,
    );
    const warning = await eventually(
      async () => {
        const res = await service.request(
          'GET',
          `/v1/areas/${community}/warnings?kind=job-lost-within-six-months`,
          {
            token,
          },
        );
        return res.body.items.find((w: { subjectId: string }) => w.subjectId === person.id);
      },
      { what: 'the lost-job warning', timeoutMs: 30_000 },
    );
    expect(warning).toMatchObject({ subjectType: 'resident', state: 'raised', level: 'community' });
    expect(warning.detail).toContain(placementId);
    const unemployed = await eventually(async () => {
      const res = await service.request('GET', `/v1/residents/${person.id}`, { token });
      return res.body.employmentStatus === 'unemployed' ? res.body : undefined;
    });
    expect(unemployed.placementId).toBeNull();
    // The household follows the person's change in a change of its own, just after.
    const household = await eventually(
      async () => {
        const res = await service.request('GET', `/v1/households/${householdId}`, { token });
        return res.body.zeroEmployment === true ? res : undefined;
      },
      { what: 'the household to be recomputed' },
    );
    expect(household.body.zeroEmployment).toBe(true);
    const count = await service.runtime.store
      .collection('warnings')
      .countDocuments({ subjectId: person.id, kind: 'job-lost-within-six-months' });
    expect(count).toBe(1);
  });

  it('when a placement ends after six months, then no lost-job warning is raised, and the person is unemployed again only if it was the job they held', async () => {
    const { community, person, householdId } = await zeroEmploymentHousehold();
    const startDate = monthsAgo(8);
    const placementId = newId();
    await publish(placementMade(placementId, person, householdId, startDate));
    await eventually(
      async () =>
        (await service.request('GET', `/v1/residents/${person.id}`, { token })).body.placementId ===
        placementId,
      { what: 'the placement to reach the registry', timeoutMs: 30_000 },
    );
    const ended = (id: string) => ({
      subject: id,
      communityCode: community,
      schema: PlacementEndedSchema,
      payload: {
        placementId: id,
        residentId: person.id,
        communityCode: community,
        endedOn: chinaDay(today()),
        reason: PlacementEndReason.CONTRACT_EXPIRED,
        withinSixMonths: false,
        startDate: chinaDay(startDate),
        householdId,
      },
    });
    const handled = (eventId: string) =>
      eventually(
        async () =>
          (await service.runtime.store.collection('processed_events').countDocuments({
            _id: `${config.CONSUMER_GROUP_PREFIX}-placements/${eventId}/done`,
          } as never)) === 1,
        { what: 'the event to be handled', timeoutMs: 30_000 },
      );

    // An earlier placement of the person, not the job held now, ends: the person stays employed.
    const other = await publish(ended(newId()));
    await handled(other.eventId);
    expect((await service.request('GET', `/v1/residents/${person.id}`, { token })).body).toMatchObject({
      employmentStatus: 'employed',
      placementId,
    });

    const event = await publish(ended(placementId), 2);
    const unemployed = await eventually(
      async () => {
        const res = await service.request('GET', `/v1/residents/${person.id}`, { token });
        return res.body.employmentStatus === 'unemployed' ? res.body : undefined;
      },
      { what: 'the end of the placement to reach the registry', timeoutMs: 30_000 },
    );
    expect(unemployed.placementId).toBeNull();
    const history = await service.request('GET', `/v1/residents/${person.id}/employment-history`, { token });
    expect(history.body.periods.at(-1)).toMatchObject({ status: 'unemployed', reason: 'placement-ended' });
    // The household follows the person's change in a change of its own, just after.
    const household = await eventually(
      async () => {
        const res = await service.request('GET', `/v1/households/${householdId}`, { token });
        return res.body.zeroEmployment === true ? res : undefined;
      },
      { what: 'the household to be recomputed' },
    );
    expect(household.body.zeroEmployment).toBe(true);
    await handled(event.eventId);
    // Neither end raised the warning of a job lost within six months.
    const warnings = await service.request(
      'GET',
      `/v1/areas/${community}/warnings?kind=job-lost-within-six-months`,
      {
        token,
      },
    );
    expect(warnings.status).toBe(200);
    expect(warnings.body.items.filter((w: { subjectId: string }) => w.subjectId === person.id)).toEqual([]);
    expect(
      await service.runtime.store
        .collection('warnings')
        .countDocuments({ subjectId: person.id, kind: 'job-lost-within-six-months' }),
    ).toBe(0);
  });

  it('when a placement of someone this registry does not hold arrives, then it is skipped without a retry storm', async () => {
    const stranger = { id: newId(), communityCode: `${DISTRICT_A}002001` };
    const skipped = await publish(placementMade(newId(), stranger, newId()));
    const { person, householdId } = await zeroEmploymentHousehold();
    const placementId = newId();
    await publish(placementMade(placementId, person, householdId));
    await eventually(
      async () =>
        (await service.request('GET', `/v1/residents/${person.id}`, { token })).body.placementId ===
        placementId,
      { what: 'the next placement to apply', timeoutMs: 30_000 },
    );
    // The stranger's event (on another partition, perhaps) is handled too: a completion is
    // recorded only when the handler returns, and one that kept failing would have been
    // dead-lettered without it. It changed nothing.
    await eventually(
      async () =>
        (await service.runtime.store.collection('processed_events').countDocuments({
          _id: `${config.CONSUMER_GROUP_PREFIX}-placements/${skipped.eventId}/done`,
        } as never)) === 1,
      { what: "the stranger's placement to be handled", timeoutMs: 30_000 },
    );
    expect((await service.request('GET', `/v1/residents/${stranger.id}`, { token })).status).toBe(404);
  });

  it('when a status change cites a placement, then it must be one the caller may see (404 otherwise) and the person’s own', async () => {
    const tokenB = await auth.token(DISTRICT_B);
    const placedBy = async (tokenOf: string, district: string) => {
      const person = await registerPerson(service, tokenOf, { communityCode: newCommunity(district) });
      const placementId = newId();
      await publish(placementMade(placementId, person, ''));
      await eventually(
        async () =>
          (await service.request('GET', `/v1/residents/${person.id}`, { token: tokenOf })).body
            .placementId === placementId,
        { what: 'the placement to reach the registry', timeoutMs: 30_000 },
      );
      return { person, placementId };
    };
    const ofB = await placedBy(tokenB, DISTRICT_B);
    const ofA = await placedBy(token, DISTRICT_A);
    const person = await registerPerson(service, token, { communityCode: newCommunity(DISTRICT_A) });
    const cite = (placementId: string) =>
      service.request('POST', `/v1/residents/${person.id}/employment-status`, {
        token,
        body: { status: 'employed', placementId, version: 1 },
      });

    const foreign = await cite(ofB.placementId);
    expect(foreign.status).toBe(404);
    expect(foreign.body.detail).toBe('no such placement in your area');
    const unknown = await cite(newId());
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ ...foreign.body, instance: unknown.body.instance });
    const someoneElses = await cite(ofA.placementId);
    expect(someoneElses.status).toBe(400);
    expect(someoneElses.body.errors).toEqual([
      { in: 'body', pointer: '/placementId', detail: 'is a placement of another person' },
    ]);
    const unchanged = await service.request('GET', `/v1/residents/${person.id}`, { token });
    expect(unchanged.body).toMatchObject({ employmentStatus: 'unemployed', placementId: null, version: 1 });

    // The person's own placement, cited by their district (the job lost, then found again).
    const own = await placedBy(token, DISTRICT_A);
    const lost = await changeStatus(service, token, own.person.id, 'unemployed');
    const again = await service.request('POST', `/v1/residents/${own.person.id}/employment-status`, {
      token,
      body: { status: 'employed', placementId: own.placementId, version: lost.version },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ employmentStatus: 'employed', placementId: own.placementId });
  });
});
