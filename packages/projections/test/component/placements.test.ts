import { randomUUID } from 'node:crypto';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  ContractType,
  EmploymentStabilizedSchema,
  PlacementEndedSchema,
  PlacementEndReason,
  PlacementMadeSchema,
} from '@employment/contracts';
import { eventually } from '@employment/testing';
import { PlacementsProjection } from '../../src/index.ts';
import { ProjectionHarness } from '../support.ts';

const COMMUNITY = `420112${String(100 + Math.floor(Math.random() * 800))}001`;
/** A day as jobs' events carry it: 00:00 China time. */
const day = (iso: string) => timestampFromDate(new Date(`${iso}T00:00:00+08:00`));

let harness: ProjectionHarness;
let placements: PlacementsProjection;

beforeAll(async () => {
  harness = await ProjectionHarness.start({
    register: PlacementsProjection.register,
    consumer: (store) => {
      const projection = new PlacementsProjection(store);
      return { handlers: projection.handlers, batchHandlers: projection.batchHandlers };
    },
  });
  placements = new PlacementsProjection(harness.store);
});

afterAll(async () => {
  await harness?.stop();
});

function placementEvents(residentId: string) {
  const placementId = randomUUID();
  const employerId = randomUUID();
  const common = { placementId, residentId, communityCode: COMMUNITY, vacancyId: 'v-1', householdId: '' };
  return {
    placementId,
    made: () =>
      harness.event('jobs', PlacementMadeSchema, placementId, COMMUNITY, {
        ...common,
        employer: { employerId, creditCode: '91420100MA4KXXXX1X', name: '武汉市洁美家政服务有限公司' },
        referralId: '',
        startDate: day('2025-09-01'),
        contractType: ContractType.FIXED_TERM,
        wage: { fen: 380_000n },
        publicWelfare: false,
        placedBy: 'district-test',
      }),
    stabilized: () =>
      harness.event('jobs', EmploymentStabilizedSchema, placementId, COMMUNITY, {
        ...common,
        employerId,
        startDate: day('2025-09-01'),
        confirmedOn: day('2026-03-02'),
      }),
    ended: () =>
      harness.event('jobs', PlacementEndedSchema, placementId, COMMUNITY, {
        ...common,
        employerId,
        startDate: day('2025-09-01'),
        endedOn: day('2026-05-15'),
        reason: PlacementEndReason.CONTRACT_EXPIRED,
        reasonDetail: '',
        withinSixMonths: false,
      }),
  };
}

describe('the placements read model', () => {
  it('when a placement is made, stabilized and ended, then the projection tells each step', async () => {
    const residentId = randomUUID();
    const p = placementEvents(residentId);
    await harness.publish(p.made());
    const made = await eventually(async () => (await placements.placement(p.placementId)) ?? undefined, {
      what: 'the placement',
    });
    expect(made).toMatchObject({
      residentId,
      communityCode: COMMUNITY,
      employer: { name: '武汉市洁美家政服务有限公司', creditCode: '91420100MA4KXXXX1X' },
      startDate: '2025-09-01',
      contractType: 'fixed-term',
      wageFen: 380_000,
      status: 'active',
      stabilizedOn: null,
    });
    expect(await placements.activePlacementOf(residentId)).toMatchObject({ id: p.placementId });

    await harness.publish(p.stabilized(), p.ended());
    const ended = await eventually(async () => {
      const x = await placements.placement(p.placementId);
      return x?.status === 'ended' ? x : undefined;
    });
    expect(ended).toMatchObject({
      stabilizedOn: '2026-03-02',
      endedOn: '2026-05-15',
      endReason: 'contract-expired',
      endedWithinSixMonths: false,
    });
    expect(await placements.activePlacementOf(residentId)).toBeNull();
    const page = await placements.placementsOfArea(COMMUNITY.slice(0, 9), { limit: 50 });
    expect(page.items.map((x) => x.id)).toContain(p.placementId);
  });

  it('when the end comes before the placement made, then the late PlacementMade fills in the rest and does not reopen it', async () => {
    const residentId = randomUUID();
    const p = placementEvents(residentId);
    const ended = p.ended();
    await harness.publish(ended, p.made(), ended);
    // The same placement's next event, on the same partition: once it shows, the others were handled.
    await harness.publish(p.stabilized());
    const placement = await eventually(async () => {
      const x = await placements.placement(p.placementId);
      return x?.stabilizedOn ? x : undefined;
    });
    expect(placement).toMatchObject({
      status: 'ended',
      endedOn: '2026-05-15',
      employer: { name: '武汉市洁美家政服务有限公司' },
      contractType: 'fixed-term',
    });
    expect(await placements.placementsOf(residentId)).toHaveLength(1);
  });

  it('when a run of placements is made at once, then each is stored', async () => {
    const residentId = randomUUID();
    const runs = Array.from({ length: 12 }, () => placementEvents(residentId));
    await harness.publish(...runs.map((p) => ({ ...p.made(), key: residentId })));
    await eventually(async () => (await placements.placementsOf(residentId)).length === runs.length, {
      what: 'every placement of the run',
    });
  });
});
