import { __Pascal__ApplicationFiledSchema } from '@employment/contracts';
import { eventsOf, eventually, KafkaProbe, publishEvents, testProducer } from '@employment/testing';
import type { Producer } from 'kafkajs';
import type { __Pascal__Config } from '../../src/config.ts';
import {
  BOTH_ROLES,
  cleanUp,
  community,
  DISTRICT,
  EmploymentStatus,
  OTHER_DISTRICT,
  residentRegistered,
  type Running__Pascal__,
  start__Pascal__,
  TestAuth,
  testConfig,
} from '../support.ts';

describe('applications', () => {
  let auth: TestAuth;
  let config: __Pascal__Config;
  let service: Running__Pascal__;
  let producer: Producer;
  let probe: KafkaProbe;
  let token: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = testConfig(auth);
    service = await start__Pascal__(config);
    producer = await testProducer();
    probe = await KafkaProbe.start([config.EVENTS_TOPIC]);
    token = await auth.token(DISTRICT, BOTH_ROLES);
  });

  afterAll(async () => {
    await probe?.stop();
    await producer?.disconnect();
    await service?.runtime.stop();
    await auth.stop();
    await cleanUp(config);
  });

  /** A person registered in residents, once the consumer has fed them into the people read model. */
  async function knownPerson(communityCode = community(), status?: EmploymentStatus): Promise<string> {
    const { residentId, event } = residentRegistered(config.RESIDENTS_EVENTS_TOPIC, {
      communityCode,
      ...(status ? { status } : {}),
    });
    await publishEvents(producer, config.RESIDENTS_EVENTS_TOPIC, [event]);
    const people = service.runtime.store.collection('read_people');
    await eventually(() => people.findOne({ _id: residentId } as never).then((p) => p ?? undefined), {
      what: 'the consumer to feed the person in',
      timeoutMs: 30_000,
    });
    return residentId;
  }

  const file = (body: unknown, headers: Record<string, string> = {}, bearer = token) =>
    service.request('POST', '/v1/applications', { token: bearer, body, headers });

  it('when a person residents registered applies, then the application is stored, audited and published', async () => {
    const personId = await knownPerson();
    const res = await file({ personId, note: 'wants a job near home' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      personId,
      communityCode: community(),
      note: 'wants a job near home',
      status: 'filed',
      filedBy: `district-${DISTRICT}`,
    });
    expect(res.headers.get('location')).toBe(`/v1/applications/${res.body.id}`);
    expect((await service.request('GET', res.headers.get('location')!, { token })).body).toEqual(res.body);

    const [published] = await eventually(() => {
      const found = eventsOf(probe, config.EVENTS_TOPIC, __Pascal__ApplicationFiledSchema, res.body.id);
      return found.length > 0 ? found : undefined;
    });
    expect(published!.envelope).toMatchObject({ source: '__name__', communityCode: community() });
    expect(published!.payload).toMatchObject({ applicationId: res.body.id, personId, note: 'wants a job near home' });

    const audit = await service.request('GET', `/v1/audit-log?subjectId=${res.body.id}`, { token });
    expect(audit.status).toBe(200);
    expect(audit.body.items).toEqual([
      expect.objectContaining({ action: 'application.filed', actor: `district-${DISTRICT}`, before: null }),
    ]);
  });

  it('when the same request is sent again with its Idempotency-Key, then the first answer comes back and nothing more is stored', async () => {
    const personId = await knownPerson();
    const headers = { 'idempotency-key': `apply-${personId}` };
    const first = await file({ personId }, headers);
    const again = await file({ personId }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    // Without the key, a second application for the person is refused by the unique index.
    const second = await file({ personId });
    expect(second.status).toBe(409);
    expect(await service.runtime.store.collection('applications').countDocuments({ personId } as never)).toBe(1);
  });

  it('when a caller of another district reads or writes, then it sees nothing and may change nothing', async () => {
    const personId = await knownPerson();
    const filed = await file({ personId });
    const other = await auth.token(OTHER_DISTRICT, BOTH_ROLES);
    expect((await service.request('GET', `/v1/applications/${filed.body.id}`, { token: other })).status).toBe(404);
    const list = await service.request('GET', '/v1/applications', { token: other });
    expect(list.body.items.map((a: { id: string }) => a.id)).not.toContain(filed.body.id);
    expect((await service.request('GET', `/v1/audit-log?subjectId=${filed.body.id}`, { token: other })).body.items).toEqual(
      [],
    );
    // A person of another area is answered as one that does not exist.
    const outsider = await knownPerson(community(DISTRICT, 2));
    const foreign = await file({ personId: outsider }, {}, other);
    const absent = await file({ personId: '0192a3b4-0000-7000-8000-00000000abcd' }, {}, other);
    expect(foreign.status).toBe(404);
    expect({ ...foreign.body, instance: undefined }).toEqual({ ...absent.body, instance: undefined });

    const mine = await service.request('GET', `/v1/applications?area=${DISTRICT}&limit=1`, { token });
    expect(mine.status).toBe(200);
    expect(mine.body.items).toHaveLength(1);
    expect(mine.body.nextCursor).toEqual(expect.any(String));
  });

  it('when the request is malformed, names an unknown person or a person the rules refuse, then nothing is stored', async () => {
    const invalid = await file({ personId: 'not-a-uuid', extra: 1 });
    expect(invalid.status).toBe(400);
    const pointers = new Set(invalid.body.errors.map((e: { pointer: string }) => e.pointer));
    expect([...pointers].sort()).toEqual(['/extra', '/personId']);
    const unknown = await file({ personId: '0192a3b4-0000-7000-8000-000000000000' });
    expect(unknown.status).toBe(404);
    const employed = await knownPerson(community(), EmploymentStatus.EMPLOYED);
    const refused = await file({ personId: employed });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toBe('a person who is employed cannot apply');
    expect(
      await service.runtime.store.collection('applications').countDocuments({ personId: employed } as never),
    ).toBe(0);
    expect((await file({ personId: employed }, {}, await auth.token(DISTRICT, ['__name__:read']))).status).toBe(403);
  });
});
