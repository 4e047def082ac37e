import { ConfigError, createLogger, loadConfig, PiiProtector } from '@employment/core';
import { randomKeyBase64, testServiceEnv } from '@employment/testing';
import { type ResidentsConfig, residentsConfigSchema } from '../../src/config.ts';
import type { AuditEntry, ResidentDocument } from '../../src/data-access/models.ts';
import { reencryptNationalIds } from '../../src/domain/pii-rotation.ts';
import {
  DISTRICT_A,
  dropDatabase,
  newCommunity,
  newNationalId,
  type RunningResidents,
  registerPerson,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

describe('PII key rotation: national ID numbers resealed under a new encryption key', () => {
  let auth: TestAuth;
  let before: ResidentsConfig;
  let after: ResidentsConfig;
  let service: RunningResidents | undefined;
  let token: string;
  const logger = createLogger({ service: 'residents', level: 'silent' });

  beforeAll(async () => {
    auth = await TestAuth.start();
    before = residentsTestConfig(auth);
    token = await auth.token(DISTRICT_A);
  });

  afterAll(async () => {
    await service?.runtime.stop();
    await auth.stop();
    await dropDatabase(before);
  });

  const protectorOf = (config: ResidentsConfig) =>
    new PiiProtector({
      encryptionKeyBase64: config.PII_ENCRYPTION_KEY,
      keyVersion: config.PII_KEY_VERSION,
      previousKeys: config.PII_PREVIOUS_ENCRYPTION_KEYS,
      hashKeyBase64: config.PII_HASH_KEY,
    });

  it('when the service runs with a new current key and the old one as previous, then reencrypt-pii moves every number to the new key and nothing else changes', async () => {
    service = await startResidents(before);
    const community = newCommunity();
    const numbers = new Map<string, string>();
    for (let i = 0; i < 3; i++) {
      const nationalId = newNationalId();
      const person = await registerPerson(service, token, { communityCode: community, nationalId });
      numbers.set(person.id, nationalId);
    }
    await service.runtime.stop();

    // The rotation's deployment: a new key is current, the old one stays readable.
    after = residentsTestConfig(auth, {
      MONGODB_DATABASE: before.MONGODB_DATABASE!,
      RESIDENTS_EVENTS_TOPIC: before.RESIDENTS_EVENTS_TOPIC,
      JOBS_EVENTS_TOPIC: before.JOBS_EVENTS_TOPIC,
      CONSUMER_GROUP_PREFIX: before.CONSUMER_GROUP_PREFIX,
      PII_HASH_KEY: before.PII_HASH_KEY,
      PII_ENCRYPTION_KEY: randomKeyBase64(),
      PII_KEY_VERSION: 'k2',
      PII_PREVIOUS_ENCRYPTION_KEYS: `k1:${before.PII_ENCRYPTION_KEY}`,
    });
    service = await startResidents(after);
    const nationalId = newNationalId();
    const newcomer = await registerPerson(service, token, { communityCode: community, nationalId });
    numbers.set(newcomer.id, nationalId);

    const residents = service.runtime.store.collection<ResidentDocument>('residents');
    const stored = async () => {
      const rows = await residents.find({ communityCode: community }).toArray();
      return new Map(rows.map((r) => [r._id, r]));
    };
    const versions = async () => [...(await stored()).values()].map((r) => r.idCipher.split(':')[0]).sort();
    expect(await versions()).toEqual(['k1', 'k1', 'k1', 'k2']);
    const untouched = await stored();

    const pii = protectorOf(after);
    const audit = service.runtime.store.collection<AuditEntry>('audit_log');
    const report = await reencryptNationalIds({ residents, audit, pii, logger });
    expect(report).toMatchObject({ keyVersion: 'k2', resealed: 3, missed: 0, remaining: 0 });
    expect(report.examined).toBeGreaterThanOrEqual(4);
    expect(await versions()).toEqual(['k2', 'k2', 'k2', 'k2']);

    // The new key alone opens every number now, and each is the number registered.
    const newKeyOnly = new PiiProtector({
      encryptionKeyBase64: after.PII_ENCRYPTION_KEY,
      keyVersion: 'k2',
      hashKeyBase64: after.PII_HASH_KEY,
    });
    const now = await stored();
    for (const [id, number] of numbers) expect(newKeyOnly.decrypt(now.get(id)!.idCipher)).toBe(number);
    // Only the ciphertext changed: hash (so lookups), mask and version are as they were.
    for (const [id, row] of untouched) {
      const { idCipher: _before, ...rest } = row;
      const { idCipher: _after, ...restNow } = now.get(id)!;
      expect(restNow).toEqual(rest);
    }
    const [firstId, firstNumber] = [...numbers][0]!;
    const found = await service.request('POST', '/v1/residents/lookup', {
      token,
      body: { nationalId: firstNumber },
    });
    expect(found.status).toBe(200);
    expect(found.body.id).toBe(firstId);

    // Each resealed record says so in its audit trail; the one already under k2 does not.
    const trail = await service.request('GET', `/v1/audit-log?subjectId=${firstId}`, { token });
    expect(
      trail.body.items.find((e: { action: string }) => e.action === 'resident.id-resealed'),
    ).toMatchObject({
      actor: 'residents:pii-rotation',
      before: { idKeyVersion: 'k1' },
      after: { idKeyVersion: 'k2' },
    });
    const newcomerTrail = await service.request('GET', `/v1/audit-log?subjectId=${newcomer.id}`, { token });
    expect(newcomerTrail.body.items.map((e: { action: string }) => e.action)).not.toContain(
      'resident.id-resealed',
    );

    // A second run has nothing left to do.
    expect(await reencryptNationalIds({ residents, audit, pii, logger })).toMatchObject({
      resealed: 0,
      missed: 0,
      remaining: 0,
    });
  });

  it('when another writer changes a record while it is resealed, then the run leaves it, says so, and the next run reseals it', async () => {
    const running = service!;
    const residents = running.runtime.store.collection<ResidentDocument>('residents');
    const audit = running.runtime.store.collection<AuditEntry>('audit_log');
    const person = await registerPerson(running, token, { communityCode: newCommunity() });
    const old = protectorOf(before);
    const stored = await residents.findOne({ _id: person.id } as never);
    const number = protectorOf(after).decrypt(stored!.idCipher);
    // As if a replica still on the old key had written it.
    await residents.updateOne({ _id: person.id } as never, { $set: { idCipher: old.encrypt(number) } });
    // The first reseal of the run meets a concurrent write of the same record.
    let interfered = false;
    const racing = new Proxy(residents, {
      get(target, key, receiver) {
        if (key !== 'updateOne') return Reflect.get(target, key, receiver);
        return async (...args: Parameters<typeof target.updateOne>) => {
          if (!interfered) {
            interfered = true;
            await target.updateOne({ _id: person.id } as never, { $set: { idCipher: old.encrypt(number) } });
          }
          return target.updateOne(...args);
        };
      },
    });
    const pii = protectorOf(after);
    expect(await reencryptNationalIds({ residents: racing, audit, pii, logger })).toMatchObject({
      resealed: 0,
      missed: 1,
      remaining: 1,
    });
    expect(interfered).toBe(true);
    expect((await residents.findOne({ _id: person.id } as never))!.idCipher.startsWith('k1:')).toBe(true);
    expect(await reencryptNationalIds({ residents, audit, pii, logger })).toMatchObject({
      resealed: 1,
      missed: 0,
      remaining: 0,
    });
    expect(pii.decrypt((await residents.findOne({ _id: person.id } as never))!.idCipher)).toBe(number);
  });

  it('when the previous keys are malformed, then the configuration is refused without showing them', () => {
    const env = (value: string) =>
      testServiceEnv({
        AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks',
        PII_ENCRYPTION_KEY: randomKeyBase64(),
        PII_HASH_KEY: randomKeyBase64(),
        PII_PREVIOUS_ENCRYPTION_KEYS: value,
      });
    const problem = (value: string) => {
      try {
        loadConfig(residentsConfigSchema, env(value));
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).message;
      }
      throw new Error('the configuration was accepted');
    };
    const short = randomKeyBase64().slice(0, 20);
    expect(problem(`k1:${short}`)).toContain('the key of version k1 must be 32 bytes');
    expect(problem(`k1:${short}`)).not.toContain(short);
    expect(problem('no-version-here')).toContain('version:base64 entries');
    expect(
      loadConfig(residentsConfigSchema, env(`k1:${randomKeyBase64()}, k0:${randomKeyBase64()}`)),
    ).toMatchObject({ PII_PREVIOUS_ENCRYPTION_KEYS: { k1: expect.any(String), k0: expect.any(String) } });
  });
});
