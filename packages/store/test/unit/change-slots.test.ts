import { CHANGE_SLOT_MS, changeSlotOf, changeSlotsSince } from '../../src/change-slots.ts';

describe('change slots', () => {
  it('when a poll asks since a time, then it gets every slot from that time to now, both ends included', () => {
    const now = new Date(1_800_000_000_000);
    const since = new Date(now.getTime() - 25_000);
    const slots = changeSlotsSince(since, now)!;
    expect(slots[0]).toBe(changeSlotOf(since));
    expect(slots.at(-1)).toBe(changeSlotOf(now));
    expect(slots).toHaveLength(26); // 25 s back, both ends included
    expect(slots.every((s, i) => i === 0 || s === slots[i - 1]! + 1)).toBe(true);
  });

  it('when a write lands in the same slot as the poll, then the poll asks for that slot', () => {
    const at = new Date(1_800_000_004_000);
    expect(changeSlotsSince(at, new Date(at.getTime() + 1))).toEqual([changeSlotOf(at)]);
    expect(changeSlotOf(new Date(at.getTime() - (at.getTime() % CHANGE_SLOT_MS)))).toBe(changeSlotOf(at));
  });

  it('when the last poll is over ten minutes back, then there are too many slots to ask for one by one', () => {
    const now = new Date(1_800_000_000_000);
    expect(changeSlotsSince(new Date(now.getTime() - 600_000), now)).toHaveLength(601);
    expect(changeSlotsSince(new Date(now.getTime() - 601_001), now)).toBeUndefined();
  });
});
