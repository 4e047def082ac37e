import { WarningEscalatedSchema, WarningLevel, WarningRaisedSchema } from '@employment/contracts';
import { eventually, KafkaProbe, sleep } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import {
  changeStatus,
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

/** A household of one person looking for work: zero-employment from the start. */
async function zeroEmploymentHousehold(service: RunningResidents, token: string) {
  const community = newCommunity();
  const person = await registerPerson(service, token, {
    communityCode: community,
    birthDate: '1986-02-02',
    employmentStatus: 'employed',
  });
  const household = await service.request('POST', '/v1/households', {
    token,
    body: { communityCode: community, members: [{ residentId: person.id, relation: 'head' }] },
  });
  await changeStatus(service, token, person.id, 'unemployed');
  return { community, person, householdId: household.body.id as string };
}

describe('early warnings: acknowledge and resolve', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let token: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth);
    service = await startResidents(config);
    token = await auth.token(DISTRICT_A);
  });

  afterAll(async () => {
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  it('when a warning is acknowledged and resolved, then each step is version-guarded and the area list follows its state', async () => {
    const { community, householdId } = await zeroEmploymentHousehold(service, token);
    const list = await service.request('GET', `/v1/areas/${community}/warnings?state=open`, { token });
    const warning = list.body.items.find((w: { subjectId: string }) => w.subjectId === householdId);
    expect(warning).toMatchObject({ kind: 'zero-employment-household', state: 'raised', version: 1 });

    const stale = await service.request('POST', `/v1/warnings/${warning.id}/acknowledge`, {
      token,
      body: { version: 2 },
    });
    expect(stale.status).toBe(409);
    const acknowledged = await service.request('POST', `/v1/warnings/${warning.id}/acknowledge`, {
      token,
      body: { version: 1, note: '社区已上门' },
    });
    expect(acknowledged.body).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: `district-${DISTRICT_A}`,
      acknowledgementNote: '社区已上门',
      version: 2,
    });
    const twice = await service.request('POST', `/v1/warnings/${warning.id}/acknowledge`, {
      token,
      body: { version: 2 },
    });
    expect(twice.status).toBe(409);
    expect(twice.body.state).toBe('acknowledged');

    const resolved = await service.request('POST', `/v1/warnings/${warning.id}/resolve`, {
      token,
      body: { version: 2, resolution: 'placed in a public-welfare post' },
    });
    expect(resolved.body).toMatchObject({ state: 'resolved', escalateAt: null, version: 3 });
    const open = await service.request('GET', `/v1/areas/${community}/warnings?state=open`, { token });
    expect(open.body.items.filter((w: { id: string }) => w.id === warning.id)).toEqual([]);
    const done = await service.request('GET', `/v1/areas/${community}/warnings?state=resolved`, { token });
    expect(done.body.items.map((w: { id: string }) => w.id)).toContain(warning.id);
  });

  it('when a warning is acknowledged and resolved, then each step is audited with who, before and after', async () => {
    const { community, householdId } = await zeroEmploymentHousehold(service, token);
    const list = await service.request('GET', `/v1/areas/${community}/warnings?state=open`, { token });
    const warning = list.body.items.find((w: { subjectId: string }) => w.subjectId === householdId);
    const officer = await auth.token(DISTRICT_A, ['residents:read', 'residents:write'], 'jiangan-officer-2');
    const acknowledged = await service.request('POST', `/v1/warnings/${warning.id}/acknowledge`, {
      token: officer,
      body: { version: 1, note: '已电话联系' },
    });
    expect(acknowledged.status).toBe(200);
    const resolved = await service.request('POST', `/v1/warnings/${warning.id}/resolve`, {
      token,
      body: { version: 2, resolution: 'placed in a public-welfare post' },
    });
    expect(resolved.status).toBe(200);

    const trail = await service.request('GET', `/v1/audit-log?subjectId=${warning.id}`, { token });
    expect(trail.body.items.map((e: { action: string }) => e.action)).toEqual([
      'warning.raised',
      'warning.acknowledged',
      'warning.resolved',
    ]);
    const [raised, ack, resolution] = trail.body.items;
    expect(raised).toMatchObject({
      actor: `district-${DISTRICT_A}`,
      subjectType: 'warning',
      communityCode: community,
      before: null,
      after: { kind: 'zero-employment-household', subjectId: householdId, state: 'raised', version: 1 },
    });
    expect(ack).toMatchObject({
      actor: 'jiangan-officer-2',
      before: {
        state: 'raised',
        acknowledgedAt: null,
        acknowledgedBy: null,
        acknowledgementNote: null,
        version: 1,
      },
      after: {
        state: 'acknowledged',
        acknowledgedAt: acknowledged.body.acknowledgedAt,
        acknowledgedBy: 'jiangan-officer-2',
        acknowledgementNote: '已电话联系',
        version: 2,
      },
    });
    expect(resolution).toMatchObject({
      actor: `district-${DISTRICT_A}`,
      before: {
        state: 'acknowledged',
        resolvedAt: null,
        resolvedBy: null,
        resolution: null,
        escalateAt: warning.escalateAt,
        version: 2,
      },
      after: {
        state: 'resolved',
        resolvedAt: resolved.body.resolvedAt,
        resolvedBy: `district-${DISTRICT_A}`,
        resolution: 'placed in a public-welfare post',
        escalateAt: null,
        version: 3,
      },
    });
    expect(resolution.at).toBe(resolved.body.resolvedAt);
  });

  it('when a caller of another district asks for a warning, then 404', async () => {
    const { community, householdId } = await zeroEmploymentHousehold(service, token);
    const list = await service.request('GET', `/v1/areas/${community}/warnings`, { token });
    const warning = list.body.items.find((w: { subjectId: string }) => w.subjectId === householdId);
    const tokenB = await auth.token(DISTRICT_B);
    expect((await service.request('GET', `/v1/warnings/${warning.id}`, { token: tokenB })).status).toBe(404);
    expect(
      (
        await service.request('POST', `/v1/warnings/${warning.id}/resolve`, {
          token: tokenB,
          body: { version: 1, resolution: 'x' },
        })
      ).status,
    ).toBe(404);
    expect((await service.request('GET', `/v1/areas/${community}/warnings`, { token: tokenB })).status).toBe(
      404,
    );
  });
});

