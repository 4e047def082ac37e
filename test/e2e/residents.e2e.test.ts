import { fromBinary } from '@bufbuild/protobuf';
import { ResidentRegisteredSchema, Topics } from '@employment/contracts';
import { LocalIssuer } from '@employment/http';
import { createNationalIdGenerator } from '@employment/identifiers';
import {
  eventually,
  KafkaProbe,
  randomKeyBase64,
  ServiceProcess,
  testInfraPart,
  testPort,
  testServiceEnv,
  uniqueName,
} from '@employment/testing';
import { wuhanAreaRows } from '../../services/residents/src/cli/city-model.ts';

/** Registration needs known communities: one district of the city, 10 streets of 8 communities. */
async function seedAreaTree(url: string, issuer: LocalIssuer): Promise<void> {
  const token = await issuer.token({ clientId: 'area-seeder', roles: ['areas:write'], areas: ['4201'] });
  const res = await fetch(`${url}/v1/areas/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      areas: wuhanAreaRows({ districts: ['420102'], streetsPerDistrict: 10, communitiesPerStreet: 8 }),
    }),
  });
  if (res.status !== 200) throw new Error(`seeding the area tree: HTTP ${res.status} ${await res.text()}`);
}

describe('residents, end to end through Kafka', () => {
  let issuer: LocalIssuer;
  let jwks: { server: import('node:http').Server; jwksUrl: string };
  let service: ServiceProcess;
  let probe: KafkaProbe;
  let probeStopped = false;
  const ids = createNationalIdGenerator(Date.now() % 1_000_000);

  beforeAll(async () => {
    issuer = await LocalIssuer.create();
    jwks = await issuer.serve();
    probe = await KafkaProbe.start([Topics.residents]);
    service = new ServiceProcess(
      'residents',
      testServiceEnv({
        MONGODB_DATABASE: uniqueName('residents_e2e'),
        AUTH_JWKS_URL: jwks.jwksUrl,
        PII_ENCRYPTION_KEY: randomKeyBase64(),
        PII_HASH_KEY: randomKeyBase64(),
        OUTBOX_SWEEP_INTERVAL_MS: '2000',
      }),
      testPort(),
    );
    await service.ready();
    await seedAreaTree(service.url, issuer);
  });

  afterAll(async () => {
    await service?.stop();
    if (!probeStopped) await probe?.stop();
    await new Promise((resolve) => jwks.server.close(resolve));
  });

  const register = async (token: string, community: string) => {
    const res = await fetch(`${service.url}/v1/residents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        nationalId: ids.next({ regionCode: '420102', birthDate: '1979-09-09' }),
        fullName: '刘建国',
        communityCode: community,
        employmentStatus: 'laid-off',
        skills: ['钳工'],
      }),
    });
    return { status: res.status, body: (await res.json()) as { id: string } };
  };

  it('when a district registers a person over HTTP, then its event can be read from Kafka and decoded with the contracts', async () => {
    const token = await issuer.token({
      clientId: 'district-420102',
      roles: ['residents:write'],
      areas: ['420102'],
    });
    const created = await register(token, '420102001001');
    expect(created.status).toBe(201);

    const [record] = await probe.waitFor((r) => r.key === created.body.id);
    const { envelope } = probe.envelopes(Topics.residents).find((e) => e.record === record)!;
    const event = fromBinary(ResidentRegisteredSchema, envelope.payload);
    expect(event.residentId).toBe(created.body.id);
    expect(event.communityCode).toBe('420102001001');
    expect(event.skills).toEqual(['钳工']);
    expect(record!.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });

  it('when the broker restarts while people register, then every registration is published and counted once', async () => {
    const token = await issuer.token({
      clientId: 'district-420102',
      roles: ['residents:write', 'residents:read'],
      areas: ['420102'],
    });
    const community = `420102${String(Math.floor(Math.random() * 10) + 1).padStart(3, '0')}007`;
    // Readers connected through the outage would crash and restart on their own; this one has
    // done its work, and a fresh reader checks the topic afterwards.
    await probe.stop();
    probeStopped = true;
    await testInfraPart('stop', 'kafka');
    const accepted: string[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const res = await register(token, community);
        expect(res.status).toBe(201); // the registry keeps working without the broker
        accepted.push(res.body.id);
      }
      // Readiness reports the broker's absence within a health-check interval or two.
      await eventually(
        async () => {
          const ready = (await (await fetch(`${service.url}/readyz`)).json()) as {
            checks: Record<string, string>;
          };
          return /^failing/.test(ready.checks.kafka ?? '');
        },
        { what: 'readiness to report the broker missing' },
      );
    } finally {
      await testInfraPart('start', 'kafka');
    }
    // A reader that joins after the restart and reads the topic from its start.
    const after = await KafkaProbe.start([Topics.residents], { fromBeginning: true });
    try {
      await after.waitFor((r) => accepted.includes(r.key ?? ''), accepted.length, 60_000);
    } finally {
      await after.stop();
    }
    const published = new Set(
      after.records.map((r) => r.key).filter((k): k is string => accepted.includes(k ?? '')),
    );
    expect(published.size).toBe(accepted.length);

    const stats = await eventually(
      async () => {
        const res = await fetch(`${service.url}/v1/communities/${community}/statistics`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await res.json()) as { registered: number };
        return body.registered === accepted.length ? body : undefined;
      },
      { timeoutMs: 60_000, what: 'every registration to be counted' },
    );
    expect(stats.registered).toBe(20);
  });

  it('when the process gets SIGTERM while it is starting, then it stops once started and exits 0', async () => {
    const starting = new ServiceProcess(
      'residents',
      testServiceEnv({
        MONGODB_DATABASE: uniqueName('residents_e2e_start'),
        AUTH_JWKS_URL: jwks.jwksUrl,
        PII_ENCRYPTION_KEY: randomKeyBase64(),
        PII_HASH_KEY: randomKeyBase64(),
      }),
      testPort(),
    );
    // The area tree is loaded before the relay, the consumers and the HTTP server start.
    await starting.untilOutput('area tree loaded');
    expect(starting.output.join('')).not.toContain('residents started');
    const code = await starting.stop();
    expect(code).toBe(0);
    const output = starting.output.join('');
    expect(output).toContain('residents started');
    expect(output.indexOf('residents stopped')).toBeGreaterThan(output.indexOf('residents started'));
  });

  it('when the process gets SIGTERM, then it drains and exits 0', async () => {
    const code = await service.stop();
    expect(code).toBe(0);
    expect(service.output.join('')).toContain('residents stopped');
  });
});
