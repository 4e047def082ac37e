/**
 * One-second slots of wall-clock time, for replicas that poll the store for records other
 * replicas changed. A record written now carries the slot of now; a poll asks, by equality, for
 * each slot since its last poll. Both stores answer an equality from an index, while a range
 * filter (`updatedAt >= since`) is one FerretDB v1 does not push down: it would read the whole
 * collection on every poll. A poll reads its first and last slots whole, so short slots keep
 * what it reads again small: a poll every 5 s with a 3 s overlap reads each record about 1.7
 * times with one-second slots, and about 3 times with ten-second ones.
 */
export const CHANGE_SLOT_MS = 1_000;

/** Polls further back than this (ten minutes) read by range instead (one full read). */
const MAX_SLOTS = 600;

export function changeSlotOf(at: Date): number {
  return Math.floor(at.getTime() / CHANGE_SLOT_MS);
}

/** The slots from `since` to `now`, oldest first; undefined when there are too many to ask for one by one. */
export function changeSlotsSince(since: Date, now: Date = new Date()): number[] | undefined {
  const first = changeSlotOf(since);
  const last = changeSlotOf(now);
  if (last - first > MAX_SLOTS) return undefined;
  const slots: number[] = [];
  for (let slot = first; slot <= last; slot++) slots.push(slot);
  return slots;
}
