import { randomBytes, randomUUID } from 'node:crypto';
import { createNationalIdGenerator } from '@employment/identifiers';
import type { ApiSeed, District, SeedContext } from '@employment/testing';

// The residents records of a district for the adversarial suite and the fuzz run
// (test/adversarial, test/fuzz): an area tree, people, households, surveys, a tracking card,
// a helper assignment, certificates in two states and the warnings the registry raises itself.

const ids = createNationalIdGenerator(Number.parseInt(randomBytes(4).toString('hex'), 16) % 2_147_483_647);
const nationalId = (district: District, birthDate = '1984-03-12', sex?: 'male' | 'female') =>
  ids.next({ regionCode: district.code, birthDate, ...(sex ? { sex } : {}) });

const pad3 = (n: number) => String(n).padStart(3, '0');
const STREETS = 2;
const COMMUNITIES = 3;
/** The seeded communities of a district: streets 001-002, communities 001-003, one building each. */
const communitiesOf = (code: string) =>
  Array.from(
    { length: STREETS * COMMUNITIES },
    (_, i) => `${code}${pad3(1 + Math.floor(i / COMMUNITIES))}${pad3(1 + (i % COMMUNITIES))}`,
  );

const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();
const staff = { name: '张社区', staffId: 'S-001' };
const tag = () => randomBytes(3).toString('hex');

async function registerPerson(
  ctx: SeedContext,
  community: string,
  status: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const number = nationalId(
    ctx.district,
    (extra.birthDate as string | undefined) ?? '1984-03-12',
    extra.sex as 'male' | 'female' | undefined,
  );
  const fullName = `${ctx.district.label}区居民${tag()}`;
  const { birthDate: _b, ...rest } = extra;
  const res = await ctx.call('POST', '/v1/residents', {
    body: {
      nationalId: number,
      fullName,
      communityCode: community,
      employmentStatus: status,
      skills: ['电焊', 'forklift driving'],
      education: 'senior-secondary',
      ...rest,
    },
    expect: [201],
  });
  const id = (res.body as { id: string }).id;
  ctx.add('residentId', id);
  ctx.add('nationalId', number);
  ctx.secret(fullName, 'a resident’s name');
  return id;
}

const versionOf = async (call: SeedContext['call'], path: string) =>
  ((await call('GET', path)).body as { version: number; state?: string }) ?? { version: 1 };

