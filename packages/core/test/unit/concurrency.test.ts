import { forEachLimited } from '../../src/concurrency.ts';

describe('forEachLimited', () => {
  it('when given more items than lanes, then it runs every item and never more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await forEachLimited([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5 + (n % 3)));
      done.push(n);
      running--;
    });
    expect(most).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('when an item fails, then it rejects with that failure after the started items settle, and starts no more', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = forEachLimited([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await new Promise((resolve) => setTimeout(resolve, n === 1 ? 1 : 20));
      settled++;
      if (n === 1) throw new Error('item 1 failed');
    });
    await expect(run).rejects.toThrow('item 1 failed');
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(2);
  });

  it('when given no items, then it settles at once', async () => {
    const work = jest.fn();
    await forEachLimited([], 4, work);
    expect(work).not.toHaveBeenCalled();
  });
});
