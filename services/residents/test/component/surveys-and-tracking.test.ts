import { ServiceDeliveredSchema, ServiceKind, SurveyRecordedSchema } from '@employment/contracts';
import { eventually, KafkaProbe } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import {
  buildingOf,
  DISTRICT_A,
  DISTRICT_B,
  dropDatabase,
  eventsOf,
  newCommunity,
  type RunningResidents,
  registerPerson,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

describe('household surveys, tracking cards and "four contacts, one helper"', () => {
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

  async function household(community: string, status = 'employed') {
    const person = await registerPerson(service, token, {
      communityCode: community,
      birthDate: '1984-03-03',
      employmentStatus: status,
    });
    const res = await service.request('POST', '/v1/households', {
      token,
      body: {
        communityCode: community,
        buildingCode: buildingOf(community),
        members: [{ residentId: person.id, relation: 'head' }],
      },
    });
    return { id: res.body.id as string, person };
  }

  it('when households are visited, then each visit is kept with its findings and coverage counts each household once a year', async () => {
    const community = newCommunity();
    const a = await household(community);
    const b = await household(community);
    await household(community);
    await household(community);
    const visit = (id: string, outcome: string, visitedAt = new Date().toISOString()) =>
      service.request('POST', `/v1/households/${id}/surveys`, {
        token,
        body: {
          visitedAt,
          visitedBy: { name: '刘社工', staffId: 'SW-0117' },
          outcome,
          findings: { summary: '夫妻二人，一人在职', needs: ['training', 'job'], membersPresent: 2 },
        },
      });
    const first = await visit(a.id, 'completed');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      householdId: a.id,
      outcome: 'completed',
      year: new Date().getFullYear(),
    });
    expect((await visit(a.id, 'completed')).status).toBe(201); // a second visit the same year
    expect((await visit(b.id, 'nobody-home')).status).toBe(201); // not a completed survey
    const future = await visit(b.id, 'completed', new Date(Date.now() + 3_600_000).toISOString());
    expect(future.status).toBe(400);

    const list = await service.request('GET', `/v1/households/${a.id}/surveys`, { token });
    expect(list.body.items).toHaveLength(2);
    const stored = await service.request('GET', `/v1/households/${a.id}`, { token });
    expect(stored.body.surveyedYears).toEqual([new Date().getFullYear()]);

    const notYet = await service.request(
      'GET',
      `/v1/communities/${community}/households?notSurveyedIn=${new Date().getFullYear()}`,
      { token },
    );
    expect(notYet.body.items).toHaveLength(3);

    const coverage = await eventually(
      async () => {
        const res = await service.request('GET', `/v1/areas/${community}/statistics`, { token });
        return res.body.surveys === 3 && res.body.households === 4 ? res.body : undefined;
      },
      { what: 'the counters to catch up' },
    );
    expect(coverage).toMatchObject({
      surveyedHouseholds: 1,
      surveyCoverage: 0.25,
      year: new Date().getFullYear(),
    });
    const street = await service.request('GET', `/v1/areas/${community.slice(0, 9)}/statistics`, { token });
    expect(street.body.households).toBeGreaterThanOrEqual(4);
    const events = eventsOf(probe, config.RESIDENTS_EVENTS_TOPIC, SurveyRecordedSchema, a.id);
    expect(events.length).toBeGreaterThan(0);
  });

  it('when help is delivered, then the tracking card logs policy, job, skill and service with who, when and the outcome', async () => {
    const community = newCommunity();
    const { id, person } = await household(community, 'unemployed'); // zero-employment: its card opens itself
    const card = await service.request('GET', `/v1/households/${id}/tracking-card`, { token });
    expect(card.status).toBe(200);
    const again = await service.request('POST', `/v1/households/${id}/tracking-card`, { token });
    expect(again.status).toBe(200); // open already

    const deliver = (kind: string, outcome: string) =>
      service.request('POST', `/v1/households/${id}/tracking-card/deliveries`, {
        token,
        body: {
          kind,
          deliveredAt: new Date().toISOString(),
          deliveredBy: { name: '王主任', staffId: 'CD-0003' },
          residentId: person.id,
          description: `送${kind}上门`,
          outcome,
        },
      });
    for (const [kind, outcome] of [
      ['policy', 'accepted'],
      ['job', 'declined'],
      ['job', 'placed'],
      ['skill', 'in-progress'],
      ['service', 'completed'],
    ]) {
      expect((await deliver(kind!, outcome!)).status).toBe(201);
    }
    const after = await service.request('GET', `/v1/households/${id}/tracking-card`, { token });
    expect(after.body.deliveries).toEqual({ policy: 1, job: 2, skill: 1, service: 1 });
    const jobs = await service.request('GET', `/v1/households/${id}/tracking-card/deliveries?kind=job`, {
      token,
    });
    expect(jobs.body.items.map((d: { outcome: string }) => d.outcome)).toEqual(['declined', 'placed']);
    expect(jobs.body.items[0]).toMatchObject({
      deliveredBy: { name: '王主任', staffId: 'CD-0003' },
      residentId: person.id,
    });

    const stranger = await service.request('POST', `/v1/households/${id}/tracking-card/deliveries`, {
      token,
      body: {
        kind: 'policy',
        deliveredAt: new Date().toISOString(),
        deliveredBy: { name: 'x' },
        residentId: '01a21e23-b091-774a-aabd-000000000000',
        description: 'x',
        outcome: 'accepted',
      },
    });
    expect(stranger.status).toBe(400);
    const events = await eventually(() => {
      const found = eventsOf(probe, config.RESIDENTS_EVENTS_TOPIC, ServiceDeliveredSchema, id);
      return found.length === 5 ? found : undefined;
    });
    expect(events.map((e) => e.payload.kind)).toEqual([
      ServiceKind.POLICY,
      ServiceKind.JOB,
      ServiceKind.JOB,
      ServiceKind.SKILL,
      ServiceKind.SERVICE,
    ]);
    const tokenB = await auth.token(DISTRICT_B);
    expect(
      (await service.request('GET', `/v1/households/${id}/tracking-card`, { token: tokenB })).status,
    ).toBe(404);
  });

  it('when help is delivered and helpers assigned, handed over and ended, then each write is audited on the household with who, before and after', async () => {
    const community = newCommunity();
    const { id, person } = await household(community, 'unemployed');
    const worker = await auth.token(
      DISTRICT_A,
      ['residents:read', 'residents:write'],
      'jiangan-street-office',
    );
    const deliveredAt = new Date(Date.now() - 3_600_000).toISOString();
    const delivered = await service.request('POST', `/v1/households/${id}/tracking-card/deliveries`, {
      token: worker,
      body: {
        kind: 'job',
        deliveredAt,
        deliveredBy: { name: '王主任', staffId: 'CD-0003' },
        residentId: person.id,
        description: '推荐超市理货员岗位',
        outcome: 'placed',
        outcomeNote: '下周一上岗',
      },
    });
    expect(delivered.status).toBe(201);
    const assign = (name: string) =>
      service.request('POST', '/v1/assignments', {
        token: worker,
        body: { role: 'community-worker', targetId: id, helper: { name, staffId: `SW-${name.length}` } },
      });
    const first = await assign('李社工');
    const second = await assign('吴社工二');
    expect(second.status).toBe(201);
    const ended = await service.request('POST', `/v1/assignments/${second.body.id}/end`, {
      token,
      body: { reason: 'the household found work' },
    });
    expect(ended.status).toBe(200);

    const trail = await service.request('GET', `/v1/audit-log?subjectId=${id}`, { token });
    const entries = trail.body.items.filter((e: { action: string }) =>
      ['tracking-card.opened', 'service.delivered', 'helper.assigned', 'helper.unassigned'].includes(
        e.action,
      ),
    );
    expect(entries.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['tracking-card.opened', `district-${DISTRICT_A}`], // the registration made it zero-employment
      ['service.delivered', 'jiangan-street-office'],
      ['helper.assigned', 'jiangan-street-office'],
      ['helper.assigned', 'jiangan-street-office'],
      ['helper.unassigned', `district-${DISTRICT_A}`],
    ]);
    const [opened, delivery, assigned, handedOver, unassigned] = entries;
    expect(opened).toMatchObject({
      subjectType: 'household',
      before: null,
      after: { cardId: id, openedBy: 'residents', counts: { policy: 0, job: 0, skill: 0, service: 0 } },
    });
    expect(delivery).toMatchObject({
      subjectType: 'household',
      communityCode: community,
      before: null,
      after: {
        deliveryId: delivered.body.id,
        cardId: id,
        kind: 'job',
        residentId: person.id,
        deliveredAt,
        deliveredBy: { name: '王主任', staffId: 'CD-0003' },
        description: '推荐超市理货员岗位',
        outcome: 'placed',
        outcomeNote: '下周一上岗',
        recordedBy: 'jiangan-street-office',
      },
    });
    expect(assigned).toMatchObject({
      before: null,
      after: {
        assignmentId: first.body.id,
        role: 'community-worker',
        helper: { name: '李社工' },
        since: first.body.since,
        until: null,
        previousAssignmentId: null,
      },
    });
    expect(handedOver).toMatchObject({
      before: { assignmentId: first.body.id, helper: { name: '李社工' }, until: null },
      after: {
        assignmentId: second.body.id,
        helper: { name: '吴社工二' },
        previousAssignmentId: first.body.id,
        replaced: {
          assignmentId: first.body.id,
          until: second.body.since,
          endedBy: 'jiangan-street-office',
          endReason: 'replaced',
        },
      },
    });
    expect(unassigned).toMatchObject({
      before: { assignmentId: second.body.id, helper: { name: '吴社工二' }, until: null, endReason: null },
      after: {
        assignmentId: second.body.id,
        until: ended.body.until,
        endedBy: `district-${DISTRICT_A}`,
        endReason: 'the household found work',
      },
    });
  });

  it('when responsibilities are assigned and handed over, then the household sees its current contacts and the history is kept', async () => {
    const community = newCommunity();
    const { id } = await household(community, 'unemployed');
    const assign = (role: string, targetId: string, name: string) =>
      service.request('POST', '/v1/assignments', {
        token,
        body: { role, targetId, helper: { name, phone: '13912345678' } },
      });

    expect((await assign('street-leader', community.slice(0, 9), '赵副主任')).status).toBe(201);
    expect((await assign('social-security-officer', community, '钱专干')).status).toBe(201);
    expect((await assign('community-director', buildingOf(community), '孙主任')).status).toBe(201);
    const first = await assign('community-worker', id, '李社工');
    expect((await assign('party-member-helper', id, '周党员')).status).toBe(201);
    const handover = await assign('community-worker', id, '吴社工');
    expect(handover.body).toMatchObject({ previousAssignmentId: first.body.id, current: true });

    const contacts = await service.request('GET', `/v1/households/${id}/contacts`, { token });
    expect({
      streetLeader: contacts.body.streetLeader.helper.name,
      socialSecurityOfficer: contacts.body.socialSecurityOfficer.helper.name,
      communityDirector: contacts.body.communityDirector.helper.name,
      communityWorker: contacts.body.communityWorker.helper.name,
      partyMemberHelper: contacts.body.partyMemberHelper.helper.name,
    }).toEqual({
      streetLeader: '赵副主任',
      socialSecurityOfficer: '钱专干',
      communityDirector: '孙主任',
      communityWorker: '吴社工',
      partyMemberHelper: '周党员',
    });
    const history = await service.request('GET', `/v1/assignments?targetId=${id}&role=community-worker`, {
      token,
    });
    expect(
      history.body.items.map((a: { helper: { name: string }; current: boolean }) => [
        a.helper.name,
        a.current,
      ]),
    ).toEqual([
      ['李社工', false],
      ['吴社工', true],
    ]);
    expect(history.body.items[0].until).toBe(history.body.items[1].since);

    const wrongTarget = await assign('community-director', community, 'x');
    expect(wrongTarget.status).toBe(400);
    const ended = await service.request('POST', `/v1/assignments/${handover.body.id}/end`, {
      token,
      body: { reason: 'the household found work' },
    });
    expect(ended.body).toMatchObject({ current: false, endReason: 'the household found work' });
    const now = await service.request('GET', `/v1/households/${id}/contacts`, { token });
    expect(now.body.communityWorker).toBeNull();
    const tokenB = await auth.token(DISTRICT_B);
    const foreign = await service.request('POST', '/v1/assignments', {
      token: tokenB,
      body: { role: 'community-worker', targetId: id, helper: { name: 'x' } },
    });
    expect(foreign.status).toBe(404);
  });
});