export const seed: ApiSeed = {
  roles: ['residents:read', 'residents:write', 'areas:write', 'certificates:review', 'certificates:issue'],
  environment: (run) => ({
    RESIDENTS_EVENTS_TOPIC: `test.residents.${run}`,
    CONSUMER_GROUP_PREFIX: `residents-${run}`,
    WARNING_CHECK_INTERVAL_MS: '1000',
  }),
  kinds: {
    residentId: 'area',
    nationalId: 'area',
    householdId: 'area',
    assignmentId: 'area',
    certificateId: 'area',
    number: 'area',
    warningId: 'area',
    // Nodes of the tree: any district may name them, only their own area may write into them.
    communityCode: 'tree',
    areaCode: 'tree',
  },
  aliases: { targetId: 'householdId', subjectId: 'residentId', id: 'householdId' },
  values: { nationalId: (district) => nationalId(district) },
  neverShown: ['nationalId'],
  examples: {
    registerResident: (x) => ({
      body: {
        nationalId: x.fresh('nationalId'),
        fullName: '刘建国',
        communityCode: x.record('communityCode'),
        employmentStatus: 'unemployed',
      },
    }),
    registerResidentsBatch: (x) => ({
      body: {
        residents: [
          {
            nationalId: x.fresh('nationalId'),
            fullName: '陈红梅',
            communityCode: x.record('communityCode'),
            employmentStatus: 'laid-off',
            occupation: '纺织工',
          },
        ],
      },
    }),
    lookupResident: (x) => ({ body: { nationalId: x.record('nationalId') } }),
    updateResidentProfile: () => ({ body: { occupation: '仓库管理员', address: '江岸区解放大道1号' } }),
    changeEmploymentStatus: () => ({ body: { status: 'unemployed', reason: 'survey' } }),
    importAreas: (x) => ({ body: { areas: [{ code: `${x.district.code}009`, name: '新建街道' }] } }),
    defineArea: () => ({ body: { name: '测试街道' } }),
    createHousehold: (x) => ({
      body: { id: randomUUID(), communityCode: x.record('communityCode'), address: '三号楼' },
    }),
    registerHouseholdsBatch: (x) => ({
      body: {
        households: [
          {
            id: randomUUID(),
            communityCode: x.record('communityCode'),
            address: '五号楼',
            members: [
              {
                nationalId: x.fresh('nationalId'),
                fullName: '周国强',
                employmentStatus: 'unemployed',
                relation: 'head',
              },
            ],
          },
        ],
      },
    }),
    recordSurvey: () => ({
      body: {
        visitedAt: hourAgo(),
        visitedBy: staff,
        outcome: 'completed',
        findings: { summary: '家中无人就业', needs: ['job'], notes: '需要岗位' },
      },
    }),
    recordServiceDelivery: () => ({
      body: {
        kind: 'job',
        deliveredAt: hourAgo(),
        deliveredBy: staff,
        description: '推荐保洁岗位',
        outcome: 'accepted',
        outcomeNote: '本人同意面试',
      },
    }),
    assignHelper: (x) => ({
      body: { role: 'community-worker', targetId: x.record('householdId'), helper: { name: '李帮扶' } },
    }),
    endAssignment: () => ({ body: { reason: '人员调整' } }),
    applyForCertificate: (x) => ({ body: { residentId: x.record('residentId'), note: '下岗职工' } }),
    reviewCertificate: () => ({ body: { approved: true, note: '材料齐全' } }),
    issueCertificate: () => ({ body: {} }),
    recordAnnualCheck: () => ({ body: { passed: true, note: '年审通过' } }),
    revokeCertificate: () => ({ body: { reason: '已就业' } }),
    acknowledgeWarning: () => ({ body: { note: '社区已上门' } }),
    resolveWarning: () => ({ body: { resolution: '已安置就业' } }),
    findCertificateByNumber: (x) => ({ query: { number: x.record('number') } }),
  },
  async seed(ctx) {
    const { district } = ctx;
    if (district.label === 'A') {
      // The area tree of both districts, imported once by a city-wide importer.
      const importer = await ctx.token({ clientId: 'area-importer', roles: ['areas:write'], areas: ['*'] });
      const rows = [{ code: '4201', name: '武汉市' }];
      for (const code of [district.code, ctx.other.code]) {
        rows.push({ code, name: `${code}区` });
        for (let s = 1; s <= STREETS; s++) rows.push({ code: `${code}${pad3(s)}`, name: `街道${s}` });
        for (const community of communitiesOf(code)) {
          rows.push({ code: community, name: `社区${community.slice(-3)}` });
          rows.push({ code: `${community}001`, name: '1号楼' });
        }
      }
      await ctx.call('POST', '/v1/areas/batch', { token: importer, body: { areas: rows } });
    }
    const communities = communitiesOf(district.code);
    for (const c of communities) ctx.add('communityCode', c);
    ctx.add('areaCode', district.code);
    ctx.add('areaCode', `${district.code}001`);
    ctx.add('areaCode', communities[0]!);

    const [home, second] = communities as [string, string];
    // A laid-off worker of 45 (a 4050 person), heading a household with no one in work.
    const head = await registerPerson(ctx, home, 'laid-off', { birthDate: '1980-05-05', sex: 'female' });
    const spouse = await registerPerson(ctx, home, 'unemployed');
    const worker = await registerPerson(ctx, second, 'employed');
    const single = await registerPerson(ctx, second, 'unemployed');
    const batch = await ctx.call('POST', '/v1/residents/batch', {
      body: {
        residents: [0, 1].map((i) => ({
          nationalId: nationalId(district),
          fullName: `${district.label}区批量${i}`,
          communityCode: second,
          employmentStatus: 'unemployed',
        })),
      },
    });
    for (const row of (batch.body as { results: Array<{ residentId?: string }> }).results)
      if (row.residentId) ctx.add('residentId', row.residentId);

    const household = await ctx.call('POST', '/v1/households', {
      body: {
        communityCode: home,
        address: '一号楼2单元',
        members: [
          { residentId: head, relation: 'head' },
          { residentId: spouse, relation: 'spouse' },
        ],
      },
      expect: [201],
    });
    const householdId = (household.body as { id: string }).id;
    ctx.add('householdId', householdId);
    const imported = await ctx.call('POST', '/v1/households/batch', {
      body: {
        households: [
          {
            communityCode: second,
            members: [
              {
                nationalId: nationalId(district),
                fullName: `${district.label}区户主${tag()}`,
                employmentStatus: 'unemployed',
                relation: 'head',
              },
            ],
          },
        ],
      },
    });
    const row = (imported.body as { results: Array<{ householdId?: string }> }).results[0];
    if (!row?.householdId) throw new Error(`the household import made no household: ${imported.text}`);
    ctx.add('householdId', row.householdId);

    await ctx.call('POST', `/v1/households/${householdId}/surveys`, {
      body: { visitedAt: hourAgo(), visitedBy: staff, outcome: 'completed', findings: { needs: ['job'] } },
      expect: [201],
    });
    await ctx.call('POST', `/v1/households/${householdId}/tracking-card`, { expect: [200, 201] });
    await ctx.call('POST', `/v1/households/${householdId}/tracking-card/deliveries`, {
      body: {
        kind: 'policy',
        deliveredAt: hourAgo(),
        deliveredBy: staff,
        description: '讲解社保补贴政策',
        outcome: 'in-progress',
      },
      expect: [201],
    });
    const assignment = await ctx.call('POST', '/v1/assignments', {
      body: {
        role: 'community-worker',
        targetId: householdId,
        helper: { name: '王网格', phone: '13800138000' },
      },
      expect: [201],
    });
    ctx.add('assignmentId', (assignment.body as { id: string }).id);

    // One certificate issued (it has a number), one only applied for.
    const applied = await ctx.call('POST', '/v1/certificates', {
      body: { residentId: head, note: '下岗职工' },
      expect: [201],
    });
    const certificateId = (applied.body as { id: string }).id;
    const reviewed = await ctx.call('POST', `/v1/certificates/${certificateId}/review`, {
      body: { version: 1, approved: true },
    });
    const issued = await ctx.call('POST', `/v1/certificates/${certificateId}/issue`, {
      body: { version: (reviewed.body as { version: number }).version },
    });
    ctx.add('certificateId', certificateId);
    ctx.add('number', (issued.body as { number: string }).number);
    const pending = await ctx.call('POST', '/v1/certificates', {
      body: { residentId: single },
      expect: [201],
    });
    ctx.add('certificateId', (pending.body as { id: string }).id);
    void worker;

    // The zero-employment household raised a warning of its own.
    const warnings = await ctx.eventually(async () => {
      const list = await ctx.call('GET', `/v1/areas/${district.code}/warnings?state=open`);
      const items = (list.body as { items: Array<{ id: string }> }).items;
      return items.length > 0 ? items : undefined;
    }, `a warning in district ${district.code}`);
    for (const w of warnings) ctx.add('warningId', w.id);
  },
  touch: {
    residentId: async (call, id) => {
      const { version } = await versionOf(call, `/v1/residents/${id}`);
      return call('PATCH', `/v1/residents/${id}`, {
        body: { version, occupation: `回访${tag()}` },
        expect: 'any',
      });
    },
    householdId: (call, id) =>
      call('POST', `/v1/households/${id}/surveys`, {
        body: { visitedAt: hourAgo(), visitedBy: staff, outcome: 'nobody-home' },
        expect: 'any',
      }),
    assignmentId: async (call, id, records) => {
      let found: { id: string; current: boolean } | undefined;
      for (const targetId of records('householdId')) {
        const list = await call('GET', `/v1/assignments?targetId=${targetId}&limit=500`);
        found ??= (list.body as { items?: Array<{ id: string; current: boolean }> }).items?.find(
          (a) => a.id === id,
        );
      }
      if (!found?.current) return 'final';
      return call('POST', `/v1/assignments/${id}/end`, { body: { reason: '复查' }, expect: 'any' });
    },
    certificateId: async (call, id) => {
      const { version, state } = await versionOf(call, `/v1/certificates/${id}`);
      const step: Record<string, [string, Record<string, unknown>]> = {
        applied: ['review', { approved: true }],
        approved: ['issue', {}],
        issued: ['annual-checks', { passed: true }],
      };
      const next = step[state ?? ''];
      if (!next) return 'final';
      return call('POST', `/v1/certificates/${id}/${next[0]}`, {
        body: { version, ...next[1] },
        expect: 'any',
      });
    },
    warningId: async (call, id) => {
      const { version, state } = await versionOf(call, `/v1/warnings/${id}`);
      if (state === 'raised' || state === 'escalated')
        return call('POST', `/v1/warnings/${id}/acknowledge`, { body: { version }, expect: 'any' });
      if (state === 'acknowledged')
        return call('POST', `/v1/warnings/${id}/resolve`, {
          body: { version, resolution: '复查' },
          expect: 'any',
        });
      return 'final';
    },
  },
};
