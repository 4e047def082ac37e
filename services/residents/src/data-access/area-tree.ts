import { changeSlotsSince } from '@employment/store';
import type { Connection, Model } from 'mongoose';
import type { AreaDocument } from './models.ts';

/**
 * The administrative tree, held in memory by every replica: registration checks its community
 * against it on every request, and the store would answer each lookup by scanning. It is loaded at
 * start, updated at once by this replica's own writes, and re-read every few seconds for nodes other
 * replicas added or renamed (by `updatedSlot`, an index lookup). A code it does not know is looked
 * up in the store before it is refused, so a replica that has not caught up yet never refuses a
 * real community.
 */
export class AreaTree {
  private readonly model: Model<AreaDocument>;
  private readonly nodes = new Map<string, AreaDocument>();
  private readonly childCodes = new Map<string, Set<string>>();
  private syncedUntil = new Date(0);
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(connection: Connection) {
    this.model = connection.model<AreaDocument>('Area');
  }

  get size(): number {
    return this.nodes.size;
  }

  async load(): Promise<void> {
    const started = new Date();
    const all = await this.model.find({}).lean<AreaDocument[]>().exec();
    for (const node of all) this.put(node);
    this.syncedUntil = started;
  }

  /**
   * Re-reads nodes changed since the last sync (with an overlap for clocks and slow writes): one
   * lookup per change slot, or the whole tree when the last sync is too far back.
   */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const started = new Date();
      const since = new Date(this.syncedUntil.getTime() - 10_000);
      const slots = changeSlotsSince(since, started);
      const changed = slots
        ? (
            await Promise.all(
              slots.map((updatedSlot) => this.model.find({ updatedSlot }).lean<AreaDocument[]>().exec()),
            )
          ).flat()
        : await this.model.find({}).lean<AreaDocument[]>().exec();
      for (const node of changed) this.put(node);
      this.syncedUntil = started;
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  startRefreshing(intervalMs: number, onError: (err: unknown) => void): void {
    this.timer = setInterval(() => void this.refresh().catch(onError), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  put(node: AreaDocument): void {
    const held = this.nodes.get(node._id);
    if (held && held.version > node.version) return;
    this.nodes.set(node._id, node);
    if (node.parentCode) {
      let set = this.childCodes.get(node.parentCode);
      if (!set) {
        set = new Set();
        this.childCodes.set(node.parentCode, set);
      }
      set.add(node._id);
    }
  }

  get(code: string): AreaDocument | undefined {
    return this.nodes.get(code);
  }

  /** The node from memory, or from the store when this replica has not seen it yet. */
  async find(code: string): Promise<AreaDocument | undefined> {
    const held = this.nodes.get(code);
    if (held) return held;
    const stored = await this.model.findById(code).lean<AreaDocument>().exec();
    if (stored) this.put(stored);
    return stored ?? undefined;
  }

  /** Children in code order. */
  children(code: string): AreaDocument[] {
    return [...(this.childCodes.get(code) ?? [])]
      .sort()
      .map((c) => this.nodes.get(c)!)
      .filter(Boolean);
  }

  childCount(code: string): number {
    return this.childCodes.get(code)?.size ?? 0;
  }

  /** Nodes at the top of the tree (cities). */
  roots(): AreaDocument[] {
    return [...this.nodes.values()]
      .filter((n) => n.parentCode === null)
      .sort((a, b) => (a._id < b._id ? -1 : 1));
  }
}
