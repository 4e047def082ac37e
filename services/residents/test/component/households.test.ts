import {
  EmploymentStatus,
  EmploymentStatusChangedSchema,
  HouseholdStatusChangedSchema,
  ResidentProfileChangedSchema,
  WarningRaisedSchema,
} from '@employment/contracts';
import { PiiProtector } from '@employment/core';
import { buildEvent } from '@employment/messaging';
import { eventually, KafkaProbe, sleep, testProducer } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import type { ResidentDocument } from '../../src/data-access/models.ts';
import { residentProfileChangedPayload, timestamp } from '../../src/domain/events.ts';
import { ResidentsApp } from '../../src/service.ts';
import {
  buildingOf,
  changeStatus,
  DISTRICT_A,
  DISTRICT_B,
  dropDatabase,
  eventsOf,
  newCommunity,
  newNationalId,
  type RunningResidents,
  registerPerson,
  registration,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

describe('households: members and the status derived from them', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let probe: KafkaProbe;
  let token: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth);
    service = await startResidents(config);
    probe = await KafkaProbe.start([config.RESIDENTS_EVENTS_TOPIC]);
    token = await auth.token(DISTRICT_A);
  });

  afterAll(async () => {
    await probe.stop();
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  /** A couple of working age and their child at school, in a household of their community. */
  async function family(statuses: { husband: string; wife: string }) {
    const community = newCommunity();
    const husband = await registerPerson(service, token, {
      communityCode: community,
      birthDate: '1978-04-02',
      sex: 'male',
      employmentStatus: statuses.husband,
      fullName: '张建国',
    });
    const wife = await registerPerson(service, token, {
      communityCode: community,
      birthDate: '1981-09-20',
      sex: 'female',
      employmentStatus: statuses.wife,
      fullName: '李秀兰',
    });
    const child = await registerPerson(service, token, {
      communityCode: community,
      birthDate: '2012-01-05',
      employmentStatus: 'student',
      fullName: '张小明',
    });
    const created = await service.request('POST', '/v1/households', {
      token,
      body: {
        communityCode: community,
        buildingCode: buildingOf(community),
        address: '解放大道 1 号 3 单元 502',
        members: [
          { residentId: husband.id, relation: 'head' },
          { residentId: wife.id, relation: 'spouse' },
          { residentId: child.id, relation: 'child' },
        ],
      },
    });
    expect(created.status).toBe(201);
    return { community, husband, wife, child, household: created.body };
  }

  /** A household headed by an employed man, and an unemployed person of its community not yet in it. */
  async function workerHousehold(workerBirthDate: string, seekerBirthDate: string) {
    const community = newCommunity();
    const worker = await registerPerson(service, token, {
      communityCode: community,
      birthDate: workerBirthDate,
      sex: 'male',
      employmentStatus: 'employed',
    });
    const seeker = await registerPerson(service, token, {
      communityCode: community,
      birthDate: seekerBirthDate,
      employmentStatus: 'unemployed',
    });
    const created = await service.request('POST', '/v1/households', {
      token,
      body: { communityCode: community, members: [{ residentId: worker.id, relation: 'head' }] },
    });
    expect(created.status).toBe(201);
    return { community, worker, seeker, id: created.body.id as string };
  }

  /** Sends an event the service built earlier, as a redelivery after a crash would bring it. */
  async function redeliver(event: ReturnType<typeof buildEvent>) {
    const producer = await testProducer();
    try {
      await producer.send({
        topic: config.RESIDENTS_EVENTS_TOPIC,
        acks: -1,
        messages: [
          { key: event.key, value: event.value, headers: { ...event.headers, 'event-id': event.eventId } },
        ],
      });
    } finally {
      await producer.disconnect();
    }
  }

  const openWarnings = async (community: string, householdId: string) => {
    const res = await service.request('GET', `/v1/areas/${community}/warnings?state=open`, { token });
    expect(res.status).toBe(200);
    return res.body.items.filter((w: { subjectId: string }) => w.subjectId === householdId);
  };

  it('when the last employed member of a household loses the job, then it becomes zero-employment, a warning is raised and a tracking card opened', async () => {
    const { community, husband, household } = await family({ husband: 'employed', wife: 'unemployed' });
    expect(household).toMatchObject({ zeroEmployment: false, doubleUnemployed: false, version: 4 });
    expect(household.members.map((m: { relation: string }) => m.relation)).toEqual([
      'head',
      'spouse',
      'child',
    ]);
    expect(
      household.members.find((m: { relation: string }) => m.relation === 'child').countsForEmployment,
    ).toBe(false);
    expect(await openWarnings(community, household.id)).toEqual([]);

    const since = new Date();
    const person = await changeStatus(service, token, husband.id, 'unemployed', {
      since: since.toISOString(),
      reason: 'factory closed',
    });
    expect(person).toMatchObject({ employmentStatus: 'unemployed', version: 3 });

    const after = await service.request('GET', `/v1/households/${household.id}`, { token });
    expect(after.body).toMatchObject({ zeroEmployment: true, doubleUnemployed: true, version: 5 });
    expect(after.body.statusSince).toBe(since.toISOString());
    expect(new Date(after.body.placementDueAt).getTime()).toBeGreaterThan(since.getTime() + 10 * 86_400_000);
    expect(after.body.statusHistory.at(-1)).toMatchObject({ zeroEmployment: true, reason: 'member-status' });

    const [warning] = await openWarnings(community, household.id);
    expect(warning).toMatchObject({
      kind: 'zero-employment-household',
      level: 'community',
      levelCode: community,
      state: 'raised',
      placementDueAt: after.body.placementDueAt,
    });
    const card = await service.request('GET', `/v1/households/${household.id}/tracking-card`, { token });
    expect(card.status).toBe(200);
    expect(card.body.deliveries).toEqual({ policy: 0, job: 0, skill: 0, service: 0 });

    await probe.waitFor(
      (r) => r.key === warning.id && r.headers['event-type'] === WarningRaisedSchema.typeName,
    );
    const changes = eventsOf(
      probe,
      config.RESIDENTS_EVENTS_TOPIC,
      HouseholdStatusChangedSchema,
      household.id,
    );
    const last = await eventually(
      () =>
        changes.length > 0 &&
        eventsOf(probe, config.RESIDENTS_EVENTS_TOPIC, HouseholdStatusChangedSchema, household.id).find(
          (e) => e.payload.version === 5,
        ),
    );
    expect(last.payload).toMatchObject({
      zeroEmployment: true,
      previousZeroEmployment: false,
      doubleUnemployed: true,
      reason: 'member-status',
      communityCode: community,
    });
    expect(last.payload.memberResidentIds).toHaveLength(3);
  });

  it('when a member finds work again, then the household is no longer zero-employment and its warnings resolve themselves', async () => {
    const { community, wife, household } = await family({ husband: 'unemployed', wife: 'laid-off' });
    const start = await service.request('GET', `/v1/households/${household.id}`, { token });
    expect(start.body.zeroEmployment).toBe(true);
    const [warning] = await openWarnings(community, household.id);
    expect(warning.kind).toBe('zero-employment-household');

    await changeStatus(service, token, wife.id, 'flexibly-employed');
    const after = await service.request('GET', `/v1/households/${household.id}`, { token });
    expect(after.body).toMatchObject({ zeroEmployment: false, doubleUnemployed: false });
    const resolved = await service.request('GET', `/v1/warnings/${warning.id}`, { token });
    expect(resolved.body).toMatchObject({
      state: 'resolved',
      resolution: 'a member of working age found work',
      resolvedBy: `district-${DISTRICT_A}`,
    });
    expect(await openWarnings(community, household.id)).toEqual([]);
  });

  it('when the follower handles an older event of a member while a request is between the member’s write and the household’s, then the household and its warnings come out as the request makes them', async () => {
    const { community, wife, household } = await family({ husband: 'unemployed', wife: 'laid-off' });
    const [warning] = await openWarnings(community, household.id);
    expect(warning.kind).toBe('zero-employment-household');
    const current = await service.request('GET', `/v1/residents/${wife.id}`, { token });

    // The request runs on a domain of its own over the same store, held once the wife is written
    // and before her household follows: the window in which the follower may get there first.
    const request = new ResidentsApp(
      service.runtime,
      new PiiProtector({
        encryptionKeyBase64: config.PII_ENCRYPTION_KEY,
        keyVersion: config.PII_KEY_VERSION,
        hashKeyBase64: config.PII_HASH_KEY,
      }),
      {},
    );
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written = () => {};
    const personWritten = new Promise<void>((resolve) => {
      written = resolve;
    });
    const followHousehold = request.households.syncMember.bind(request.households);
    request.households.syncMember = async (...args) => {
      written();
      await held;
      return followHousehold(...args);
    };
    const caller = {
      principal: {
        clientId: `district-${DISTRICT_A}`,
        subject: `district-${DISTRICT_A}`,
        roles: new Set(['residents:write']),
        areas: [DISTRICT_A],
      },
      requestId: 'the-request',
    };
    const changed = request.people.changeStatus(caller, wife.id, {
      status: 'flexibly-employed',
      version: current.body.version,
    });
    await personWritten;

    // Meanwhile an older event of the wife, her joining, reaches the follower (a consumer behind).
    const stored = (await service.runtime.store
      .collection('residents')
      .findOne({ _id: wife.id } as never)) as unknown as ResidentDocument;
    await redeliver(
      buildEvent('residents', {
        topic: config.RESIDENTS_EVENTS_TOPIC,
        subject: wife.id,
        communityCode: community,
        schema: ResidentProfileChangedSchema,
        payload: residentProfileChangedPayload(
          { ...stored, employmentStatus: 'laid-off', version: 2 },
          community,
          ['householdId', 'householdRelation'],
          `district-${DISTRICT_A}`,
          null,
        ),
      }),
    );
    const followed = await eventually(
      async () => {
        const res = await service.request('GET', `/v1/households/${household.id}`, { token });
        return res.body.zeroEmployment === false ? res.body : undefined;
      },
      { what: 'the follower to bring the household up to date first' },
    );
    release();
    await changed;

    // As the request makes it, whoever wrote it: the reason, the time, the warning's resolution.
    expect(followed.statusHistory.at(-1)).toMatchObject({ zeroEmployment: false, reason: 'member-status' });
    expect(followed.version).toBe(household.version + 1);
    const after = await service.request('GET', `/v1/households/${household.id}`, { token });
    expect(after.body.version).toBe(household.version + 1);
    const resolved = await service.request('GET', `/v1/warnings/${warning.id}`, { token });
    expect(resolved.body).toMatchObject({
      state: 'resolved',
      resolution: 'a member of working age found work',
      resolvedBy: `district-${DISTRICT_A}`,
    });
    expect(await openWarnings(community, household.id)).toEqual([]);
  });

  it('when nobody of working age able to work is looking for a job, then the household is not zero-employment', async () => {
    const community = newCommunity();
    const pensioner = await registerPerson(service, token, {
      communityCode: community,
      birthDate: '1955-03-03',
      employmentStatus: 'retired',
    });
    const unable = await registerPerson(service, token, {
      communityCode: community,
      birthDate: '1990-03-03',
      employmentStatus: 'unemployed',
      workCapacity: 'none',
      hardshipCategories: ['disabled'],
    });
    const res = await service.request('POST', '/v1/households', {
      token,
      body: {
        communityCode: community,
        members: [
          { residentId: pensioner.id, relation: 'head' },
          { residentId: unable.id, relation: 'child' },
        ],
      },
    });
    expect(res.body.zeroEmployment).toBe(false);
    expect(res.body.members.map((m: { countsForEmployment: boolean }) => m.countsForEmployment)).toEqual([
      false,
      false,
    ]);
  });

  it('when a household changes status several times in a row, then its events come out of Kafka in the order they happened, since ascending', async () => {
    const { household, husband } = await family({ husband: 'employed', wife: 'not-in-labour-force' });
    const sequence = ['unemployed', 'employed', 'unemployed', 'self-employed', 'unemployed'];
    for (const status of sequence) {
      await changeStatus(service, token, husband.id, status);
      // Distinct moments: two changes within one millisecond would share their `since`.
      await sleep(3);
    }

    const events = await eventually(
      () => {
        const found = eventsOf(
          probe,
          config.RESIDENTS_EVENTS_TOPIC,
          HouseholdStatusChangedSchema,
          household.id,
        );
        return found.length >= 4 + sequence.length ? found : undefined;
      },
      { what: 'every household event' },
    );
    // Consumed in order: one key, one partition, offsets ascending, versions 1, 2, 3, ...
    expect(new Set(events.map((e) => e.partition)).size).toBe(1);
    const offsets = events.map((e) => BigInt(e.offset));
    expect([...offsets].sort((a, b) => (a < b ? -1 : 1))).toEqual(offsets);
    expect(events.map((e) => e.payload.version)).toEqual(events.map((_, i) => i + 1));
    const statusChanges = events.slice(4);
    expect(statusChanges.map((e) => e.payload.zeroEmployment)).toEqual([true, false, true, false, true]);
    const since = statusChanges.map(
      (e) => Number(e.payload.since!.seconds) * 1000 + e.payload.since!.nanos / 1e6,
    );
    expect([...since].sort((a, b) => a - b)).toEqual(since);
    expect(new Set(since).size).toBe(since.length);
  });

  it('when the follower handles a status event after the person changed again, then the household takes the time of the status it derives from', async () => {
    const { community, household, husband } = await family({
      husband: 'employed',
      wife: 'not-in-labour-force',
    });
    // As if the process died between the person's write and the household's: the person is
    // unemployed since `since`, the household still counts them employed.
    const since = new Date();
    await service.runtime.store.collection('residents').updateOne({ _id: husband.id } as never, {
      $set: { employmentStatus: 'unemployed', statusSince: since },
      $inc: { version: 1 },
    });
    // An older status event of the person reaches the follower (a redelivery after the crash).
    const stale = buildEvent('residents', {
      topic: config.RESIDENTS_EVENTS_TOPIC,
      subject: husband.id,
      communityCode: community,
      schema: EmploymentStatusChangedSchema,
      payload: {
        residentId: husband.id,
        communityCode: community,
        householdId: household.id,
        previousStatus: EmploymentStatus.EMPLOYED,
        status: EmploymentStatus.UNEMPLOYED,
        since: timestamp(new Date(since.getTime() - 86_400_000)),
        version: 2,
      },
    });
    await redeliver(stale);
    const followed = await eventually(
      async () => {
        const res = await service.request('GET', `/v1/households/${household.id}`, { token });
        return res.body.zeroEmployment === true ? res.body : undefined;
      },
      { what: 'the household to follow the person' },
    );
    expect(new Date(followed.statusSince).getTime()).toBe(since.getTime());
  });

  it('when the follower handles a joining after the person has left, then the household records a leaving', async () => {
    const { worker, seeker, id } = await workerHousehold('1975-05-05', '1999-05-05');
    const joined = await service.request('POST', `/v1/households/${id}/members`, {
      token,
      body: { residentId: seeker.id, relation: 'child' },
    });
    expect(joined.body).toMatchObject({ zeroEmployment: false });
    // As if the process died between the person's write and the household's: the worker has
    // left, the household still lists them.
    const left = new Date();
    const stored = (await service.runtime.store
      .collection('residents')
      .findOne({ _id: worker.id } as never)) as unknown as ResidentDocument;
    await service.runtime.store.collection('residents').updateOne({ _id: worker.id } as never, {
      $set: { householdId: null, householdRelation: null, updatedAt: left },
      $inc: { version: 1 },
    });
    // The event of the worker joining reaches the follower late (a redelivery after the crash).
    const stale = buildEvent('residents', {
      topic: config.RESIDENTS_EVENTS_TOPIC,
      subject: worker.id,
      communityCode: stored.communityCode,
      schema: ResidentProfileChangedSchema,
      payload: residentProfileChangedPayload(
        { ...stored, householdId: id, householdRelation: 'head' },
        stored.communityCode,
        ['householdId', 'householdRelation'],
        'district-a',
        null,
      ),
      occurredAt: new Date(left.getTime() - 60_000),
    });
    await redeliver(stale);
    const followed = await eventually(
      async () => {
        const res = await service.request('GET', `/v1/households/${id}`, { token });
        return res.body.members.length === 1 ? res.body : undefined;
      },
      { what: 'the household to follow the worker out' },
    );
    expect(followed.members.map((m: { residentId: string }) => m.residentId)).toEqual([seeker.id]);
    expect(followed).toMatchObject({ zeroEmployment: true });
    expect(followed.statusHistory.at(-1)).toMatchObject({ reason: 'member-left', zeroEmployment: true });
    expect(new Date(followed.statusSince).getTime()).toBe(left.getTime());
  });

  it('when members join and leave, then the status is derived again each time', async () => {
    const { worker, seeker, id } = await workerHousehold('1975-05-05', '1999-05-05');
    const joined = await service.request('POST', `/v1/households/${id}/members`, {
      token,
      body: { residentId: seeker.id, relation: 'child' },
    });
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({ zeroEmployment: false });
    expect(joined.body.members).toHaveLength(2);
    const person = await service.request('GET', `/v1/residents/${seeker.id}`, { token });
    expect(person.body).toMatchObject({ householdId: id, householdRelation: 'child' });

    const left = await service.request('DELETE', `/v1/households/${id}/members/${worker.id}`, { token });
    expect(left.status).toBe(200);
    expect(left.body).toMatchObject({ zeroEmployment: true });
    expect(left.body.members.map((m: { residentId: string }) => m.residentId)).toEqual([seeker.id]);
    expect(left.body.statusHistory.at(-1).reason).toBe('member-left');
    const former = await service.request('GET', `/v1/residents/${worker.id}`, { token });
    expect(former.body).toMatchObject({ householdId: null, householdRelation: null });
  });

  it('when members join and leave, then both the household and the person audit who did it, with the state before and after', async () => {
    const desk = await auth.token(
      DISTRICT_A,
      ['residents:read', 'residents:write'],
      'jiangan-household-desk',
    );
    const { community, worker, seeker, id } = await workerHousehold('1976-06-06', '1998-06-06');
    const started = Date.now();
    const joined = await service.request('POST', `/v1/households/${id}/members`, {
      token: desk,
      body: { residentId: seeker.id, relation: 'child' },
    });
    expect(joined.status).toBe(200);
    const left = await service.request('DELETE', `/v1/households/${id}/members/${worker.id}`, {
      token: desk,
    });
    expect(left.status).toBe(200);

    const trailOf = async (subjectId: string) => {
      const res = await service.request('GET', `/v1/audit-log?subjectId=${subjectId}`, { token });
      expect(res.status).toBe(200);
      return res.body.items;
    };
    const member = (m: { residentId: string }) => m.residentId;
    const household = await trailOf(id);
    expect(household.map((e: { action: string }) => e.action)).toEqual([
      'household.registered',
      'household.member-joined', // the head, with the household
      'household.member-joined', // the child
      'household.member-left', // the head
      'tracking-card.opened', // zero-employment from then on
    ]);
    const [, , join, leave, card] = household;
    expect(join).toMatchObject({
      actor: 'jiangan-household-desk',
      subjectType: 'household',
      subjectId: id,
      communityCode: community,
      before: { version: 2, status: { zeroEmployment: false } },
      after: { version: 3, status: { zeroEmployment: false } },
    });
    expect(join.before.members.map(member)).toEqual([worker.id]);
    expect(join.after.members.map(member)).toEqual([worker.id, seeker.id]);
    expect(join.after.members[1]).toEqual({
      residentId: seeker.id,
      relation: 'child',
      employmentStatus: 'unemployed',
    });
    expect(new Date(join.at).getTime()).toBeGreaterThanOrEqual(started - 1000);
    expect(leave).toMatchObject({
      actor: 'jiangan-household-desk',
      before: { version: 3, status: { zeroEmployment: false } },
      after: { version: 4, status: { zeroEmployment: true } },
    });
    expect(leave.before.members.map(member)).toEqual([worker.id, seeker.id]);
    expect(leave.after.members.map(member)).toEqual([seeker.id]);
    expect(card).toMatchObject({ actor: 'jiangan-household-desk', before: null, after: { cardId: id } });

    const seekerTrail = await trailOf(seeker.id);
    expect(seekerTrail.map((e: { action: string }) => e.action)).toEqual([
      'resident.registered',
      'resident.joined-household',
    ]);
    expect(seekerTrail[1]).toMatchObject({
      actor: 'jiangan-household-desk',
      subjectType: 'resident',
      before: { householdId: null, householdRelation: null },
      after: { householdId: id, householdRelation: 'child' },
    });
    const workerTrail = await trailOf(worker.id);
    expect(workerTrail.map((e: { action: string }) => e.action)).toEqual([
      'resident.registered',
      'resident.joined-household',
      'resident.left-household',
    ]);
    expect(workerTrail[2]).toMatchObject({
      actor: 'jiangan-household-desk',
      before: { householdId: id, householdRelation: 'head' },
      after: { householdId: null, householdRelation: null },
    });

    // The warning raised with the change is audited under its own id, by the same caller.
    const warnings = await service.request('GET', `/v1/areas/${community}/warnings?state=open`, { token });
    const warning = warnings.body.items.find((w: { subjectId: string }) => w.subjectId === id);
    const warningTrail = await trailOf(warning.id);
    expect(warningTrail).toEqual([
      expect.objectContaining({
        actor: 'jiangan-household-desk',
        action: 'warning.raised',
        before: null,
        after: expect.objectContaining({
          kind: 'zero-employment-household',
          subjectId: id,
          state: 'raised',
          placementDueAt: warning.placementDueAt,
        }),
      }),
    ]);
  });

  it('when a rule of membership is broken, then the answer says which', async () => {
    const community = newCommunity();
    const a = await registerPerson(service, token, { communityCode: community });
    const b = await registerPerson(service, token, { communityCode: community });
    const elsewhere = await registerPerson(service, token, { communityCode: newCommunity() });
    const first = await service.request('POST', '/v1/households', {
      token,
      body: { communityCode: community, members: [{ residentId: a.id, relation: 'head' }] },
    });
    const second = await service.request('POST', '/v1/households', {
      token,
      body: { communityCode: community },
    });

    const twice = await service.request('POST', `/v1/households/${second.body.id}/members`, {
      token,
      body: { residentId: a.id, relation: 'head' },
    });
    expect(twice.status).toBe(409);
    expect(twice.body.householdId).toBe(first.body.id);

    const twoHeads = await service.request('POST', `/v1/households/${first.body.id}/members`, {
      token,
      body: { residentId: b.id, relation: 'head' },
    });
    expect(twoHeads.status).toBe(400);
    expect(twoHeads.body.errors[0].pointer).toBe('/relation');

    const otherCommunity = await service.request('POST', `/v1/households/${first.body.id}/members`, {
      token,
      body: { residentId: elsewhere.id, relation: 'other' },
    });
    expect(otherCommunity.status).toBe(422);

    const badBuilding = await service.request('POST', '/v1/households', {
      token,
      body: { communityCode: community, buildingCode: `${community}999` },
    });
    expect(badBuilding.status).toBe(400);
    expect(badBuilding.body.errors[0].pointer).toBe('/buildingCode');

    const tokenB = await auth.token(DISTRICT_B);
    const foreign = await service.request('GET', `/v1/households/${first.body.id}`, { token: tokenB });
    expect(foreign.status).toBe(404);
    const foreignJoin = await service.request('POST', `/v1/households/${first.body.id}/members`, {
      token: tokenB,
      body: { residentId: b.id, relation: 'spouse' },
    });
    expect(foreignJoin.status).toBe(404);
    const intoForeign = await service.request('POST', '/v1/households', {
      token: tokenB,
      body: { communityCode: community },
    });
    expect(intoForeign.status).toBe(403);
  });

  it('when households are imported with their people, then each is stored whole or refused whole, and a rerun links what a first run stored', async () => {
    const community = newCommunity();
    const householdId = '01a21e23-b091-774a-aabd-00000000a001';
    const member = (overrides: Record<string, unknown>) => {
      const { communityCode: _c, ...row } = registration();
      return { ...row, relation: 'other', ...overrides };
    };
    const good = {
      id: householdId,
      communityCode: community,
      buildingCode: buildingOf(community, 2),
      members: [
        member({ nationalId: newNationalId({ birthDate: '1972-02-02', sex: 'male' }), relation: 'head' }),
        member({ nationalId: newNationalId({ birthDate: '1980-02-02', sex: 'female' }), relation: 'spouse' }),
      ],
    };
    const badMember = {
      communityCode: community,
      members: [member({ relation: 'head' }), member({ nationalId: '420102198001011234' })],
    };
    const unknownCommunity = {
      communityCode: `${DISTRICT_A}009999`,
      members: [member({ relation: 'head' })],
    };
    const foreign = { communityCode: newCommunity(DISTRICT_B), members: [member({ relation: 'head' })] };

    const res = await service.request('POST', '/v1/households/batch', {
      token,
      body: { households: [good, badMember, unknownCommunity, foreign] },
    });
    expect(res.status).toBe(200);
    expect(res.body.summary).toEqual({
      received: 4,
      created: 1,
      duplicate: 0,
      conflict: 0,
      invalid: 2,
      forbidden: 1,
      people: { created: 2, linked: 0, duplicate: 0, invalid: 1 },
    });
    expect(res.body.results[1].problem.errors).toEqual([
      { in: 'body', pointer: '/members/1/nationalId', detail: 'fails the GB 11643 check digit' },
    ]);
    expect(res.body.results[2].problem.errors[0].pointer).toBe('/communityCode');

    const stored = await service.request('GET', `/v1/households/${householdId}`, { token });
    expect(stored.body).toMatchObject({
      zeroEmployment: true,
      doubleUnemployed: true,
      buildingCode: good.buildingCode,
    });
    const people = await service.request('GET', `/v1/communities/${community}/residents`, { token });
    expect(people.body.items).toHaveLength(2); // nothing of the refused household was stored

    // A rerun (say the first answer was lost): the household exists, its people are duplicates.
    const again = await service.request('POST', '/v1/households/batch', {
      token,
      body: { households: [good] },
    });
    expect(again.body.results[0]).toMatchObject({ status: 'duplicate', householdId });
    expect(again.body.results[0].members.map((m: { status: string }) => m.status)).toEqual([
      'linked',
      'linked',
    ]);
    const same = await service.request('GET', `/v1/households/${householdId}`, { token });
    expect(same.body.version).toBe(1);

    const warnings = await openWarnings(community, householdId);
    expect(warnings.map((w: { kind: string }) => w.kind)).toEqual(['zero-employment-household']);
  });

  it('when a profile changes, then the change is version-guarded and capacity changes reach the household', async () => {
    const { husband, household } = await family({ husband: 'unemployed', wife: 'not-in-labour-force' });
    expect(
      (await service.request('GET', `/v1/households/${household.id}`, { token })).body.zeroEmployment,
    ).toBe(true);
    const stale = await service.request('PATCH', `/v1/residents/${husband.id}`, {
      token,
      body: { version: 1, skills: ['电工'] },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.currentVersion).toBe(2);

    const changed = await service.request('PATCH', `/v1/residents/${husband.id}`, {
      token,
      body: { version: 2, workCapacity: 'none', hardshipCategories: ['disabled'] },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      workCapacity: 'none',
      hardshipCategories: ['disabled'],
      version: 3,
    });
    const after = await service.request('GET', `/v1/households/${household.id}`, { token });
    expect(after.body.zeroEmployment).toBe(false);
    expect(after.body.statusHistory.at(-1).reason).toBe('member-capacity');
  });
});