describe('early warnings: deadlines and escalation on a timer, with two replicas', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let first: RunningResidents;
  let second: RunningResidents;
  let probe: KafkaProbe;
  let token: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    // Deadlines of zero working days and a short timer: a zero-employment household is overdue at
    // once, and each round moves an unresolved warning one level up.
    config = residentsTestConfig(auth, {
      WARNING_CHECK_INTERVAL_MS: '150',
      ZERO_EMPLOYMENT_PLACEMENT_WORKING_DAYS: '0',
      WARNING_ESCALATION_WORKING_DAYS: '0',
    });
    probe = await KafkaProbe.start([config.RESIDENTS_EVENTS_TOPIC]);
    first = await startResidents(config);
    second = await startResidents(config, { seed: false }); // the same database: another replica
    token = await auth.token(DISTRICT_A);
  });

  afterAll(async () => {
    await probe.stop();
    await second.runtime.stop();
    await first.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  it('when a zero-employment household is not placed by the deadline and nobody resolves its warnings, then a follow-up warning is raised once and each warning climbs community → street → district → city once per level', async () => {
    const { community, householdId } = await zeroEmploymentHousehold(first, token);
    const warnings = await eventually(
      async () => {
        const res = await first.request('GET', `/v1/areas/${community}/warnings`, { token });
        const mine = res.body.items.filter((w: { subjectId: string }) => w.subjectId === householdId);
        return mine.length === 2 && mine.every((w: { level: string }) => w.level === 'city')
          ? mine
          : undefined;
      },
      { what: 'both warnings to reach the city', timeoutMs: 20_000 },
    );
    expect(warnings.map((w: { kind: string }) => w.kind).sort()).toEqual([
      'zero-employment-household',
      'zero-employment-not-placed',
    ]);
    for (const w of warnings) {
      expect(w).toMatchObject({ levelCode: '4201', state: 'raised', escalateAt: null });
      expect(w.escalations.map((e: { from: string; to: string }) => `${e.from}>${e.to}`)).toEqual([
        'community>street',
        'street>district',
        'district>city',
      ]);
    }
    await sleep(800); // more rounds on both replicas change nothing
    const escalated = eventsOf(probe, config.RESIDENTS_EVENTS_TOPIC, WarningEscalatedSchema).filter((e) =>
      warnings.some((w: { id: string }) => w.id === e.envelope.subject),
    );
    expect(escalated).toHaveLength(6);
    expect(
      escalated.filter((e) => e.envelope.subject === warnings[0].id).map((e) => e.payload.toLevel),
    ).toEqual([WarningLevel.STREET, WarningLevel.DISTRICT, WarningLevel.CITY]);
    const raised = eventsOf(probe, config.RESIDENTS_EVENTS_TOPIC, WarningRaisedSchema).filter(
      (e) => e.payload.subjectId === householdId,
    );
    expect(raised).toHaveLength(2);
    const stored = await first.runtime.store
      .collection('warnings')
      .countDocuments({ subjectId: householdId });
    expect(stored).toBe(2);

    // The city's own view lists them; the district's "at this level" view no longer does.
    const cityToken = await auth.issuer.token({
      clientId: 'city',
      roles: ['residents:read'],
      areas: ['4201'],
    });
    const atCity = await first.request('GET', '/v1/areas/4201/warnings?atThisLevel=true&state=open', {
      token: cityToken,
    });
    expect(atCity.body.items.map((w: { id: string }) => w.id)).toEqual(
      expect.arrayContaining(warnings.map((w: { id: string }) => w.id)),
    );
    const atDistrict = await first.request('GET', `/v1/areas/${DISTRICT_A}/warnings?atThisLevel=true`, {
      token,
    });
    expect(atDistrict.body.items.filter((w: { subjectId: string }) => w.subjectId === householdId)).toEqual(
      [],
    );
  });

  it('when a follow-up warning was raised but its first warning never marked (a round cut short), then the timer marks it, audited as its own write', async () => {
    const { community, householdId } = await zeroEmploymentHousehold(first, token);
    const mine = async () => {
      const res = await first.request('GET', `/v1/areas/${community}/warnings`, { token });
      return res.body.items.filter((w: { subjectId: string }) => w.subjectId === householdId);
    };
    const followUp = await eventually(
      async () => (await mine()).find((w: { kind: string }) => w.kind === 'zero-employment-not-placed'),
      { what: 'the follow-up warning' },
    );
    const original = (await mine()).find((w: { kind: string }) => w.kind === 'zero-employment-household');
    const warnings = first.runtime.store.collection('warnings');
    // Marked, and at the top level, so no escalation is writing the warning any more: FerretDB
    // writes an update back whole, and one in flight would undo the clearing below.
    await eventually(
      async () => {
        const doc = await warnings.findOne({ _id: original.id } as never);
        return doc?.followUpWarningId === followUp.id && doc?.level === 'city' && doc?.escalateAt === null;
      },
      { what: 'the first warning to be marked and at the top level', timeoutMs: 20_000 },
    );
    // As if the round had raised the follow-up and stopped before marking the first warning.
    await warnings.updateOne({ _id: original.id } as never, { $set: { followUpWarningId: null } });

    const repairs = await eventually(
      async () => {
        const res = await first.request('GET', `/v1/audit-log?subjectId=${original.id}`, { token });
        const found = res.body.items.filter(
          (e: { action: string }) => e.action === 'warning.follow-up-linked',
        );
        return found.length > 0 ? found : undefined;
      },
      { what: 'the repair to be audited' },
    );
    for (const repair of repairs) {
      expect(repair).toMatchObject({
        actor: 'residents:warning-monitor',
        subjectType: 'warning',
        communityCode: community,
        before: { followUpWarningId: null },
        after: { followUpWarningId: followUp.id },
      });
    }
    expect((await warnings.findOne({ _id: original.id } as never))?.followUpWarningId).toBe(followUp.id);
    // Still one follow-up: the repair did not raise another.
    expect(
      (await mine()).filter((w: { kind: string }) => w.kind === 'zero-employment-not-placed'),
    ).toHaveLength(1);
    // The follow-up the timer raised is audited as the system's write too.
    const trail = await first.request('GET', `/v1/audit-log?subjectId=${followUp.id}`, { token });
    expect(trail.body.items[0]).toMatchObject({
      actor: 'residents:warning-monitor',
      action: 'warning.raised',
      before: null,
    });
  });

  it('when the cause of an overdue warning has ended, then the timer resolves it instead of escalating it', async () => {
    const { community, householdId } = await zeroEmploymentHousehold(first, token);
    // Found work, but the household was not brought up to date (as after a crash between the writes).
    await first.runtime.store
      .collection('households')
      .updateOne({ _id: householdId } as never, { $set: { 'status.zeroEmployment': false } });
    const resolved = await eventually(
      async () => {
        const res = await first.request('GET', `/v1/areas/${community}/warnings`, { token });
        const mine = res.body.items.filter((w: { subjectId: string }) => w.subjectId === householdId);
        return mine.length > 0 && mine.every((w: { state: string }) => w.state === 'resolved')
          ? mine
          : undefined;
      },
      { what: 'the warnings to be resolved' },
    );
    expect(resolved[0].resolution).toBe('the household is no longer zero-employment');
    expect(resolved[0].resolvedBy).toBe('residents:warning-monitor');
  });
});
