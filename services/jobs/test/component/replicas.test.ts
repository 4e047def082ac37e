import { eventually, testProducer } from '@employment/testing';
import type { Producer } from 'kafkajs';
import type { JobsConfig } from '../../src/config.ts';
import {
  cleanUp,
  community,
  DISTRICT_A,
  jobsTestConfig,
  newCreditCode,
  newStreet,
  publish,
  type RunningJobs,
  registered,
  startJobs,
  TestAuth,
} from '../support.ts';

describe('several replicas', () => {
  let auth: TestAuth;
  let config: JobsConfig;
  let replicas: RunningJobs[];
  let producer: Producer;
  let token: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = jobsTestConfig(auth, { KAFKA_TOPIC_PARTITIONS: '6' });
    replicas = [await startJobs(config), await startJobs(config)];
    producer = await testProducer();
    token = await auth.token(DISTRICT_A);
  });

  afterAll(async () => {
    await producer?.disconnect();
    for (const replica of replicas ?? []) await replica.runtime.stop();
    await auth?.stop();
    await cleanUp(config);
  });

  it('when each replica consumes only some partitions, then every replica matches against every candidate', async () => {
    const [one, two] = replicas as [RunningJobs, RunningJobs];
    const home = community(newStreet());
    const employer = await one.request('POST', '/v1/employers', {
      token,
      body: { creditCode: newCreditCode(), name: '汉阳焊接有限公司', communityCode: home },
    });
    expect(employer.status).toBe(201);
    const vacancy = await one.request('POST', '/v1/vacancies', {
      token,
      body: {
        employerId: employer.body.id,
        communityCode: home,
        title: '电焊工',
        occupation: '焊工',
        requiredSkills: ['welding'],
        wage: { min: 4000, max: 6000 },
        places: 2,
        closesOn: '2099-12-31',
      },
    });
    expect(vacancy.status).toBe(201);

    // Twelve people, keyed by their ids: spread over the topic's six partitions.
    const people = Array.from({ length: 12 }, (_, i) =>
      registered(config.RESIDENTS_EVENTS_TOPIC, {
        communityCode: home,
        skills: ['电焊'],
        fullName: `焊工${i}`,
      }),
    );
    await publish(
      producer,
      config.RESIDENTS_EVENTS_TOPIC,
      people.map((p) => p.event),
    );
    const everyone = people.map((p) => p.residentId).sort();
    for (const replica of [one, two]) {
      await eventually(
        async () => {
          const listed = await replica.request(
            'GET',
            `/v1/vacancies/${vacancy.body.id}/candidates?limit=50`,
            {
              token,
            },
          );
          const ids = (listed.body.items as Array<{ candidate: { residentId: string } }>)
            .map((m) => m.candidate.residentId)
            .sort();
          return JSON.stringify(ids) === JSON.stringify(everyone) || undefined;
        },
        { what: 'every candidate in the replica', timeoutMs: 20_000 },
      );
    }
  });
});
