import { fromBinary } from '@bufbuild/protobuf';
import { EmploymentStatus, ResidentRegisteredSchema, Sex } from '@employment/contracts';
import { eventually, KafkaProbe, sleep } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import {
  DISTRICT_A,
  DISTRICT_B,
  dropDatabase,
  newCommunity,
  newNationalId,
  type RunningResidents,
  registration,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

describe('resident registration', () => {
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

  it('when a district registers a person, then the record is stored, masked, readable and announced exactly once', async () => {
    const body = registration({ nationalId: newNationalId({ birthDate: '1972-03-04', sex: 'female' }) });
    const created = await service.request('POST', '/v1/residents', { token, body });

    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/residents/${created.body.id}`);
    expect(created.body).toMatchObject({
      fullName: '王秀英',
      communityCode: body.communityCode,
      sex: 'female',
      birthDate: '1972-03-04',
      employmentStatus: 'unemployed',
      skills: ['电焊', 'forklift driving'],
      version: 1,
    });
    // 54 years old on the test date is not 4050; the number is shown only masked.
    expect(created.body.nationalIdMasked).toBe(
      `${body.nationalId.slice(0, 6)}********${body.nationalId.slice(14)}`,
    );
    expect(JSON.stringify(created.body)).not.toContain(body.nationalId);

    const read = await service.request('GET', `/v1/residents/${created.body.id}`, { token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const [record] = await probe.waitFor((r) => r.key === created.body.id);
    await sleep(1_500); // anything published twice would have arrived by now
    const all = probe
      .envelopes(config.RESIDENTS_EVENTS_TOPIC)
      .filter((e) => e.envelope.subject === created.body.id);
    expect(all).toHaveLength(1);
    const { envelope } = all[0]!;
    expect(envelope).toMatchObject({
      eventType: 'employment.residents.v1.ResidentRegistered',
      source: 'residents',
      communityCode: body.communityCode,
      schemaVersion: 1,
    });
    expect(record!.headers['event-id']).toBe(envelope.eventId);
    const event = fromBinary(ResidentRegisteredSchema, envelope.payload);
    expect(event).toMatchObject({
      residentId: created.body.id,
      communityCode: body.communityCode,
      sex: Sex.FEMALE,
      employmentStatus: EmploymentStatus.UNEMPLOYED,
      registeredBy: `district-${DISTRICT_A}`,
    });
    expect(event.birthDate).toMatchObject({ year: 1972, month: 3, day: 4 });
    // The event never carries the ID number.
    expect(Buffer.from(record!.value!).toString('latin1')).not.toContain(body.nationalId);
  });

  it('when a man of 52 registers, then he is counted as 4050 without declaring it', async () => {
    const res = await service.request('POST', '/v1/residents', {
      token,
      body: registration({
        nationalId: newNationalId({ birthDate: '1974-01-10', sex: 'male' }),
        hardshipCategories: ['disabled'],
      }),
    });
    expect(res.status).toBe(201);
    expect(res.body.hardshipCategories).toEqual(['4050', 'disabled']);
  });

  it('when the same person is registered again with the number spelt differently, then it is refused with 409', async () => {
    const nationalId = newNationalId();
    const first = await service.request('POST', '/v1/residents', {
      token,
      body: registration({ nationalId }),
    });
    expect(first.status).toBe(201);
    const respelt = `${nationalId.slice(0, 6)} ${nationalId.slice(6, 14)}-${nationalId.slice(14).toLowerCase()}`;
    const again = await service.request('POST', '/v1/residents', {
      token,
      body: registration({ nationalId: respelt }),
    });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body).toMatchObject({
      type: 'urn:employment:problem:duplicate',
      status: 409,
      residentId: first.body.id,
    });
  });

  it('when someone registers a person held in another area, then the answer is the same whichever area holds them, says no area, and the attempt is audited for the holder', async () => {
    const city = await auth.issuer.token({
      clientId: 'city-registry',
      roles: ['residents:read', 'residents:write', 'areas:write'],
      areas: ['*'],
    });
    // A third district, so the person can be held in two different areas other than B's.
    const districtC = '420104';
    for (const code of [districtC, `${districtC}001`, `${districtC}001001`]) {
      const node = await service.request('PUT', `/v1/areas/${code}`, {
        token: city,
        body: { name: `区域${code}` },
      });
      expect([200, 201]).toContain(node.status);
    }
    const inA = registration({ communityCode: newCommunity(DISTRICT_A) });
    const inC = registration({ communityCode: `${districtC}001001` });
    const heldInA = await service.request('POST', '/v1/residents', { token, body: inA });
    const heldInC = await service.request('POST', '/v1/residents', { token: city, body: inC });
    expect([heldInA.status, heldInC.status]).toEqual([201, 201]);

    const tokenB = await auth.token(DISTRICT_B);
    const communityB = newCommunity(DISTRICT_B);
    const tryA = await service.request('POST', '/v1/residents', {
      token: tokenB,
      body: { ...inA, communityCode: communityB },
    });
    const tryC = await service.request('POST', '/v1/residents', {
      token: tokenB,
      body: { ...inC, communityCode: communityB },
    });
    expect([tryA.status, tryC.status]).toEqual([409, 409]);
    const { instance: _a, ...answerA } = tryA.body;
    const { instance: _c, ...answerC } = tryC.body;
    expect(answerA).toEqual(answerC);
    expect(answerA).toEqual({
      type: 'urn:employment:problem:duplicate',
      title: expect.any(String),
      status: 409,
      detail: 'this person is already registered',
    });
    for (const [answer, held] of [
      [tryA.body, heldInA.body],
      [tryC.body, heldInC.body],
    ]) {
      const text = JSON.stringify(answer);
      expect(text).not.toContain(held.id);
      expect(text).not.toContain(held.communityCode.slice(0, 6));
    }
    // A lookup by B says nothing either; a batch row says what the single request says.
    const lookup = await service.request('POST', '/v1/residents/lookup', {
      token: tokenB,
      body: { nationalId: inA.nationalId },
    });
    expect(lookup.status).toBe(404);
    const batch = await service.request('POST', '/v1/residents/batch', {
      token: tokenB,
      body: { residents: [{ ...inA, communityCode: communityB }] },
    });
    expect(batch.body.results[0]).toEqual({
      index: 0,
      status: 'duplicate',
      problem: expect.objectContaining({ status: 409, detail: 'this person is already registered' }),
    });

    // The holder's district sees who tried, when, with which ID number (by its hash, never the number).
    const trail = await service.request('GET', `/v1/audit-log?subjectId=${heldInA.body.id}`, { token });
    const attempts = trail.body.items.filter(
      (e: { action: string }) => e.action === 'resident.registration-refused',
    );
    expect(attempts).toHaveLength(2); // the single request and the batch row
    expect(attempts[0]).toMatchObject({
      actor: `district-${DISTRICT_B}`,
      subjectType: 'resident',
      subjectId: heldInA.body.id,
      communityCode: inA.communityCode,
      after: { idHash: expect.stringMatching(/^.{20,}$/), requestedCommunityCode: communityB },
    });
    expect(new Date(attempts[0].at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(attempts[1].after.idHash).toBe(attempts[0].after.idHash);
    expect(JSON.stringify(attempts)).not.toContain(inA.nationalId);
    // B's own trail of the person: nothing to read (not in B's area).
    const seenByB = await service.request('GET', `/v1/audit-log?subjectId=${heldInA.body.id}`, {
      token: tokenB,
    });
    expect(seenByB.body.items).toEqual([]);
  });

  it('when a batch mixes good, bad, duplicate and foreign rows, then each row gets its own result and only good rows are stored', async () => {
    const community = newCommunity();
    const existing = await service.request('POST', '/v1/residents', {
      token,
      body: registration({ communityCode: community }),
    });
    const repeated = newNationalId();
    const rows = [
      registration({ communityCode: community }),
      registration({ communityCode: community, nationalId: '420102198001011234' }), // bad check digit
      registration({ communityCode: community, nationalId: repeated }),
      registration({ communityCode: community, nationalId: repeated }), // same person twice in the batch
      registration({ communityCode: newCommunity('420103') }), // another district
      { fullName: 'no id', communityCode: community, employmentStatus: 'unemployed' },
      registration({ communityCode: community, nationalId: `${existing.body.nationalIdMasked}` }), // masked: invalid
      registration({ communityCode: community }),
    ];
    const res = await service.request('POST', '/v1/residents/batch', { token, body: { residents: rows } });

    expect(res.status).toBe(200);
    expect(res.body.summary).toEqual({ received: 8, created: 3, duplicate: 1, invalid: 3, forbidden: 1 });
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'created',
      'invalid',
      'created',
      'duplicate',
      'forbidden',
      'invalid',
      'invalid',
      'created',
    ]);
    expect(res.body.results[1].problem.errors).toEqual([
      { in: 'body', pointer: '/nationalId', detail: 'fails the GB 11643 check digit' },
    ]);
    expect(res.body.results[5].problem.errors).toContainEqual({
      in: 'body',
      pointer: '/nationalId',
      detail: 'is required',
    });

    const page = await service.request('GET', `/v1/communities/${community}/residents?limit=10`, { token });
    expect(page.body.items).toHaveLength(4); // the one registered before + 3 created
    const createdIds = res.body.results
      .filter((r: { status: string }) => r.status === 'created')
      .map((r: { residentId: string }) => r.residentId);
    expect(page.body.items.map((p: { id: string }) => p.id).sort()).toEqual(
      [existing.body.id, ...createdIds].sort(),
    );
  });

  it('when a batch repeats a person registered earlier, then that row is a duplicate naming the record', async () => {
    const nationalId = newNationalId();
    const first = await service.request('POST', '/v1/residents', {
      token,
      body: registration({ nationalId }),
    });
    const res = await service.request('POST', '/v1/residents/batch', {
      token,
      body: { residents: [registration({ nationalId })] },
    });
    expect(res.body.results[0]).toMatchObject({ status: 'duplicate', residentId: first.body.id });
  });

  it('when a community is listed page by page, then every person appears once, in registration order', async () => {
    const community = newCommunity();
    const rows = Array.from({ length: 7 }, () => registration({ communityCode: community }));
    const batch = await service.request('POST', '/v1/residents/batch', { token, body: { residents: rows } });
    const expected = batch.body.results.map((r: { residentId: string }) => r.residentId);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await service.request('GET', `/v1/communities/${community}/residents?limit=3${query}`, {
        token,
      });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((p: { id: string }) => p.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...expected].sort());

    const filtered = await service.request(
      'GET',
      `/v1/communities/${community}/residents?employmentStatus=employed`,
      { token },
    );
    expect(filtered.body.items).toEqual([]);
  });

  it('when people are registered, then the community statistics count them from the events', async () => {
    const community = newCommunity();
    await service.request('POST', '/v1/residents/batch', {
      token,
      body: {
        residents: [
          registration({ communityCode: community }),
          registration({ communityCode: community }),
          registration({ communityCode: community, employmentStatus: 'employed' }),
        ],
      },
    });
    const stats = await eventually(
      async () => {
        const res = await service.request('GET', `/v1/communities/${community}/statistics`, { token });
        return res.body.registered === 3 ? res.body : undefined;
      },
      { what: 'statistics to count 3 people' },
    );
    expect(stats.byEmploymentStatus).toEqual({ unemployed: 2, employed: 1 });
  });

  it('when a write succeeds, then it is audited with who, what and the state after, without the ID number', async () => {
    const body = registration();
    const created = await service.request('POST', '/v1/residents', {
      token,
      body,
      headers: { 'x-request-id': 'audit-check-1' },
    });
    const trail = await service.runtime.store
      .collection('audit_log')
      .find({ subjectId: created.body.id })
      .toArray();
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({
      actor: `district-${DISTRICT_A}`,
      action: 'resident.registered',
      before: null,
      requestId: 'audit-check-1',
      after: expect.objectContaining({ fullName: body.fullName, communityCode: body.communityCode }),
    });
    expect(JSON.stringify(trail)).not.toContain(body.nationalId);

    await service.request('GET', `/v1/residents/${created.body.id}`, { token });
    const reads = await service.runtime.store
      .collection('audit_log')
      .countDocuments({ subjectId: created.body.id, action: 'resident.read' });
    expect(reads).toBe(1);
  });

  it('when the ID number is stored, then only its cipher and keyed hash are kept', async () => {
    const body = registration();
    const created = await service.request('POST', '/v1/residents', { token, body });
    const doc = await service.runtime.store
      .collection('residents')
      .findOne({ _id: created.body.id } as never);
    expect(JSON.stringify(doc)).not.toContain(body.nationalId);
    expect(doc?.idCipher).toMatch(/^k1:/);
    expect(doc?.idHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
