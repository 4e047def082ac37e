import { randomUUID } from 'node:crypto';
import { EmploymentStatus, ResidentRegisteredSchema, Sex, WorkCapacity } from '@employment/contracts';
import { loadConfig } from '@employment/core';
import type { StartOptions } from '@employment/kit';
import { type OutboxEvent, buildEvent, deadLetterTopic } from '@employment/messaging';
import {
  dropDatabase,
  type RunningService,
  startTestService,
  type TestAuth,
  testKafka,
  testServiceEnv,
  uniqueName,
} from '@employment/testing';
import { type __Pascal__Config, __camel__ConfigSchema, ROLES } from '../src/config.ts';
import { __camel__Service } from '../src/service.ts';

export { TestAuth } from '@employment/testing';

/** A district no other service's tests use, and its communities. */
export const DISTRICT = '420117';
export const OTHER_DISTRICT = '420115';
export const community = (district = DISTRICT, street = 1, n = 1) =>
  `${district}${String(street).padStart(3, '0')}${String(n).padStart(3, '0')}`;

export const BOTH_ROLES = [ROLES.read, ROLES.write];

/** A configuration of its own: database, topics and consumer group, so test files never meet. */
export function testConfig(auth: TestAuth, env: Record<string, string> = {}): __Pascal__Config {
  return loadConfig(
    __camel__ConfigSchema,
    testServiceEnv({
      AUTH_JWKS_URL: auth.jwksUrl,
      MONGODB_DATABASE: uniqueName('__snake___test'),
      EVENTS_TOPIC: `test.__name__.${uniqueName('events')}`,
      RESIDENTS_EVENTS_TOPIC: `test.residents.${uniqueName('__name__')}`,
      PEOPLE_CONSUMER_GROUP: uniqueName('__name__-people-test'),
      ...env,
    }),
  );
}

export type Running__Pascal__ = RunningService<__Pascal__Config>;

export function start__Pascal__(config: __Pascal__Config, options: StartOptions = {}): Promise<Running__Pascal__> {
  return startTestService(__camel__Service(config), options);
}

/** Drops the test database and deletes the topics and the group made for this configuration. */
export async function cleanUp(config: __Pascal__Config): Promise<void> {
  await dropDatabase(config);
  const admin = testKafka('cleanup').admin();
  await admin.connect();
  await admin
    .deleteTopics({
      topics: [config.EVENTS_TOPIC, config.RESIDENTS_EVENTS_TOPIC, deadLetterTopic(config.PEOPLE_CONSUMER_GROUP)],
    })
    .catch(() => undefined);
  await admin.deleteGroups([config.PEOPLE_CONSUMER_GROUP]).catch(() => undefined);
  await admin.disconnect();
}

/** A ResidentRegistered as the residents service publishes it. */
export function residentRegistered(
  topic: string,
  spec: { communityCode: string; status?: EmploymentStatus; residentId?: string },
): { residentId: string; event: OutboxEvent } {
  const residentId = spec.residentId ?? randomUUID();
  const event = buildEvent('residents', {
    topic,
    subject: residentId,
    communityCode: spec.communityCode,
    schema: ResidentRegisteredSchema,
    payload: {
      residentId,
      communityCode: spec.communityCode,
      fullName: '张伟',
      sex: Sex.MALE,
      birthDate: { year: 1975, month: 11, day: 2 },
      employmentStatus: spec.status ?? EmploymentStatus.UNEMPLOYED,
      workCapacity: WorkCapacity.FULL,
      registeredBy: 'district-test',
    },
  });
  return { residentId, event };
}

export { EmploymentStatus };
