import { AreaChangedSchema, AreaDefinedSchema, AreaLevel } from '@employment/contracts';
import { eventually, KafkaProbe } from '@employment/testing';
import type { ResidentsConfig } from '../../src/config.ts';
import {
  DISTRICT_A,
  DISTRICT_B,
  dropDatabase,
  eventsOf,
  type RunningResidents,
  registration,
  residentsTestConfig,
  startResidents,
  TestAuth,
} from '../support.ts';

describe('the administrative tree (市 → 区 → 街道 → 社区 → 楼院)', () => {
  let auth: TestAuth;
  let config: ResidentsConfig;
  let service: RunningResidents;
  let probe: KafkaProbe;
  let cityAdmin: string;
  let districtAdmin: string;

  beforeAll(async () => {
    auth = await TestAuth.start();
    config = residentsTestConfig(auth, { AREA_CACHE_REFRESH_MS: '200' });
    probe = await KafkaProbe.start([config.RESIDENTS_EVENTS_TOPIC]);
    service = await startResidents(config, { seed: false });
    cityAdmin = await auth.issuer.token({
      clientId: 'city-civil-affairs',
      roles: ['areas:write', 'residents:read', 'residents:write'],
      areas: ['4201'],
    });
    districtAdmin = await auth.token(DISTRICT_A, ['areas:write', 'residents:read', 'residents:write']);
  });

  afterAll(async () => {
    await probe.stop();
    await service.runtime.stop();
    await auth.stop();
    await dropDatabase(config);
  });

  it('when a tree file is imported, then each row gets its result, parents may come earlier in the batch, and a rerun changes nothing', async () => {
    const rows = [
      { code: '4201', name: '武汉市', level: 'city' },
      { code: '420102', name: '江岸区' },
      { code: '420102001', name: '大智街道', parentCode: '420102' },
      { code: '420102001001', name: '大智社区' },
      { code: '420102001001001', name: '1号楼', level: 'building' },
      { code: '420102001002', name: '永康社区' },
      { code: '420103', name: '江汉区' },
      { code: '420105001001', name: 'orphan' }, // its street 420105001 is not in the tree
      { code: '420102002', name: 'wrong level', level: 'community' },
      { code: '4201020010', name: 'ten digits' },
      { code: '420102000', name: 'zero street' },
      { code: '420102001001', name: 'again in the batch' },
    ];
    const res = await service.request('POST', '/v1/areas/batch', { token: cityAdmin, body: { areas: rows } });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'created',
      'created',
      'created',
      'created',
      'created',
      'created',
      'created',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
    ]);
    expect(res.body.results[7].problem.errors[0].detail).toBe('its parent area 420105001 is not in the tree');
    expect(res.body.results[8].problem.errors[0]).toMatchObject({
      pointer: '/level',
      detail: 'the code is of a street',
    });

    const again = await service.request('POST', '/v1/areas/batch', {
      token: cityAdmin,
      body: { areas: rows.slice(0, 7) },
    });
    expect(again.body.summary).toMatchObject({ created: 0, unchanged: 7 });

    const defined = await eventually(() => {
      const found = eventsOf(probe, config.RESIDENTS_EVENTS_TOPIC, AreaDefinedSchema);
      return found.length >= 7 ? found : undefined;
    });
    expect(defined).toHaveLength(7); // the rerun published nothing
    const building = defined.find((e) => e.payload.code === '420102001001001')!;
    expect(building.payload).toMatchObject({
      level: AreaLevel.BUILDING,
      parentCode: '420102001001',
      version: 1,
    });
    expect(building.envelope.subject).toBe('420102001001001');
  });

  it('when a node is renamed, then its version rises and AreaChanged says from what', async () => {
    const renamed = await service.request('PUT', '/v1/areas/420102001002', {
      token: districtAdmin,
      body: { name: '永康里社区', version: 1 },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      code: '420102001002',
      name: '永康里社区',
      version: 2,
      level: 'community',
    });
    expect(renamed.body.path.map((p: { code: string }) => p.code)).toEqual(['4201', '420102', '420102001']);

    const stale = await service.request('PUT', '/v1/areas/420102001002', {
      token: districtAdmin,
      body: { name: 'another', version: 1 },
    });
    expect(stale.status).toBe(409);

    const created = await service.request('PUT', '/v1/areas/420102001003', {
      token: districtAdmin,
      body: { name: '新社区' },
    });
    expect(created.status).toBe(201);

    const [event] = await eventually(() => {
      const found = eventsOf(probe, config.RESIDENTS_EVENTS_TOPIC, AreaChangedSchema, '420102001002');
      return found.length > 0 ? found : undefined;
    });
    expect(event!.payload).toMatchObject({ name: '永康里社区', previousName: '永康社区', version: 2 });
  });

  it('when a district defines areas outside its own, or lacks the role, then 403', async () => {
    const foreign = await service.request('PUT', '/v1/areas/420103001', {
      token: districtAdmin,
      body: { name: '民族街道' },
    });
    expect(foreign.status).toBe(403);
    const batch = await service.request('POST', '/v1/areas/batch', {
      token: districtAdmin,
      body: { areas: [{ code: '420103001', name: '民族街道' }] },
    });
    expect(batch.body.results[0]).toMatchObject({ status: 'forbidden' });
    const clerk = await auth.token(DISTRICT_A);
    const noRole = await service.request('PUT', '/v1/areas/420102001004', {
      token: clerk,
      body: { name: 'x' },
    });
    expect(noRole.status).toBe(403);
    expect(noRole.body.detail).toContain('areas:write');
  });

  it('when a district reads the tree, then it sees its subtree and the nodes above it, and nothing of another district', async () => {
    const token = await auth.token(DISTRICT_A);
    const children = await service.request('GET', '/v1/areas/420102001/children', { token });
    expect(children.body.items.map((a: { code: string }) => a.code)).toEqual([
      '420102001001',
      '420102001002',
      '420102001003',
    ]);
    const paged = await service.request('GET', '/v1/areas/420102001/children?limit=2', { token });
    expect(paged.body.nextCursor).toBeTruthy();
    const rest = await service.request(
      'GET',
      `/v1/areas/420102001/children?limit=2&cursor=${paged.body.nextCursor}`,
      {
        token,
      },
    );
    expect(rest.body.items.map((a: { code: string }) => a.code)).toEqual(['420102001003']);

    expect((await service.request('GET', '/v1/areas/4201', { token })).status).toBe(200);
    const city = await service.request('GET', '/v1/areas/4201/children', { token });
    expect(city.body.items.map((a: { code: string }) => a.code)).toEqual(['420102']);
    expect((await service.request('GET', '/v1/areas/420103', { token })).status).toBe(404);
    const entry = await service.request('GET', '/v1/areas', { token });
    expect(entry.body.items.map((a: { code: string }) => a.code)).toEqual(['420102']);
    const tokenB = await auth.token(DISTRICT_B);
    expect((await service.request('GET', '/v1/areas/420102001001', { token: tokenB })).status).toBe(404);
  });

  it('when someone is registered into a community that is not in the tree, then 400 names the field', async () => {
    const token = await auth.token(DISTRICT_A);
    const unknown = await service.request('POST', '/v1/residents', {
      token,
      body: registration({ communityCode: '420102001009' }),
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      { in: 'body', pointer: '/communityCode', detail: '420102001009 is not a community of the area tree' },
    ]);
    const street = await service.request('POST', '/v1/residents', {
      token,
      body: registration({ communityCode: '420102001' }),
    });
    expect(street.status).toBe(400);
    const known = await service.request('POST', '/v1/residents', {
      token,
      body: registration({ communityCode: '420102001003' }),
    });
    expect(known.status).toBe(201);
  });

  it('when another replica renames or adds a node, then this replica shows it after its next refresh', async () => {
    const other = await startResidents(config, { seed: false });
    try {
      const held = await service.request('GET', '/v1/areas/420102001001', { token: districtAdmin });
      expect(held.status).toBe(200);
      const renamed = await other.request('PUT', '/v1/areas/420102001001', {
        token: districtAdmin,
        body: { name: '大智路社区', version: held.body.version },
      });
      expect(renamed.status).toBe(200);
      const added = await other.request('PUT', '/v1/areas/420102001009', {
        token: districtAdmin,
        body: { name: '新建社区' },
      });
      expect(added.status).toBe(201);
      await eventually(
        async () => {
          const children = await service.request('GET', '/v1/areas/420102001/children', {
            token: districtAdmin,
          });
          const names = new Map(
            (children.body.items as Array<{ code: string; name: string }>).map((c) => [c.code, c.name]),
          );
          return (
            (names.get('420102001001') === '大智路社区' && names.get('420102001009') === '新建社区') ||
            undefined
          );
        },
        { what: "the other replica's changes in this replica's tree", timeoutMs: 5_000 },
      );
    } finally {
      await other.runtime.stop();
    }
  });

  it('when another replica defines a community, then this one accepts registrations there at once', async () => {
    // Written behind this replica's back, as another replica would: the tree looks it up on a miss.
    const now = new Date();
    await service.runtime.store.collection('areas').insertOne({
      _id: '420102001005',
      level: 'community',
      name: '另一副本',
      parentCode: '420102001',
      version: 1,
      createdAt: now,
      createdBy: 'other-replica',
      updatedAt: now,
    } as never);
    const token = await auth.token(DISTRICT_A);
    const res = await service.request('POST', '/v1/residents', {
      token,
      body: registration({ communityCode: '420102001005' }),
    });
    expect(res.status).toBe(201);
  });
});
