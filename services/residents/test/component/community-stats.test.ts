import { EmploymentStatus, ResidentRegisteredSchema } from '@employment/contracts';
import { createLogger } from '@employment/core';
import { buildEvent, decodeEnvelope, type EventContext } from '@employment/messaging';
import mongoose, { type Connection } from 'mongoose';
import type { ResidentsConfig } from '../../src/config.ts';
import { ResidentsRepository } from '../../src/data-access/residents-repository.ts';
import { communityStatsConsumer } from '../../src/entry-points/messaging/community-stats.ts';
import { dropDatabase, newCommunity, residentsTestConfig, TestAuth } from '../support.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('community counters', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let store: Connection;
  const topic = 'employment.residents.v1';

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth);
    store = await mongoose
      .createConnection(config.MONGODB_URL, { dbName: config.MONGODB_DATABASE })
      .asPromise();
  });

  afterAll(async () => {
    await store?.close();
    await auth?.stop();
    await dropDatabase(config);
  });

  const registration = (communityCode: string, offset: number, partition = 0): EventContext => {
    const residentId = crypto.randomUUID();
    const event = buildEvent('residents', {
      topic,
      subject: residentId,
      communityCode,
      schema: ResidentRegisteredSchema,
      payload: { residentId, communityCode, fullName: '测试', employmentStatus: EmploymentStatus.UNEMPLOYED },
    });
    return { envelope: decodeEnvelope(event.value), topic, partition, offset: String(offset), logger };
  };
  const counted = async (community: string) =>
    (await new ResidentsRepository(store).communityStats(community))?.registered;

  it('when events at offsets already counted are handled again, one by one or as a run, then nothing is counted twice', async () => {
    const definition = communityStatsConsumer(store, { topic, groupId: 'stats-test' });
    const handle = definition.handlers[ResidentRegisteredSchema.typeName]!;
    const handleRun = definition.batchHandlers![ResidentRegisteredSchema.typeName]!;
    const a = newCommunity();
    const b = newCommunity();
    const run = [registration(a, 10), registration(b, 11), registration(a, 12), registration(a, 13)];

    await handleRun(run);
    expect([await counted(a), await counted(b)]).toEqual([3, 1]);
    // The run handled again (a redelivery after a crash before its completion was recorded) ...
    await handleRun(run);
    // ... or its events one by one (a run that failed half way is retried like this).
    for (const ctx of run) await handle(ctx);
    expect([await counted(a), await counted(b)]).toEqual([3, 1]);

    // Later offsets count, and so does the same offset of another partition.
    await handle(registration(a, 14));
    await handle(registration(a, 12, 3));
    expect(await counted(a)).toBe(5);
  });
});
