import { GroupedInsert } from '../../src/grouped-insert.ts';

describe('grouped inserts', () => {
  it('when calls arrive while a write is in flight, then they are written together as the next write', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const group = new GroupedInsert<number>(async (docs) => {
      writes.push([...docs]);
      if (writes.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = group.insert([1]);
    const later = [group.insert([2]), group.insert([3, 4]), group.insert([5])];
    release();
    await Promise.all([first, ...later]);
    expect(writes).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('when a write fails, then every call in it is refused and later calls are written', async () => {
    let fail = true;
    const written: number[] = [];
    const group = new GroupedInsert<number>(async (docs) => {
      if (fail) {
        fail = false;
        throw new Error('store down');
      }
      written.push(...docs);
    });
    const failed = group.insert([1]);
    await expect(failed).rejects.toThrow('store down');
    await group.insert([2]);
    expect(written).toEqual([2]);
  });

  it('when nothing is given, then nothing is written', async () => {
    const write = jest.fn(async () => undefined);
    await new GroupedInsert<number>(write).insert([]);
    expect(write).not.toHaveBeenCalled();
  });
});
