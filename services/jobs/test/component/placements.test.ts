import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import {
  ContractType,
  EmploymentStabilizedSchema,
  PlacementEndedSchema,
  PlacementEndReason,
  PlacementMadeSchema,
  ReferralMadeSchema,
  Topics,
} from '@employment/contracts';
import { decodeEnvelope } from '@employment/messaging';
import { eventually, KafkaProbe, type ReceivedRecord, testProducer } from '@employment/testing';
import type { Producer } from 'kafkajs';
import type { JobsConfig } from '../../src/config.ts';
import { addDays, addMonths, sixMonthMark, startOfChinaDay } from '../../src/domain/dates.ts';
import {
  cleanUp,
  community,
  DISTRICT_A,
  DISTRICT_B,
  HardshipCategory,
  jobsTestConfig,
  monthsAgo,
  newCreditCode,
  newStreet,
  publish,
  type RunningJobs,
  registered,
  startJobs,
  TestAuth,
  today,
} from '../support.ts';

describe('referrals, placements and stable employment', () => {
  let auth: TestAuth;
  let config: JobsConfig;
  let service: RunningJobs;
  let producer: Producer;
  let probe: KafkaProbe;
  let token: string;
  let topic: string;
  let street: string;
  let employerId: string;
  let vacancyId: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = jobsTestConfig(auth);
    topic = config.RESIDENTS_EVENTS_TOPIC;
    service = await startJobs(config);
    producer = await testProducer();
    probe = await KafkaProbe.start([Topics.jobs]);
    token = await auth.token(DISTRICT_A);
    street = newStreet();
    const employer = await service.request('POST', '/v1/employers', {
      token,
      body: { creditCode: newCreditCode(), name: '汉阳建工集团', communityCode: community(street) },
    });
    employerId = employer.body.id;
    vacancyId = await postVacancy(3);
  });

  afterAll(async () => {
    await probe?.stop();
    await producer?.disconnect();
    await service?.runtime.stop();
    await auth?.stop();
    await cleanUp(config);
  });

  async function postVacancy(places: number) {
    const vacancy = await service.request('POST', '/v1/vacancies', {
      token,
      body: {
        employerId,
        communityCode: community(street),
        title: '电焊工',
        occupation: '焊工',
        requiredSkills: ['电焊'],
        wage: { min: 4000, max: 6000 },
        places,
        opensOn: monthsAgo(8),
        closesOn: '2099-12-31',
      },
    });
    expect(vacancy.status).toBe(201);
    return vacancy.body.id as string;
  }

  async function newCandidate(overrides: Parameters<typeof registered>[1] | object = {}) {
    const person = registered(topic, {
      communityCode: community(street, 9),
      skills: ['welding'],
      ...overrides,
    });
    await publish(producer, topic, [person.event]);
    await eventually(
      async () =>
        (await service.request('GET', `/v1/candidates/${person.residentId}`, { token })).status === 200,
      {
        what: 'the candidate',
      },
    );
    return person.residentId;
  }

  const transition = (referralId: string, to: string, extra: Record<string, unknown> = {}) =>
    service.request('POST', `/v1/referrals/${referralId}/transitions`, { token, body: { to, ...extra } });

  const decoded = <S extends Parameters<typeof fromBinary>[0]>(record: ReceivedRecord, schema: S) => {
    const envelope = decodeEnvelope(record.value!);
    expect(envelope.eventType).toBe(schema.typeName);
    return { envelope, payload: fromBinary(schema, envelope.payload) };
  };

  const eventOf = async <S extends Parameters<typeof fromBinary>[0]>(key: string, schema: S) => {
    const [record] = await probe.waitFor((r) => r.key === key && r.headers['event-type'] === schema.typeName);
    return decoded(record!, schema);
  };

  it('when a referral moves against its state machine, then the move is refused with a problem', async () => {
    const residentId = await newCandidate({
      hardship: [HardshipCategory.HARDSHIP_CATEGORY_LONG_TERM_UNEMPLOYED],
    });
    const proposed = await service.request('POST', '/v1/referrals', {
      token,
      body: { vacancyId, residentId, note: '技能对口' },
    });
    expect(proposed.status).toBe(201);
    expect(proposed.body).toMatchObject({ state: 'proposed', version: 1, match: { priority: true } });
    const made = await eventOf(proposed.body.id, ReferralMadeSchema);
    expect(made.payload).toMatchObject({ residentId, vacancyId, priority: true });

    const skipAhead = await transition(proposed.body.id, 'interviewed');
    expect(skipAhead.status).toBe(409);
    expect(skipAhead.headers.get('content-type')).toContain('application/problem+json');
    expect(skipAhead.body).toMatchObject({ state: 'proposed', allowed: ['sent', 'rejected'] });

    const hiredDirectly = await transition(proposed.body.id, 'hired');
    expect(hiredDirectly.status).toBe(422);

    expect((await transition(proposed.body.id, 'sent')).status).toBe(200);
    const stale = await transition(proposed.body.id, 'interviewed', { expectedVersion: 1 });
    expect(stale.status).toBe(409);
    const noShow = await transition(proposed.body.id, 'no-show', { expectedVersion: 2 });
    expect(noShow.status).toBe(200);
    expect(noShow.body.history.map((h: { to: string }) => h.to)).toEqual(['proposed', 'sent', 'no-show']);
    const afterFinal = await transition(proposed.body.id, 'sent');
    expect(afterFinal.status).toBe(409);
    expect(afterFinal.body.allowed).toEqual([]);

    const twice = await service.request('POST', '/v1/referrals', { token, body: { vacancyId, residentId } });
    expect(twice.status).toBe(409);
    expect(twice.body.referralId).toBe(proposed.body.id);

    const fromB = await service.request('GET', `/v1/referrals/${proposed.body.id}`, {
      token: await auth.token(DISTRICT_B),
    });
    expect(fromB.status).toBe(404);
  });

  it('when a referral is rejected, then the move is recorded, and the rejected referral cannot be hired', async () => {
    const early = await newCandidate();
    const proposed = await service.request('POST', '/v1/referrals', {
      token,
      body: { vacancyId, residentId: early },
    });
    const turnedDown = await transition(proposed.body.id, 'rejected', { note: '岗位已满' });
    expect(turnedDown.status).toBe(200);
    expect(turnedDown.body).toMatchObject({ state: 'rejected', version: 2 });
    expect(turnedDown.body.history.map((h: { from: string | null; to: string }) => [h.from, h.to])).toEqual([
      [null, 'proposed'],
      ['proposed', 'rejected'],
    ]);

    const residentId = await newCandidate();
    const referral = await service.request('POST', '/v1/referrals', {
      token,
      body: { vacancyId, residentId },
    });
    for (const to of ['sent', 'interviewed'])
      expect((await transition(referral.body.id, to)).status).toBe(200);
    const rejected = await transition(referral.body.id, 'rejected');
    expect(rejected.status).toBe(200);
    expect(rejected.body.history.map((h: { to: string }) => h.to)).toEqual([
      'proposed',
      'sent',
      'interviewed',
      'rejected',
    ]);
    expect((await transition(referral.body.id, 'interviewed')).body).toMatchObject({
      state: 'rejected',
      allowed: [],
    });

    const before = await service.request('GET', `/v1/vacancies/${vacancyId}`, { token });
    const hire = await service.request('POST', '/v1/placements', {
      token,
      body: {
        vacancyId,
        residentId,
        referralId: referral.body.id,
        startDate: today(),
        contractType: 'fixed-term',
        monthlyWage: 5000,
      },
    });
    expect(hire.status).toBe(409);
    expect(hire.body).toMatchObject({ state: 'rejected', allowed: [] });
    expect(await service.runtime.store.collection('placements').countDocuments({ residentId })).toBe(0);
    expect((await service.request('GET', `/v1/referrals/${referral.body.id}`, { token })).body).toMatchObject(
      {
        state: 'rejected',
        placementId: null,
      },
    );
    const after = await service.request('GET', `/v1/vacancies/${vacancyId}`, { token });
    expect(after.body.placed).toBe(before.body.placed);
    expect(
      (await service.request('GET', `/v1/candidates/${residentId}`, { token })).body.activePlacementId,
    ).toBeNull();
  });

  it('when a person lives outside the caller’s area, then referring, placing or matching them answers 404 and stores nothing', async () => {
    const tokenB = await auth.token(DISTRICT_B);
    const person = registered(topic, {
      communityCode: community(newStreet(DISTRICT_B)),
      skills: ['welding'],
    });
    await publish(producer, topic, [person.event]);
    const residentId = person.residentId;
    await eventually(
      async () =>
        (await service.request('GET', `/v1/candidates/${residentId}`, { token: tokenB })).status === 200,
      { what: 'the candidate of district B' },
    );

    const referral = await service.request('POST', '/v1/referrals', {
      token,
      body: { vacancyId, residentId },
    });
    expect(referral.status).toBe(404);
    expect(referral.headers.get('content-type')).toContain('application/problem+json');
    const placement = await service.request('POST', '/v1/placements', {
      token,
      body: { vacancyId, residentId, startDate: today(), contractType: 'fixed-term', monthlyWage: 5000 },
    });
    expect(placement.status).toBe(404);
    const matched = await service.request('GET', `/v1/candidates/${residentId}/vacancies`, { token });
    expect(matched.status).toBe(404);
    expect(matched.body.items).toBeUndefined();

    const store = service.runtime.store;
    expect(await store.collection('referrals').countDocuments({ residentId })).toBe(0);
    expect(await store.collection('placements').countDocuments({ residentId })).toBe(0);
    expect(
      await store
        .collection('audit_log')
        .countDocuments({ subjectId: residentId, actor: `district-${DISTRICT_A}` }),
    ).toBe(0);
    expect(
      (await store.collection('candidates').findOne({ _id: residentId } as never))?.activePlacementId,
    ).toBeFalsy();

    // Its own district can: the 404 was the area, not a missing record.
    const own = await service.request('POST', '/v1/referrals', {
      token: tokenB,
      body: { vacancyId, residentId },
    });
    expect(own.status).toBe(201);
    expect(
      (await service.request('GET', `/v1/candidates/${residentId}/vacancies`, { token: tokenB })).status,
    ).toBe(200);
    const listedB = await service.request('GET', `/v1/referrals?residentId=${residentId}`, { token: tokenB });
    expect(listedB.body.items.map((r: { id: string }) => r.id)).toEqual([own.body.id]);
    expect(
      await store
        .collection('audit_log')
        .countDocuments({ subjectId: residentId, actor: `district-${DISTRICT_B}` }),
    ).toBeGreaterThan(0);
    // ...and its referral stays out of sight of district A.
    expect((await service.request('GET', `/v1/referrals/${own.body.id}`, { token })).status).toBe(404);
    const listedA = await service.request('GET', `/v1/referrals?residentId=${residentId}`, { token });
    expect(listedA.status).toBe(200);
    expect(listedA.body.items).toEqual([]);
  });

  it('when district B cites district A’s placement or referral in a change of its own, then it answers 404 and nothing of A’s changes', async () => {
    const tokenB = await auth.token(DISTRICT_B);
    // A vacancy of its own: the file's shared one has places the other tests count on.
    const vacancyId = await postVacancy(2);
    const residentA = await newCandidate();
    const startDate = monthsAgo(4);
    const placed = await service.request('POST', '/v1/placements', {
      token,
      body: { vacancyId, residentId: residentA, startDate, contractType: 'fixed-term', monthlyWage: 5000 },
    });
    expect(placed.status).toBe(201);
    const referralA = await service.request('POST', '/v1/referrals', {
      token,
      body: { vacancyId, residentId: await newCandidate() },
    });
    expect(referralA.status).toBe(201);

    const personB = registered(topic, {
      communityCode: community(newStreet(DISTRICT_B)),
      skills: ['welding'],
    });
    await publish(producer, topic, [personB.event]);
    await eventually(
      async () =>
        (await service.request('GET', `/v1/candidates/${personB.residentId}`, { token: tokenB })).status ===
        200,
      { what: 'the candidate of district B' },
    );

    const ended = await service.request('POST', `/v1/placements/${placed.body.id}/end`, {
      token: tokenB,
      body: { endedOn: today(), reason: 'dismissed' },
    });
    const followedUp = await service.request('POST', `/v1/placements/${placed.body.id}/follow-ups`, {
      token: tokenB,
      body: {
        checkpoint: '3-months',
        contactedOn: today(),
        method: 'phone',
        stillEmployed: false,
        endedOn: today(),
        endReason: 'dismissed',
      },
    });
    const citedReferral = await service.request('POST', '/v1/placements', {
      token: tokenB,
      body: {
        vacancyId,
        residentId: personB.residentId,
        referralId: referralA.body.id,
        startDate: today(),
        contractType: 'fixed-term',
        monthlyWage: 5000,
      },
    });
    const moved = await service.request('POST', `/v1/referrals/${referralA.body.id}/transitions`, {
      token: tokenB,
      body: { to: 'sent' },
    });
    expect([ended.status, followedUp.status, citedReferral.status, moved.status]).toEqual([
      404, 404, 404, 404,
    ]);

    const placement = await service.request('GET', `/v1/placements/${placed.body.id}`, { token });
    expect(placement.body).toMatchObject({ status: 'active', version: 1, followUps: [] });
    const referral = await service.request('GET', `/v1/referrals/${referralA.body.id}`, { token });
    expect(referral.body).toMatchObject({ state: 'proposed', version: 1 });
    const store = service.runtime.store;
    expect(await store.collection('placements').countDocuments({ residentId: personB.residentId })).toBe(0);
    // A ends its placement itself: the only PlacementEnded of it is A's.
    const own = await service.request('POST', `/v1/placements/${placed.body.id}/end`, {
      token,
      body: { endedOn: today(), reason: 'resigned' },
    });
    expect(own.status).toBe(200);
    const endedEvent = await eventOf(placed.body.id, PlacementEndedSchema);
    expect(endedEvent.payload.reason).toBe(PlacementEndReason.RESIGNED);
    expect(
      probe.records.filter(
        (r) => r.key === placed.body.id && r.headers['event-type'] === PlacementEndedSchema.typeName,
      ),
    ).toHaveLength(1);
  });

  it('when a placement is recorded and confirmed at six months, then PlacementMade and EmploymentStabilized are published', async () => {
    const residentId = await newCandidate();
    const referral = await service.request('POST', '/v1/referrals', {
      token,
      body: { vacancyId, residentId },
    });
    await transition(referral.body.id, 'sent');
    const early = await service.request('POST', '/v1/placements', {
      token,
      body: {
        vacancyId,
        residentId,
        referralId: referral.body.id,
        startDate: monthsAgo(7),
        contractType: 'fixed-term',
        monthlyWage: 5200,
      },
    });
    expect(early.status).toBe(409); // sent, not yet interviewed
    await transition(referral.body.id, 'interviewed');

    const startDate = monthsAgo(7);
    const placed = await service.request('POST', '/v1/placements', {
      token,
      headers: { 'idempotency-key': `placement-${residentId}` },
      body: {
        vacancyId,
        residentId,
        referralId: referral.body.id,
        startDate,
        contractType: 'fixed-term',
        contractEndDate: addMonths(startDate, 24),
        monthlyWage: 5200,
      },
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      status: 'active',
      nextFollowUp: { checkpoint: '3-months', dueOn: addMonths(startDate, 3) },
    });

    const made = await eventOf(placed.body.id, PlacementMadeSchema);
    expect(made.envelope.subject).toBe(placed.body.id);
    expect(made.payload).toMatchObject({
      placementId: placed.body.id,
      residentId,
      communityCode: community(street, 9),
      vacancyId,
      referralId: referral.body.id,
      contractType: ContractType.FIXED_TERM,
    });
    expect(made.payload.employer?.name).toBe('汉阳建工集团');
    expect(made.payload.wage?.fen).toBe(520_000n);
    expect(timestampDate(made.payload.startDate!).toISOString()).toBe(
      startOfChinaDay(startDate).toISOString(),
    );

    // The retried request changes nothing.
    const retried = await service.request('POST', '/v1/placements', {
      token,
      headers: { 'idempotency-key': `placement-${residentId}` },
      body: {
        vacancyId,
        residentId,
        referralId: referral.body.id,
        startDate,
        contractType: 'fixed-term',
        contractEndDate: addMonths(startDate, 24),
        monthlyWage: 5200,
      },
    });
    expect(retried.body.id).toBe(placed.body.id);
    expect((await service.request('GET', `/v1/referrals/${referral.body.id}`, { token })).body.state).toBe(
      'hired',
    );
    const another = await service.request('POST', '/v1/placements', {
      token,
      body: { vacancyId, residentId, startDate: today(), contractType: 'fixed-term', monthlyWage: 5000 },
    });
    expect(another.status).toBe(409); // already holds a placement
    const listed = await service.request('GET', `/v1/vacancies/${vacancyId}/candidates?limit=1000`, {
      token,
    });
    expect(
      listed.body.items.map((i: { candidate: { residentId: string } }) => i.candidate.residentId),
    ).not.toContain(residentId);

    const tooEarly = await service.request('POST', `/v1/placements/${placed.body.id}/follow-ups`, {
      token,
      body: {
        checkpoint: '6-months',
        contactedOn: addMonths(startDate, 5),
        method: 'phone',
        stillEmployed: true,
      },
    });
    expect(tooEarly.status).toBe(422);
    const threeMonths = await service.request('POST', `/v1/placements/${placed.body.id}/follow-ups`, {
      token,
      body: {
        checkpoint: '3-months',
        contactedOn: addMonths(startDate, 3),
        method: 'visit',
        stillEmployed: true,
      },
    });
    expect(threeMonths.status).toBe(201);
    expect(threeMonths.body.nextFollowUp).toEqual({ checkpoint: '6-months', dueOn: addMonths(startDate, 6) });
    const due = await service.request(
      'GET',
      `/v1/placements?followUpDueBy=${today()}&residentId=${residentId}`,
      { token },
    );
    expect(due.body.items.map((p: { id: string }) => p.id)).toEqual([placed.body.id]);

    const sixMonths = await service.request('POST', `/v1/placements/${placed.body.id}/follow-ups`, {
      token,
      body: {
        checkpoint: '6-months',
        contactedOn: today(),
        method: 'employer-confirmation',
        stillEmployed: true,
        note: '在岗',
      },
    });
    expect(sixMonths.status).toBe(201);
    expect(sixMonths.body).toMatchObject({ status: 'stable', stabilizedOn: today(), nextFollowUp: null });
    const stabilized = await eventOf(placed.body.id, EmploymentStabilizedSchema);
    expect(stabilized.payload).toMatchObject({ placementId: placed.body.id, residentId });
    expect(timestampDate(stabilized.payload.confirmedOn!).toISOString()).toBe(
      startOfChinaDay(today()).toISOString(),
    );

    const trail = await service.request('GET', `/v1/audit-log?subjectId=${placed.body.id}`, { token });
    expect(trail.body.items.map((e: { action: string }) => e.action)).toEqual([
      'placement.made',
      'placement.followed-up',
      'placement.stabilized',
    ]);
    expect(trail.body.items[2].before.status).toBe('active');
    expect(trail.body.items[2].after.status).toBe('stable');
    expect(
      probe.records.filter(
        (r) => r.key === placed.body.id && r.headers['event-type'] === PlacementMadeSchema.typeName,
      ),
    ).toHaveLength(1);
  });

  it('when a placement ends within six months, then PlacementEnded says so, with the start date', async () => {
    const residentId = await newCandidate();
    const startDate = monthsAgo(2);
    const placed = await service.request('POST', '/v1/placements', {
      token,
      body: { vacancyId, residentId, startDate, contractType: 'fixed-term', monthlyWage: 4800 },
    });
    expect(placed.status).toBe(201);
    const endedOn = addMonths(startDate, 1);
    const ended = await service.request('POST', `/v1/placements/${placed.body.id}/end`, {
      token,
      body: { endedOn, reason: 'resigned', detail: '离家太远' },
    });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({
      status: 'ended',
      ended: { endedOn, reason: 'resigned', withinSixMonths: true },
    });
    const event = await eventOf(placed.body.id, PlacementEndedSchema);
    expect(event.payload).toMatchObject({
      placementId: placed.body.id,
      residentId,
      withinSixMonths: true,
      reason: PlacementEndReason.RESIGNED,
      reasonDetail: '离家太远',
    });
    expect(timestampDate(event.payload.startDate!).toISOString()).toBe(
      startOfChinaDay(startDate).toISOString(),
    );
    expect(timestampDate(event.payload.endedOn!).toISOString()).toBe(startOfChinaDay(endedOn).toISOString());

    const endAgain = await service.request('POST', `/v1/placements/${placed.body.id}/end`, {
      token,
      body: { endedOn, reason: 'resigned' },
    });
    expect(endAgain.status).toBe(409);
    // Free again: the person can be matched and placed anew.
    const candidate = await service.request('GET', `/v1/candidates/${residentId}`, { token });
    expect(candidate.body.activePlacementId).toBeNull();
  });

  it('when a follow-up finds the job lost, then the placement ends with its reason', async () => {
    const residentId = await newCandidate();
    const startDate = monthsAgo(4);
    const placed = await service.request('POST', '/v1/placements', {
      token,
      body: { vacancyId, residentId, startDate, contractType: 'fixed-term', monthlyWage: 4800 },
    });
    const missing = await service.request('POST', `/v1/placements/${placed.body.id}/follow-ups`, {
      token,
      body: { checkpoint: '3-months', contactedOn: today(), method: 'visit', stillEmployed: false },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([
      '/endedOn',
      '/endReason',
    ]);
    const lost = await service.request('POST', `/v1/placements/${placed.body.id}/follow-ups`, {
      token,
      body: {
        checkpoint: '3-months',
        contactedOn: today(),
        method: 'visit',
        stillEmployed: false,
        endedOn: addMonths(startDate, 2),
        endReason: 'dismissed',
      },
    });
    expect(lost.status).toBe(201);
    expect(lost.body).toMatchObject({
      status: 'ended',
      ended: { reason: 'dismissed', withinSixMonths: true },
    });
    const event = await eventOf(placed.body.id, PlacementEndedSchema);
    expect(event.payload.withinSixMonths).toBe(true);
    expect(event.payload.reason).toBe(PlacementEndReason.DISMISSED);
  });

  it('when a placement ends six months or more after its start, then PlacementEnded says it was not within six months', async () => {
    const own = await postVacancy(3);
    const startDate = monthsAgo(7);
    const mark = sixMonthMark(startDate);
    const place = async () => {
      const residentId = await newCandidate();
      const placed = await service.request('POST', '/v1/placements', {
        token,
        body: { vacancyId: own, residentId, startDate, contractType: 'fixed-term', monthlyWage: 4800 },
      });
      expect(placed.status).toBe(201);
      return { residentId, placementId: placed.body.id as string };
    };

    // Ended ten days after the six-month mark, recorded through /end.
    const later = await place();
    const endedOn = addDays(mark, 10);
    const ended = await service.request('POST', `/v1/placements/${later.placementId}/end`, {
      token,
      body: { endedOn, reason: 'contract-expired' },
    });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({
      status: 'ended',
      ended: { endedOn, reason: 'contract-expired', withinSixMonths: false },
    });
    const event = await eventOf(later.placementId, PlacementEndedSchema);
    expect(event.payload).toMatchObject({
      placementId: later.placementId,
      residentId: later.residentId,
      withinSixMonths: false,
      reason: PlacementEndReason.CONTRACT_EXPIRED,
    });
    expect(timestampDate(event.payload.endedOn!).toISOString()).toBe(startOfChinaDay(endedOn).toISOString());
    expect(
      (await service.request('GET', `/v1/candidates/${later.residentId}`, { token })).body.activePlacementId,
    ).toBeNull();

    // Lost on the day of the mark, found by the 6-month follow-up: held the full six months.
    const onTheMark = await place();
    const lost = await service.request('POST', `/v1/placements/${onTheMark.placementId}/follow-ups`, {
      token,
      body: {
        checkpoint: '6-months',
        contactedOn: today(),
        method: 'phone',
        stillEmployed: false,
        endedOn: mark,
        endReason: 'resigned',
      },
    });
    expect(lost.status).toBe(201);
    expect(lost.body).toMatchObject({ status: 'ended', ended: { endedOn: mark, withinSixMonths: false } });
    expect((await eventOf(onTheMark.placementId, PlacementEndedSchema)).payload.withinSixMonths).toBe(false);

    // The day before the mark is still within six months.
    const dayBefore = await place();
    const early = await service.request('POST', `/v1/placements/${dayBefore.placementId}/end`, {
      token,
      body: { endedOn: addDays(mark, -1), reason: 'resigned' },
    });
    expect(early.body.ended.withinSixMonths).toBe(true);
    expect((await eventOf(dayBefore.placementId, PlacementEndedSchema)).payload.withinSixMonths).toBe(true);
  });

  it('when the last place is filled, then the vacancy is filled and takes no more placements', async () => {
    const vacancy = await service.request('GET', `/v1/vacancies/${vacancyId}`, { token });
    expect(vacancy.body.placed).toBe(3);
    expect(vacancy.body.state).toBe('filled');
    const residentId = await newCandidate();
    const refused = await service.request('POST', '/v1/placements', {
      token,
      body: { vacancyId, residentId, startDate: today(), contractType: 'fixed-term', monthlyWage: 4800 },
    });
    expect(refused.status).toBe(409);
  });
});
