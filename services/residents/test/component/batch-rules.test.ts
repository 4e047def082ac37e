import {
  AreaChangedSchema,
  AreaDefinedSchema,
  HouseholdStatusChangedSchema,
  ResidentProfileChangedSchema,
  ResidentRegisteredSchema,
} from '@employment/contracts';
import { PiiProtector } from '@employment/core';
import { eventually, KafkaProbe } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import { ResidentsApp } from '../../src/service.ts';
import {
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

/** What a row's problem and a single request's problem must share: the same answer. */
const answer = (problem: { type: string; status: number; detail: string }) => ({
  type: problem.type,
  status: problem.status,
  detail: problem.detail,
});

describe('batches: every row held to what its single request enforces, across districts too', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let probe: KafkaProbe;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth);
    service = await startResidents(config);
    probe = await KafkaProbe.start([config.RESIDENTS_EVENTS_TOPIC]);
    tokenA = await auth.token(DISTRICT_A);
    tokenB = await auth.token(DISTRICT_B);
  });

  afterAll(async () => {
    await probe.stop();
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  const topic = () => config.RESIDENTS_EVENTS_TOPIC;
  const outboxEmpty = () =>
    eventually(async () => (await service.runtime.store.collection('outbox').countDocuments()) === 0, {
      what: 'the outbox to be published',
    });

  /** District A's zero-employment household: an unemployed head, with an open warning. */
  async function householdOfA() {
    const community = newCommunity(DISTRICT_A);
    const nationalId = newNationalId({ birthDate: '1979-03-03', sex: 'male' });
    const head = await registerPerson(service, tokenA, {
      communityCode: community,
      nationalId,
      employmentStatus: 'unemployed',
    });
    const created = await service.request('POST', '/v1/households', {
      token: tokenA,
      body: { communityCode: community, members: [{ residentId: head.id, relation: 'head' }] },
    });
    expect(created.status).toBe(201);
    expect(created.body.zeroEmployment).toBe(true);
    return { community, head, nationalId, household: created.body };
  }

  /**
   * What district A sees of its household and its head, and the events about them once a marker
   * of A's own (same key, so same partition, after anything published before it) has arrived.
   */
  async function stateOfA(a: Awaited<ReturnType<typeof householdOfA>>) {
    await outboxEmpty();
    const household = await service.request('GET', `/v1/households/${a.household.id}`, { token: tokenA });
    const head = await service.request('GET', `/v1/residents/${a.head.id}`, { token: tokenA });
    return { household: household.body, head: head.body };
  }

  it('when district B imports households naming district A’s household or people, then each row is refused as the single request refuses it, and nothing of A’s changes', async () => {
    const a = await householdOfA();
    const before = await stateOfA(a);

    const communityB1 = newCommunity(DISTRICT_B);
    const communityB2 = newCommunity(DISTRICT_B);
    const strangerId = newNationalId({ birthDate: '1990-01-01', sex: 'female' });
    const member = (nationalId: string, relation: string, employmentStatus = 'employed') => {
      const { communityCode: _c, ...row } = registration({ nationalId, employmentStatus });
      return { ...row, relation };
    };
    const res = await service.request('POST', '/v1/households/batch', {
      token: tokenB,
      body: {
        households: [
          // A's household id, with B's own new person as a further head, employed.
          { id: a.household.id, communityCode: communityB1, members: [member(strangerId, 'head')] },
          // A's head, in a new household of B's.
          { communityCode: communityB2, members: [member(a.nationalId, 'head')] },
        ],
      },
    });
    expect(res.status).toBe(200);

    // The same, one request at a time, as district B.
    const single = await service.request('POST', '/v1/households', {
      token: tokenB,
      body: { id: a.household.id, communityCode: communityB1 },
    });
    expect(single.status).toBe(409);
    const singlePerson = await service.request('POST', '/v1/residents', {
      token: tokenB,
      body: registration({ nationalId: a.nationalId, communityCode: communityB2 }),
    });
    expect(singlePerson.status).toBe(409);

    const [foreignHousehold, foreignPerson] = res.body.results;
    expect(foreignHousehold).toMatchObject({ status: 'conflict', householdId: a.household.id });
    expect(foreignHousehold.members).toBeUndefined();
    expect(answer(foreignHousehold.problem)).toEqual(answer(single.body));
    expect(foreignPerson.members).toEqual([{ index: 0, status: 'duplicate', problem: expect.any(Object) }]);
    expect(answer(foreignPerson.members[0].problem)).toEqual(answer(singlePerson.body));
    expect(JSON.stringify(res.body)).not.toContain(a.head.id);
    expect(res.body.summary).toMatchObject({
      conflict: 1,
      people: { created: 0, linked: 0, duplicate: 1, invalid: 0 },
    });

    // Nothing of A's changed: the household, its head, their events.
    const after = await stateOfA(a);
    expect(after).toEqual(before);
    expect(after.household).toMatchObject({ zeroEmployment: true, version: 2 });
    expect(after.household.members.map((m: { residentId: string }) => m.residentId)).toEqual([a.head.id]);
    const warnings = await service.request('GET', `/v1/areas/${a.community}/warnings?state=open`, {
      token: tokenA,
    });
    expect(warnings.body.items.map((w: { subjectId: string }) => w.subjectId)).toContain(a.household.id);
    // A's own change after the batch, on the same keys: once it has arrived, anything the batch
    // had published about them would have arrived before it.
    const survey = await service.request('POST', `/v1/households/${a.household.id}/surveys`, {
      token: tokenA,
      body: { visitedAt: new Date().toISOString(), visitedBy: { name: '王芳' }, outcome: 'completed' },
    });
    expect(survey.status).toBe(201);
    const renamed = await service.request('PATCH', `/v1/residents/${a.head.id}`, {
      token: tokenA,
      body: { version: before.head.version, phone: '13800000000' },
    });
    expect(renamed.status).toBe(200);
    await probe.waitFor(
      (r) => r.key === a.household.id && String(r.headers['event-type']).endsWith('SurveyRecorded'),
    );
    await eventually(
      () =>
        eventsOf(probe, topic(), ResidentProfileChangedSchema, a.head.id).some((e) =>
          e.payload.changedFields.includes('phone'),
        ),
      { what: 'the marker of A’s head' },
    );
    // The household's versions 1 and 2 (registered, its head joined), each once, and no other.
    expect(
      eventsOf(probe, topic(), HouseholdStatusChangedSchema, a.household.id).map((e) => e.payload.version),
    ).toEqual([1, 2]);
    // The head: joining A's household, then A's own marker; nothing of B's batch.
    expect(
      eventsOf(probe, topic(), ResidentProfileChangedSchema, a.head.id).map((e) => e.payload.changedFields),
    ).toEqual([['householdId', 'householdRelation'], ['phone']]);
    // B's person of the refused row was not registered either.
    const lookup = await service.request('POST', '/v1/residents/lookup', {
      token: tokenB,
      body: { nationalId: strangerId },
    });
    expect(lookup.status).toBe(404);
    expect(probe.envelopes(topic()).filter((e) => e.envelope.communityCode === communityB1)).toEqual([]);
  });

  it('when district B registers people into district A’s household, area or people, then each row is refused as the single request refuses it, and nothing of A’s changes', async () => {
    const a = await householdOfA();
    const before = await stateOfA(a);
    const communityB = newCommunity(DISTRICT_B);
    const rows = [
      registration({ communityCode: communityB, nationalId: a.nationalId }),
      registration({ communityCode: communityB, householdId: a.household.id, householdRelation: 'head' }),
      registration({ communityCode: a.community }),
    ];
    const res = await service.request('POST', '/v1/residents/batch', {
      token: tokenB,
      body: { residents: rows },
    });
    expect(res.status).toBe(200);
    const singles: Array<{ status: number; body: { type: string; status: number; detail: string } }> = [];
    for (const row of rows)
      singles.push(await service.request('POST', '/v1/residents', { token: tokenB, body: row }));
    expect(singles.map((s) => s.status)).toEqual([409, 400, 403]);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'duplicate',
      'invalid',
      'forbidden',
    ]);
    res.body.results.forEach(
      (r: { problem: { type: string; status: number; detail: string } }, i: number) => {
        expect(answer(r.problem)).toEqual(answer(singles[i]!.body));
      },
    );
    expect(res.body.results[0].residentId).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toContain(a.head.id);

    expect(await stateOfA(a)).toEqual(before);
    expect(
      probe
        .envelopes(topic())
        .filter(
          (e) =>
            e.envelope.eventType === ResidentRegisteredSchema.typeName &&
            [communityB, a.community].includes(e.envelope.communityCode) &&
            e.envelope.subject !== a.head.id,
        ),
    ).toEqual([]);
  });

  it('when district B imports area rows of district A’s tree or above it, then each row is refused as PUT /v1/areas/{code} refuses it, and the tree does not change', async () => {
    const areasB = await auth.issuer.token({
      clientId: `areas-${DISTRICT_B}`,
      roles: ['areas:write', 'residents:read'],
      areas: [DISTRICT_B],
    });
    const community = newCommunity(DISTRICT_A);
    const street = community.slice(0, 9);
    const rows = [
      { code: community, name: '被改名的社区' }, // rename A's community
      { code: `${street}099`, name: '新社区' }, // a new community under A's street
      { code: '4201', name: '被改名的城市' }, // the city above both
    ];
    const res = await service.request('POST', '/v1/areas/batch', { token: areasB, body: { areas: rows } });
    expect(res.status).toBe(200);
    const singles: Array<{ status: number; body: { type: string; status: number; detail: string } }> = [];
    for (const row of rows) {
      singles.push(
        await service.request('PUT', `/v1/areas/${row.code}`, { token: areasB, body: { name: row.name } }),
      );
    }
    expect(singles.map((s) => s.status)).toEqual([403, 403, 403]);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'forbidden',
      'forbidden',
      'forbidden',
    ]);
    res.body.results.forEach(
      (r: { problem: { type: string; status: number; detail: string } }, i: number) => {
        expect(answer(r.problem)).toEqual(answer(singles[i]!.body));
      },
    );

    const node = await service.request('GET', `/v1/areas/${community}`, { token: tokenA });
    expect(node.body).toMatchObject({ name: expect.stringMatching(/^测试社区/), version: 1 });
    expect((await service.request('GET', `/v1/areas/${street}099`, { token: tokenA })).status).toBe(404);
    expect((await service.request('GET', '/v1/areas/4201', { token: tokenA })).body.name).toBe('武汉市');
    // A renames its community itself: the marker on the same key.
    const areasA = await auth.issuer.token({
      clientId: `areas-${DISTRICT_A}`,
      roles: ['areas:write'],
      areas: [DISTRICT_A],
    });
    const own = await service.request('PUT', `/v1/areas/${community}`, {
      token: areasA,
      body: { name: '江岸测试社区' },
    });
    expect(own.status).toBe(200);
    await eventually(() => eventsOf(probe, topic(), AreaChangedSchema, community).length > 0, {
      what: 'A’s own rename',
    });
    expect(eventsOf(probe, topic(), AreaChangedSchema, community).map((e) => e.payload.name)).toEqual([
      '江岸测试社区',
    ]);
    expect(eventsOf(probe, topic(), AreaDefinedSchema, `${street}099`)).toEqual([]);
    expect(eventsOf(probe, topic(), AreaChangedSchema, '4201')).toEqual([]);
  });

  it('when a batch of registrations names one household twice as head, or from another community, then those rows are refused as one request after the other would be', async () => {
    const community = newCommunity(DISTRICT_A);
    const household = await service.request('POST', '/v1/households', {
      token: tokenA,
      body: { communityCode: community },
    });
    expect(household.status).toBe(201);
    const id = household.body.id;
    const rows = [
      registration({ communityCode: community, householdId: id, householdRelation: 'head' }),
      registration({ communityCode: community, householdId: id, householdRelation: 'head' }),
      registration({ communityCode: newCommunity(DISTRICT_A), householdId: id, householdRelation: 'head' }),
    ];
    const res = await service.request('POST', '/v1/residents/batch', {
      token: tokenA,
      body: { residents: rows },
    });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'created',
      'invalid',
      'invalid',
    ]);

    // One request after the other: the first joins as head, the others are refused.
    const singles: Array<{ status: number; body: { type: string; status: number; detail: string } }> = [];
    for (const row of rows) {
      const fresh = { ...row, nationalId: newNationalId() };
      singles.push(await service.request('POST', '/v1/residents', { token: tokenA, body: fresh }));
    }
    expect(singles.map((s) => s.status)).toEqual([400, 400, 400]);
    expect(answer(res.body.results[1].problem)).toEqual(answer(singles[1]!.body));
    expect(answer(res.body.results[2].problem)).toEqual(answer(singles[2]!.body));

    const stored = await service.request('GET', `/v1/households/${id}`, { token: tokenA });
    expect(stored.body.members.map((m: { relation: string }) => m.relation)).toEqual(['head']);
    expect(stored.body.members[0].residentId).toBe(res.body.results[0].residentId);
  });

  it('when an import row names the caller’s household again with a new head, and it has one, then the row is refused whole', async () => {
    const community = newCommunity(DISTRICT_A);
    const householdId = '01a21e23-b091-774a-aabd-00000000b001';
    const member = (relation: string) => {
      const { communityCode: _c, ...row } = registration();
      return { ...row, relation };
    };
    const first = { id: householdId, communityCode: community, members: [member('head')] };
    const res = await service.request('POST', '/v1/households/batch', {
      token: tokenA,
      body: { households: [first] },
    });
    expect(res.body.results[0].status).toBe('created');
    // The row names the household again with someone new as its head (户主).
    const newHead = member('head');
    const rerun = await service.request('POST', '/v1/households/batch', {
      token: tokenA,
      body: { households: [{ ...first, members: [newHead] }] },
    });
    expect(rerun.body.results[0]).toMatchObject({
      status: 'invalid',
      problem: {
        status: 400,
        errors: [{ pointer: '/members/0/relation', detail: 'the household already has a head (户主)' }],
      },
    });
    const lookup = await service.request('POST', '/v1/residents/lookup', {
      token: tokenA,
      body: { nationalId: newHead.nationalId },
    });
    expect(lookup.status).toBe(404);
    const stored = await service.request('GET', `/v1/households/${householdId}`, { token: tokenA });
    expect(stored.body).toMatchObject({ version: 1 });
    expect(stored.body.members).toHaveLength(1);
  });

  it('when another replica defined a node this one has not seen yet, then an import row renames it, and a child of a parent defined there is accepted, as single requests would', async () => {
    const other = new ResidentsApp(
      service.runtime,
      new PiiProtector({
        encryptionKeyBase64: config.PII_ENCRYPTION_KEY,
        keyVersion: config.PII_KEY_VERSION,
        previousKeys: config.PII_PREVIOUS_ENCRYPTION_KEYS,
        hashKeyBase64: config.PII_HASH_KEY,
      }),
      {},
    );
    const city = await auth.issuer.token({ clientId: 'areas-city', roles: ['areas:write'], areas: ['*'] });
    const street = `${DISTRICT_A}011`;
    const community = `${street}001`;
    // Defined through the other replica's own tree: this one's memory does not have them.
    const actor = {
      principal: {
        clientId: 'areas-city',
        subject: 'areas-city',
        roles: new Set(['areas:write']),
        areas: ['*'],
      },
      requestId: null,
    };
    await other.areas.define(actor, street, '另一副本的街道', undefined);
    await other.areas.define(actor, community, '另一副本的社区', undefined);

    const res = await service.request('POST', '/v1/areas/batch', {
      token: city,
      body: {
        areas: [
          { code: community, name: '导入的社区名' },
          { code: `${community}001`, name: '1号楼' },
          { code: `${street}002`, name: '新的社区' },
        ],
      },
    });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'renamed',
      'created',
      'created',
    ]);
    const node = await service.request('GET', `/v1/areas/${community}`, { token: tokenA });
    expect(node.body).toMatchObject({ name: '导入的社区名', version: 2 });
  });
});
