import {
  HouseholdRegisteredSchema,
  ResidentProfileChangedSchema,
  ResidentRegisteredSchema,
} from '@employment/contracts';
import { PiiProtector } from '@employment/core';
import { requestStamp } from '@employment/http';
import { eventually, KafkaProbe } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import { type Actor, requestScopedId } from '../../src/domain/changes.ts';
import { checkRegistration, type RegistrationInput } from '../../src/domain/registration.ts';
import type { HouseholdRelation } from '../../src/domain/vocabulary.ts';
import { ResidentsApp } from '../../src/service.ts';
import {
  DISTRICT_A,
  dropDatabase,
  eventsOf,
  newCommunity,
  newNationalId,
  type RunningResidents,
  registration,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

/**
 * A keyed request retried after the process died during its first attempt (its Redis lock then
 * expires and the retry runs anew) answers what a successful first attempt answers. The first
 * attempt's death is played here by committing, through the domain of a second app on the same
 * store, what that attempt had stored before it died, under the same request stamp.
 */
describe('retries: a keyed request retried after a crash answers as its first attempt would', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let probe: KafkaProbe;
  let token: string;
  /** The domain of the process that died, on the same store. */
  let crashed: ResidentsApp;
  const clientId = `district-${DISTRICT_A}`;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth);
    service = await startResidents(config);
    probe = await KafkaProbe.start([config.RESIDENTS_EVENTS_TOPIC]);
    token = await auth.token(DISTRICT_A);
    crashed = new ResidentsApp(
      service.runtime,
      new PiiProtector({
        encryptionKeyBase64: config.PII_ENCRYPTION_KEY,
        keyVersion: config.PII_KEY_VERSION,
        previousKeys: config.PII_PREVIOUS_ENCRYPTION_KEYS,
        hashKeyBase64: config.PII_HASH_KEY,
      }),
      {},
    );
  });

  afterAll(async () => {
    await probe.stop();
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  /** The first attempt's caller: the same client, and the stamp the HTTP layer gives the request. */
  const attemptOf = (path: string, key: string): Actor => ({
    principal: {
      clientId,
      subject: clientId,
      roles: new Set(['residents:read', 'residents:write']),
      areas: [DISTRICT_A],
    },
    requestId: 'the-attempt-that-died',
    requestStamp: requestStamp(clientId, 'POST', path, key),
  });
  const keyed = (key: string) => ({ 'idempotency-key': key });
  const topic = () => config.RESIDENTS_EVENTS_TOPIC;
  const outboxEmpty = () =>
    eventually(async () => (await service.runtime.store.collection('outbox').countDocuments()) === 0, {
      what: 'the outbox to be published',
    });
  /**
   * Every event about these people and households, once a marker of each (a profile change, a
   * survey: same key, so same partition, published after anything before it) has arrived.
   */
  async function eventsAbout(subjects: string[], households: string[] = []) {
    await outboxEmpty();
    for (const id of households) {
      const survey = await service.request('POST', `/v1/households/${id}/surveys`, {
        token,
        body: { visitedAt: new Date().toISOString(), visitedBy: { name: '王芳' }, outcome: 'completed' },
      });
      expect(survey.status).toBe(201);
    }
    for (const id of households) {
      await probe.waitFor((r) => r.key === id && String(r.headers['event-type']).endsWith('SurveyRecorded'));
    }
    for (const id of subjects) {
      const person = await service.request('GET', `/v1/residents/${id}`, { token });
      const marked = await service.request('PATCH', `/v1/residents/${id}`, {
        token,
        body: { version: person.body.version, phone: '13900000000' },
      });
      expect(marked.status).toBe(200);
    }
    await eventually(
      () =>
        subjects.every((id) =>
          eventsOf(probe, topic(), ResidentProfileChangedSchema, id).some((e) =>
            e.payload.changedFields.includes('phone'),
          ),
        ),
      { what: 'the markers' },
    );
    return (type: typeof ResidentRegisteredSchema | typeof HouseholdRegisteredSchema, id: string) =>
      eventsOf(probe, topic(), type, id);
  }

  it('when a batch of registrations is retried after its first attempt stored part of it, then every row is created, once', async () => {
    const community = newCommunity();
    const rows = Array.from({ length: 4 }, () => registration({ communityCode: community }));
    const key = `retry-batch-${Date.now()}`;
    const first = await crashed.registry.registerBatch(
      attemptOf('/v1/residents/batch', key),
      rows.slice(0, 2),
    );
    const stored = first.results.map((r) => (r as { residentId: string }).residentId);
    expect(stored).toHaveLength(2);

    const retry = await service.request('POST', '/v1/residents/batch', {
      token,
      headers: keyed(key),
      body: { residents: rows },
    });
    expect(retry.status).toBe(200);
    expect(retry.body.summary).toEqual({ received: 4, created: 4, duplicate: 0, invalid: 0, forbidden: 0 });
    expect(retry.body.results.map((r: { status: string }) => r.status)).toEqual([
      'created',
      'created',
      'created',
      'created',
    ]);
    const ids = retry.body.results.map((r: { residentId: string }) => r.residentId);
    expect(ids.slice(0, 2)).toEqual(stored);

    const page = await service.request('GET', `/v1/communities/${community}/residents`, { token });
    expect(page.body.items.map((p: { id: string }) => p.id).sort()).toEqual([...ids].sort());
    const events = await eventsAbout(ids);
    for (const id of ids) expect(events(ResidentRegisteredSchema, id)).toHaveLength(1);

    // The same rows under another key are a new request: those people are registered already.
    const other = await service.request('POST', '/v1/residents/batch', {
      token,
      headers: keyed(`${key}-other`),
      body: { residents: rows.slice(0, 1) },
    });
    expect(other.body.results[0]).toMatchObject({ status: 'duplicate', residentId: ids[0] });
  });

  it('when a household import is retried after its first attempt died between a household’s people and the household, then every row and member is created, once', async () => {
    const community = newCommunity();
    const member = (relation: HouseholdRelation, employmentStatus = 'unemployed', birthDate?: string) => {
      const { communityCode: _c, ...row } = registration({
        employmentStatus,
        ...(birthDate ? { birthDate, nationalId: newNationalId({ birthDate }) } : {}),
      });
      return { ...row, relation };
    };
    // No ids of the file's: the request chooses them, the same on every attempt.
    const rows = [
      { communityCode: community, members: [member('head'), member('spouse')] },
      {
        communityCode: community,
        members: [member('head', 'employed'), member('child', 'student', '2012-02-02')],
      },
      { communityCode: community, members: [member('head')] },
    ];
    const key = `retry-households-${Date.now()}`;
    const attempt = attemptOf('/v1/households/batch', key);
    // The first attempt stored household 0 whole, and household 1's people, then died.
    const first = await crashed.households.registerBatch(attempt, rows.slice(0, 1));
    expect(first.results[0]!.status).toBe('created');
    const secondId = requestScopedId(attempt, 'household', 1);
    const people = rows[1]!.members.map(({ relation, ...person }) => {
      const checked = checkRegistration(
        {
          ...(person as Omit<RegistrationInput, 'communityCode'>),
          communityCode: community,
          householdId: secondId,
          householdRelation: relation,
        },
        new Date(),
      );
      if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
      return crashed.registry.prepare(attempt, checked.registration);
    });
    await service.runtime.writer.commit(people.map((p) => p.change));

    const retry = await service.request('POST', '/v1/households/batch', {
      token,
      headers: keyed(key),
      body: { households: rows },
    });
    expect(retry.status).toBe(200);
    expect(retry.body.summary).toEqual({
      received: 3,
      created: 3,
      duplicate: 0,
      conflict: 0,
      invalid: 0,
      forbidden: 0,
      people: { created: 5, linked: 0, duplicate: 0, invalid: 0 },
    });
    const [h0, h1, h2] = retry.body.results;
    expect(h0.householdId).toBe(first.results[0]!.householdId);
    expect(h1.householdId).toBe(secondId);
    expect(h0.members.map((m: { residentId: string }) => m.residentId)).toEqual(
      (first.results[0] as { members: Array<{ residentId: string }> }).members.map((m) => m.residentId),
    );
    expect(h1.members.map((m: { residentId: string }) => m.residentId)).toEqual(
      people.map((p) => p.resident._id),
    );

    const households = await service.request('GET', `/v1/communities/${community}/households`, { token });
    expect(households.body.items.map((h: { id: string }) => h.id).sort()).toEqual(
      [h0.householdId, h1.householdId, h2.householdId].sort(),
    );
    const second = await service.request('GET', `/v1/households/${secondId}`, { token });
    expect(second.body).toMatchObject({ zeroEmployment: false, version: 1 });
    expect(second.body.members.map((m: { residentId: string }) => m.residentId)).toEqual(
      people.map((p) => p.resident._id),
    );
    const residents = await service.request('GET', `/v1/communities/${community}/residents`, { token });
    expect(residents.body.items).toHaveLength(5);

    const ids = retry.body.results.flatMap((r: { members: Array<{ residentId: string }> }) =>
      r.members.map((m) => m.residentId),
    );
    const householdIds = [h0.householdId, h1.householdId, h2.householdId];
    const events = await eventsAbout(ids, householdIds);
    for (const id of ids) expect(events(ResidentRegisteredSchema, id)).toHaveLength(1);
    for (const id of householdIds) expect(events(HouseholdRegisteredSchema, id)).toHaveLength(1);
  });

  it('when a single registration is retried after its first attempt stored the person, then it answers 201 with that person', async () => {
    const body = registration();
    const key = `retry-one-${Date.now()}`;
    const first = await crashed.registry.registerOne(attemptOf('/v1/residents', key), body as never);

    const retry = await service.request('POST', '/v1/residents', { token, headers: keyed(key), body });
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ id: first.id, version: 1 });
    const events = await eventsAbout([first.id]);
    expect(events(ResidentRegisteredSchema, first.id)).toHaveLength(1);

    const again = await service.request('POST', '/v1/residents', {
      token,
      headers: keyed(`${key}-other`),
      body,
    });
    expect(again.status).toBe(409);
  });

  it('when a household is retried after its first attempt created it without members, then it answers 201 with the household and its members, and there is one household', async () => {
    const community = newCommunity();
    const head = await service.request('POST', '/v1/residents', {
      token,
      body: registration({ communityCode: community }),
    });
    const body = { communityCode: community, members: [{ residentId: head.body.id, relation: 'head' }] };
    const key = `retry-household-${Date.now()}`;
    // The first attempt created the household and died before its members joined.
    const first = await crashed.households.create(attemptOf('/v1/households', key), {
      communityCode: community,
    });

    const retry = await service.request('POST', '/v1/households', { token, headers: keyed(key), body });
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ id: first._id, zeroEmployment: true });
    expect(retry.body.members.map((m: { residentId: string }) => m.residentId)).toEqual([head.body.id]);
    const listed = await service.request('GET', `/v1/communities/${community}/households`, { token });
    expect(listed.body.items.map((h: { id: string }) => h.id)).toEqual([first._id]);
    const events = await eventsAbout([], [first._id]);
    expect(events(HouseholdRegisteredSchema, first._id)).toHaveLength(1);
  });

  it('when a status change is retried after its first attempt recorded it, then it answers 200 with the person, not 409 for the version it moved', async () => {
    const person = await service.request('POST', '/v1/residents', { token, body: registration() });
    const path = `/v1/residents/${person.body.id}/employment-status`;
    const body = { status: 'employed', version: 1 };
    const key = `retry-status-${Date.now()}`;
    const first = await crashed.people.changeStatus(attemptOf(path, key), person.body.id, body as never);
    expect(first).toMatchObject({ employmentStatus: 'employed', version: 2 });

    const retry = await service.request('POST', path, { token, headers: keyed(key), body });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ employmentStatus: 'employed', version: 2 });
    const history = await service.request('GET', `/v1/residents/${person.body.id}/employment-history`, {
      token,
    });
    expect(history.body.periods.map((p: { status: string }) => p.status)).toEqual(['unemployed', 'employed']);
    // Another request with the stale version is still refused.
    const stale = await service.request('POST', path, {
      token,
      headers: keyed(`${key}-other`),
      body: { status: 'unemployed', version: 1 },
    });
    expect(stale.status).toBe(409);
  });

  it('when a certificate application is retried after its first attempt stored it, then it answers 201 with that application', async () => {
    const person = await service.request('POST', '/v1/residents', { token, body: registration() });
    const key = `retry-certificate-${Date.now()}`;
    const body = { residentId: person.body.id };
    const first = await crashed.certificates.apply(attemptOf('/v1/certificates', key), body);

    const retry = await service.request('POST', '/v1/certificates', { token, headers: keyed(key), body });
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ id: first._id, state: 'applied' });
    const again = await service.request('POST', '/v1/certificates', {
      token,
      headers: keyed(`${key}-other`),
      body,
    });
    expect(again.status).toBe(409);
  });
});
