import { AppError, classifyStoreError, type Logger } from '@employment/core';
import { changeSlotOf, changeSlotsSince, insertManyRefusingDuplicates } from '@employment/store';
import type { Metrics } from '@employment/telemetry';
import type { Producer } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import type { OutboxEvent } from './events.ts';

type Collection = ReturnType<Connection['collection']>;

const { BSON } = mongoose.mongo;
const { EJSON } = BSON;

/**
 * A state change as data, so it can be applied now and applied again after a crash.
 *
 * The first mutation of a change is its guard: an insert that may hit a unique index, or an update
 * whose filter checks the aggregate's version. If the guard is refused, the change did not
 * happen and its events are dropped. Later mutations must be idempotent (inserts keyed by `_id`,
 * unconditional `$set`s): replaying them has no second effect.
 */
export type Mutation =
  | { op: 'insert'; collection: string; document: { _id: unknown } }
  | {
      op: 'update';
      collection: string;
      filter: { _id: unknown } & Record<string, unknown>;
      update: Record<string, unknown>;
    };

export interface Change {
  /** UUIDv7; also the outbox record's id. */
  id: string;
  mutations: Mutation[];
  events: OutboxEvent[];
}

export type ChangeOutcome =
  | { status: 'applied' }
  | { status: 'rejected'; reason: 'duplicate' | 'conflict'; mutation: Mutation };

/**
 * A change the store refused: a mutation it will refuse every time (e.g. a string FerretDB's
 * PostgreSQL cannot hold), or the outbox record itself. `commit` never resolves with it: the caller
 * gets a problem, and the change's record becomes a dead letter.
 */
export interface ChangeRefused {
  status: 'refused';
  error: unknown;
  /** The position of the refused mutation; undefined when the outbox record itself was refused. */
  step: number | undefined;
}

/** What `apply` made of a change. */
export type AppliedOutcome = ChangeOutcome | ChangeRefused;

interface OutboxRecord {
  _id: string;
  createdAt: Date;
  /** The change slot of createdAt: timer sweeps look records up by slot (an index lookup). */
  createdSlot: number;
  /** The write that stored it with others: once all of them are published, one delete by group. */
  group?: string;
  /**
   * The mutations as one BSON document `{m: [...]}` inside a Binary: `$set` keys and BSON types
   * survive on every backend, and the record stays small (FerretDB decodes every record it reads).
   * Records of older versions hold canonical EJSON text instead.
   */
  mutations: string | { buffer: Uint8Array };
  events: Array<
    Omit<OutboxEvent, 'value' | 'occurredAt'> & { value: Buffer | { buffer: Buffer }; occurredAt: Date }
  >;
}

interface PendingGroup {
  changes: Change[];
  waiters: Array<{
    from: number;
    count: number;
    resolve: (outcomes: ChangeOutcome[]) => void;
    reject: (err: unknown) => void;
  }>;
}

/** Where refused changes are kept, with the error, for an operator to look at. */
export const OUTBOX_DEAD_LETTERS = 'outbox_dead_letters';

/** How many applied changes' outbox ids an update keeps, to recognise its own replay. */
const RECENT_CHANGES = 32;

/**
 * The transactional outbox, for a store without multi-document transactions.
 *
 * `commit` first stores the change (its mutations and events) as one outbox record: one atomic
 * insert. Only then does it apply the mutations to the aggregates, and hand the events to the
 * relay, which publishes them at once and deletes the record. A crash at any point leaves the
 * record behind; the relay's sweep applies it again (idempotently) and publishes it. The worst
 * case is a duplicate event, which consumers skip. The outbox collection holds only pending
 * changes, so it stays small: on FerretDB every lookup is a scan.
 *
 * A store outage during a commit rejects the commit (the caller is never told a change was made
 * that was not) and leaves the record for the sweep, which applies and publishes it once the store
 * is back: nothing is lost. A change the store refuses (see `classifyStoreError`) is ended instead:
 * its version claim is given back, its record moves to `outbox_dead_letters` with the error, and
 * the commit rejects with a 422 problem.
 */
export class Outbox {
  readonly collection;
  private readonly connection: Connection;
  private readonly relay: OutboxRelay;

  private readonly claims;
  private readonly deadLetters;

  constructor(connection: Connection, relay: OutboxRelay) {
    this.connection = connection;
    this.collection = connection.collection<OutboxRecord>('outbox');
    this.claims = connection.collection<{ _id: string; changeId: string; at: Date }>('version_claims');
    this.deadLetters = connection.collection<{ _id: string }>(OUTBOX_DEAD_LETTERS);
    this.relay = relay;
  }

  /**
   * Stores, applies and queues for publishing; one outcome per change, in order.
   *
   * Commits that arrive while an earlier write is in flight are written together as one group
   * (one insertMany per collection instead of three writes per request): the store sees a few
   * large writes under load, and an idle service writes at once, with no added wait.
   */
  commit(changes: Change[]): Promise<ChangeOutcome[]> {
    if (changes.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pending ??= { changes: [], waiters: [] };
      this.pending.waiters.push({
        from: this.pending.changes.length,
        count: changes.length,
        resolve,
        reject,
      });
      this.pending.changes.push(...changes);
      this.writeGroups();
    });
  }

  private pending: PendingGroup | undefined;
  private writing = false;

  private writeGroups(): void {
    if (this.writing) return;
    this.writing = true;
    void (async () => {
      while (this.pending) {
        const group = this.pending;
        this.pending = undefined;
        try {
          const outcomes = await this.write(group.changes);
          for (const w of group.waiters) {
            const mine = outcomes.slice(w.from, w.from + w.count);
            if (mine.some((o) => o.status === 'refused')) w.reject(refusedProblem(mine));
            else w.resolve(mine as ChangeOutcome[]);
          }
        } catch (err) {
          for (const w of group.waiters) w.reject(err);
        }
      }
      this.writing = false;
    })();
  }

  private async write(changes: Change[]): Promise<AppliedOutcome[]> {
    const now = new Date();
    const group = changes[0]!.id;
    const unstored = await this.storeRecords(
      changes.map((c) => ({
        _id: c.id,
        createdAt: now,
        createdSlot: changeSlotOf(now),
        group,
        mutations: new BSON.Binary(BSON.serialize({ m: c.mutations })),
        events: c.events,
      })),
    );
    const stored = changes.filter((_, i) => !unstored.has(i));
    const applied = await this.apply(stored);
    const outcomes: AppliedOutcome[] = [];
    for (let i = 0, next = 0; i < changes.length; i++) outcomes.push(unstored.get(i) ?? applied[next++]!);
    for (const [i, refusal] of unstored) this.relay.reportRefused(changes[i]!, refusal, false);
    await this.settle(stored, applied);
    this.relay.enqueue(
      changes.filter((_, i) => outcomes[i]?.status === 'applied'),
      group,
    );
    return outcomes;
  }

  /**
   * Stores outbox records; the positions of those the store refused. A refused write is tried again
   * record by record, so one record the store cannot hold does not take the others down with it.
   * A record found there already is this change's own, from an earlier attempt.
   */
  private async storeRecords(records: OutboxRecord[]): Promise<Map<number, ChangeRefused>> {
    const refused = new Map<number, ChangeRefused>();
    await this.insertEach(this.collection, records, (i, error) =>
      refused.set(i, { status: 'refused', error, step: undefined }),
    );
    return refused;
  }

  /**
   * Inserts documents unordered; the positions refused by a unique index. When the store refuses
   * the write, each document is inserted on its own and those it refuses are reported; an outage
   * (or an unknown error) is thrown.
   */
  private async insertEach(
    collection: { insertMany: (docs: never[], options: { ordered: false }) => Promise<unknown> },
    documents: object[],
    onRefused: (index: number, error: unknown) => void,
  ): Promise<number[]> {
    try {
      return await insertManyRefusingDuplicates(collection, documents);
    } catch (err) {
      if (classifyStoreError(err) !== 'refused') throw err;
      if (documents.length === 1) {
        onRefused(0, err);
        return [];
      }
    }
    const duplicates: number[] = [];
    for (let i = 0; i < documents.length; i++) {
      try {
        if ((await insertManyRefusingDuplicates(collection, [documents[i]!])).length > 0) duplicates.push(i);
      } catch (err) {
        if (classifyStoreError(err) !== 'refused') throw err;
        onRefused(i, err);
      }
    }
    return duplicates;
  }

  /**
   * Ends the changes `apply` did not apply: a rejected change's record is deleted (its events are
   * dropped), a refused change's record becomes a dead letter.
   */
  async settle(changes: Change[], outcomes: Array<AppliedOutcome | undefined>): Promise<void> {
    for (let i = 0; i < changes.length; i++) {
      const outcome = outcomes[i];
      if (outcome?.status === 'refused') await this.abandon(changes[i]!, outcome);
    }
    await this.forgetRecords(changes.filter((_, i) => outcomes[i]?.status === 'rejected').map((c) => c.id));
  }

  /**
   * Moves a refused change's record to the dead letters, with the error, then deletes it: the
   * sweep no longer tries it, and an operator can see what was refused and why.
   */
  private async abandon(change: Change, refusal: ChangeRefused): Promise<void> {
    const error = refusal.error as { name?: unknown; code?: unknown; message?: unknown };
    const letter = {
      _id: change.id,
      abandonedAt: new Date(),
      mutations: new BSON.Binary(BSON.serialize({ m: change.mutations })),
      events: change.events,
      refusedMutation: refusal.step ?? null,
      partial: (refusal.step ?? 0) > 0,
      error: {
        name: String(error?.name ?? 'Error'),
        code: typeof error?.code === 'number' ? error.code : null,
        message: String(error?.message ?? refusal.error).slice(0, 2_000),
      },
    };
    let kept = true;
    try {
      await insertManyRefusingDuplicates(this.deadLetters, [letter]);
    } catch (err) {
      // A dead letter the store refuses too is only logged: the record must not stay to be swept forever.
      if (classifyStoreError(err) !== 'refused') throw err;
      kept = false;
    }
    await this.forgetRecords([change.id]);
    this.relay.reportRefused(change, refusal, kept);
  }

  /**
   * Applies the mutations of many changes, grouping same-shaped writes (a batch of registrations
   * becomes one insertMany per collection). Safe to call again for a change already applied.
   *
   * A mutation the store refuses ends its change as `refused` (its later mutations are not tried,
   * a version it claimed is given back); the other changes carry on. Any other store error, an
   * outage above all, is thrown: the records stay, and applying them again later is safe.
   */
  async apply(changes: Change[]): Promise<AppliedOutcome[]> {
    const outcomes: (AppliedOutcome | undefined)[] = changes.map(() => undefined);
    const depth = Math.max(0, ...changes.map((c) => c.mutations.length));
    for (let step = 0; step < depth; step++) {
      const live = changes
        .map((change, index) => ({ change, index, mutation: change.mutations[step] }))
        .filter((x) => x.mutation !== undefined && outcomes[x.index] === undefined);
      const inserts = new Map<string, typeof live>();
      const updates: typeof live = [];
      for (const item of live) {
        const m = item.mutation!;
        if (m.op === 'insert') inserts.set(m.collection, [...(inserts.get(m.collection) ?? []), item]);
        else updates.push(item);
      }
      const refuse = (item: (typeof live)[number], error: unknown) => {
        outcomes[item.index] = { status: 'refused', error, step };
      };
      for (const [collection, items] of inserts) {
        // Every inserted document carries the id of the change that made it, so a replay can tell
        // its own earlier insert from another writer's record with the same id.
        const refused = await this.insertEach(
          this.connection.collection(collection),
          items.map((i) =>
            stamped((i.mutation as Extract<Mutation, { op: 'insert' }>).document, i.change.id),
          ),
          (i, error) => refuse(items[i]!, error),
        );
        if (step > 0 || refused.length === 0) continue; // a later insert refused on _id was applied before
        // The guard insert was refused by a unique index (FerretDB does not say which). One lookup
        // by _id per refused row (FerretDB cannot push `$in` down and would decode the whole
        // collection): a document with our _id made by this change means a replay; anything else
        // means another record holds a unique value, and the change is refused.
        const target = this.connection.collection(collection);
        await Promise.all(
          refused.map(async (i) => {
            const item = items[i]!;
            const m = item.mutation as Extract<Mutation, { op: 'insert' }>;
            if (!(await madeBy(target, m.document._id, item.change.id))) {
              outcomes[item.index] = { status: 'rejected', reason: 'duplicate', mutation: m };
            }
          }),
        );
      }
      // Updates of different documents run side by side; updates of one document run one after
      // another (FerretDB v1 does not isolate concurrent updates of a document).
      const byDocument = new Map<string, typeof updates>();
      for (const item of updates) {
        const m = item.mutation as Extract<Mutation, { op: 'update' }>;
        const key = `${m.collection}/${String(m.filter._id)}`;
        byDocument.set(key, [...(byDocument.get(key) ?? []), item]);
      }
      const applyUpdate = async (item: (typeof updates)[number]) => {
        const m = item.mutation as Extract<Mutation, { op: 'update' }>;
        const collection = this.connection.collection(m.collection);
        const update = withChangeMark(m.update, item.change.id);
        if (step > 0) {
          // A later update skips an aggregate that already carries this change's mark, so a
          // replay never applies an $inc or $push twice.
          await collection
            .updateOne({ ...m.filter, _changes: { $ne: item.change.id } } as never, update as never)
            .catch((err) => {
              if (classifyStoreError(err) !== 'refused') throw err;
              refuse(item, err);
            });
          return;
        }
        const claim = versionClaimId(m);
        if (claim && !(await this.claimVersion(claim, item.change.id))) {
          outcomes[item.index] = { status: 'rejected', reason: 'conflict', mutation: m };
          return;
        }
        let matched: boolean;
        try {
          matched = (await collection.updateOne(m.filter as never, update as never)).matchedCount === 1;
        } catch (err) {
          if (classifyStoreError(err) !== 'refused') throw err;
          matched = false;
          refuse(item, err);
        }
        if (matched) return;
        if (outcomes[item.index] === undefined) {
          if (await madeBy(collection, m.filter._id, item.change.id)) return;
          outcomes[item.index] = { status: 'rejected', reason: 'conflict', mutation: m };
        }
        // The version was claimed but not reached: give it back, or the aggregate could never
        // move past it.
        if (claim) await this.claims.deleteOne({ _id: claim, changeId: item.change.id });
      };
      await Promise.all(
        [...byDocument.values()].map(async (items) => {
          for (const item of items) await applyUpdate(item);
        }),
      );
    }
    return outcomes.map((o) => o ?? { status: 'applied' });
  }

  /**
   * Takes the right to move an aggregate past a version: a unique insert, which both stores make
   * atomic. (FerretDB runs a filtered update as a read then a write, so two writers guarded by the
   * same version could both succeed; the claim lets only one through.) True when this change holds
   * the claim, including when it took it before a crash.
   */
  private async claimVersion(claim: string, changeId: string): Promise<boolean> {
    try {
      await this.claims.insertOne({ _id: claim, changeId, at: new Date() });
      return true;
    } catch (err) {
      if (classifyStoreError(err) !== 'duplicate') throw err;
    }
    return (await this.claims.findOne({ _id: claim }))?.changeId === changeId;
  }

  /** Forgets version claims older than `olderThan`; the version filter still refuses stale writers. */
  async pruneClaims(olderThan: Date): Promise<number> {
    return (await this.claims.deleteMany({ at: { $lt: olderThan } })).deletedCount;
  }

  /**
   * Deletes outbox records by id, as one command of single-id deletes: each finds its record by
   * `_id` (an index lookup on both stores), where an `$in` would make FerretDB v1 read and decode
   * every pending record.
   */
  async forgetRecords(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.collection.bulkWrite(
      ids.map((_id) => ({ deleteOne: { filter: { _id } } })),
      { ordered: false },
    );
  }

  /** Deletes every record of the given write groups, one delete per group (an indexed equality). */
  async forgetGroups(groups: string[]): Promise<void> {
    if (groups.length === 0) return;
    await this.collection.bulkWrite(
      groups.map((group) => ({ deleteMany: { filter: { group } } })),
      { ordered: false },
    );
  }

  async pendingCount(): Promise<number> {
    return this.collection.countDocuments();
  }
}

/** The problem a caller gets for a commit of which the store refused some change. */
function refusedProblem(outcomes: AppliedOutcome[]): AppError {
  const refused = outcomes.flatMap((o, i) => (o.status === 'refused' ? [{ i, o }] : []));
  const partial = refused.some(({ o }) => (o.step ?? 0) > 0);
  const detail =
    outcomes.length === 1
      ? partial
        ? 'the store refused part of this change after the rest was written; it is kept for an operator'
        : 'the store refused this change; nothing of it was stored'
      : `the store refused ${refused.length} of the ${outcomes.length} changes of this request; the others were stored`;
  return new AppError('unprocessable', detail, {
    cause: refused[0]!.o.error,
    ...(outcomes.length > 1 ? { extensions: { refusedChanges: refused.map(({ i }) => i) } } : {}),
  });
}

/**
 * Whether the document `_id` carries the mark of `changeId`. A lookup by `_id` (FerretDB pushes
 * that down to PostgreSQL; a count or an `$in` it answers by decoding the whole collection).
 */
async function madeBy(collection: Collection, id: unknown, changeId: string): Promise<boolean> {
  const doc = await collection.findOne({ _id: id } as never, { projection: { _changes: 1 } });
  return Array.isArray(doc?._changes) && (doc._changes as unknown[]).includes(changeId);
}

/** The claim an update guarded by `version` takes first: `<collection>/<id>/<version>`. */
function versionClaimId(m: Extract<Mutation, { op: 'update' }>): string | undefined {
  const raw = (m.filter as Record<string, unknown>).version;
  // A replayed change holds its numbers as BSON types (Int32, Double).
  const version = typeof raw === 'object' && raw !== null && '_bsontype' in raw ? Number(raw.valueOf()) : raw;
  return typeof version === 'number' ? `${m.collection}/${String(m.filter._id)}/${version}` : undefined;
}

function stamped(document: { _id: unknown }, changeId: string): object {
  const existing = (document as { _changes?: unknown })._changes;
  return { ...document, _changes: Array.isArray(existing) ? [...existing, changeId] : [changeId] };
}

/** Adds the change id to the aggregate's recent changes, so a replay can tell it was applied. */
function withChangeMark(update: Record<string, unknown>, changeId: string): Record<string, unknown> {
  const push = (update.$push as Record<string, unknown> | undefined) ?? {};
  return { ...update, $push: { ...push, _changes: { $each: [changeId], $slice: -RECENT_CHANGES } } };
}

export function decodeMutations(record: Pick<OutboxRecord, 'mutations'>): Mutation[] {
  if (typeof record.mutations === 'string')
    return EJSON.parse(record.mutations, { relaxed: false }) as Mutation[];
  // promoteValues off: numbers come back as the BSON types they were written with.
  return BSON.deserialize(record.mutations.buffer, { promoteValues: false }).m as Mutation[];
}

function toBuffer(value: Buffer | { buffer: Buffer } | Uint8Array): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  return Buffer.from(value.buffer);
}

interface QueuedChange {
  id: string;
  events: OutboxEvent[];
  /** The stored group it belongs to, when the relay tracks that group's deletion. */
  group?: string;
}

/**
 * Publishes outbox events to Kafka with an idempotent producer (acks from all in-sync replicas),
 * then deletes their records. The fast path publishes right after the write, batching whatever
 * accumulated while the previous send was in flight; the sweep recovers what a crash or a broker
 * outage left behind, at start and on a timer, off the request path.
 */
export class OutboxRelay {
  private outbox: Outbox | undefined;
  private readonly queue: QueuedChange[] = [];
  private readonly known = new Set<string>();
  /** Ids published lately, so a sweep that read a record just before its deletion skips it. */
  private readonly recent = new Map<string, number>();
  private flushing: Promise<void> | undefined;
  private sweeping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private stopped = false;
  private failures = 0;
  private readonly startedAt = new Date();
  private readonly options: {
    producer: Producer;
    logger: Logger;
    metrics: Metrics;
    sweepIntervalMs: number;
    /** A timer sweep leaves younger records alone: they belong to requests still in progress. */
    sweepGraceMs: number;
    /** How often a timer sweep reads the whole outbox instead of the slots since the last one. */
    fullSweepIntervalMs: number;
    maxBatchEvents: number;
    maxQueuedChanges: number;
  };

  constructor(options: {
    producer: Producer;
    logger: Logger;
    metrics: Metrics;
    sweepIntervalMs: number;
    sweepGraceMs?: number;
    fullSweepIntervalMs?: number;
    maxBatchEvents?: number;
    maxQueuedChanges?: number;
  }) {
    this.options = {
      sweepGraceMs: 5_000,
      fullSweepIntervalMs: 600_000,
      maxBatchEvents: 1_000,
      maxQueuedChanges: 20_000,
      ...options,
    };
  }

  attach(outbox: Outbox): void {
    this.outbox = outbox;
  }

  /**
   * Sweeps what an earlier process left (the whole outbox), then keeps sweeping on a timer. A
   * timer sweep reads only the change slots written since the previous one (records of other
   * replicas that died before publishing, and this replica's own that its queue could not hold);
   * every `fullSweepIntervalMs` it reads the whole outbox again, for anything a slot sweep missed
   * (e.g. records it could not publish while the broker was down).
   */
  async start(): Promise<void> {
    let lastFull = Date.now();
    try {
      await this.sweep(this.startedAt);
    } catch (err) {
      // The service starts anyway: what the sweep could not do now, the timer's next (whole) sweep does.
      lastFull = 0;
      this.options.logger.warn({ err }, 'the start-up outbox sweep failed; the timer sweeps again');
    }
    let sweptUntil = new Date(this.startedAt.getTime() - this.options.sweepGraceMs);
    this.timer = setInterval(() => {
      const cutoff = new Date(Date.now() - this.options.sweepGraceMs);
      const full = Date.now() - lastFull >= this.options.fullSweepIntervalMs;
      // The ten seconds before the last cutoff are read again: the cutoff's own slot, and records
      // stamped by another replica whose clock is a little behind.
      const slots = full ? undefined : changeSlotsSince(new Date(sweptUntil.getTime() - 10_000), cutoff);
      void this.sweep(cutoff, slots)
        .then(() => {
          sweptUntil = cutoff;
          if (!slots) lastFull = Date.now();
        })
        .catch((err) => this.options.logger.warn({ err }, 'outbox sweep failed; will retry'));
    }, this.options.sweepIntervalMs);
    this.timer.unref();
  }

  /**
   * Queues applied changes for publishing. Changes written together as `group` are deleted
   * together once the last of them is published (one delete that finds them by an indexed
   * equality); changes without a group (recovered by a sweep) are deleted by id.
   */
  enqueue(changes: QueuedChange[], group?: string): void {
    const queued: QueuedChange[] = [];
    let complete = true;
    for (const change of changes) {
      if (change.events.length === 0) continue;
      if (this.known.has(change.id)) continue;
      // Past the cap the record stays in the store only; the sweep publishes it later.
      if (this.queue.length + queued.length >= this.options.maxQueuedChanges) {
        complete = false;
        continue;
      }
      queued.push(change);
    }
    const tracked = group !== undefined && complete;
    if (tracked) {
      if (queued.length === 0) this.forgetGroup(group);
      else this.groupsPending.set(group, queued.length);
    } else {
      this.forget(changes.filter((c) => c.events.length === 0).map((c) => c.id));
    }
    for (const change of queued) {
      this.known.add(change.id);
      this.queue.push(tracked ? { ...change, group } : { id: change.id, events: change.events });
    }
    this.options.metrics.outboxPending.set(this.queue.length);
    this.kick();
  }

  /** A change the store refused is ended: one log line and a count, for an operator to look at. */
  reportRefused(change: Change, refusal: ChangeRefused, kept: boolean): void {
    this.options.metrics.outboxDeadLettered.inc({ reason: 'refused-by-store' });
    this.options.logger.error(
      {
        err: refusal.error,
        changeId: change.id,
        mutation: refusal.step ?? 'outbox record',
        events: change.events.length,
        ...(kept ? { deadLetters: OUTBOX_DEAD_LETTERS } : { kept: false }),
      },
      'the store refused a change; its events are dropped',
    );
  }

  /** Groups with changes still to publish, and how many. */
  private readonly groupsPending = new Map<string, number>();

  /** Stops publishing on the fast path (records stay in the store); `resume` restarts it. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.kick();
  }

  get queued(): number {
    return this.queue.length;
  }

  private kick(): void {
    if (this.flushing || this.paused || this.stopped || this.queue.length === 0) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0 && !this.paused && !this.stopped) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0 && !this.paused) {
      const batch: QueuedChange[] = [];
      let events = 0;
      while (
        this.queue.length > 0 &&
        (batch.length === 0 || events + this.queue[0]!.events.length <= this.options.maxBatchEvents)
      ) {
        const next = this.queue.shift()!;
        batch.push(next);
        events += next.events.length;
      }
      try {
        await this.publish(batch);
        this.failures = 0;
      } catch (err) {
        this.queue.unshift(...batch);
        this.failures++;
        const wait = Math.min(5_000, 100 * 2 ** Math.min(this.failures, 6));
        this.options.logger.warn(
          { err, retryInMs: wait, changes: batch.length },
          'publishing outbox events failed',
        );
        if (this.stopped) return;
        await new Promise((resolve) => setTimeout(resolve, wait));
      } finally {
        this.options.metrics.outboxPending.set(this.queue.length);
      }
    }
  }

  private async publish(batch: QueuedChange[]): Promise<void> {
    const byTopic = new Map<string, { key: string; value: Buffer; headers: Record<string, string> }[]>();
    for (const change of batch) {
      for (const event of change.events) {
        const messages = byTopic.get(event.topic) ?? [];
        messages.push({
          key: event.key,
          value: toBuffer(event.value),
          headers: { ...event.headers, 'event-id': event.eventId },
        });
        byTopic.set(event.topic, messages);
      }
    }
    await this.options.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    const now = Date.now();
    // Published: the records are only clean-up now. They are deleted in the background, so the
    // next batch goes out without waiting for the store (a failed delete is redone by the sweep,
    // which skips records published lately).
    const ungrouped: string[] = [];
    for (const change of batch) {
      const left = change.group === undefined ? undefined : this.groupsPending.get(change.group);
      if (left === undefined) ungrouped.push(change.id);
      else if (left > 1) this.groupsPending.set(change.group!, left - 1);
      else {
        this.groupsPending.delete(change.group!);
        this.forgetGroup(change.group!);
      }
    }
    this.forget(ungrouped);
    for (const change of batch) {
      this.known.delete(change.id);
      this.recent.set(change.id, now);
      for (const event of change.events) {
        this.options.metrics.outboxPublished.inc({ topic: event.topic });
        this.options.metrics.outboxLag.observe((now - new Date(event.occurredAt).getTime()) / 1000);
      }
    }
  }

  private readonly toDelete: string[] = [];
  private readonly groupsToDelete: string[] = [];
  private deleting: Promise<void> | undefined;

  /** Deletes published records, many at a time, one delete in flight. */
  private forget(ids: string[]): void {
    this.toDelete.push(...ids);
    this.startDeleting();
  }

  private forgetGroup(group: string): void {
    this.groupsToDelete.push(group);
    this.startDeleting();
  }

  private startDeleting(): void {
    if (this.deleting) return;
    this.deleting = (async () => {
      while (this.toDelete.length > 0 || this.groupsToDelete.length > 0) {
        const groups = this.groupsToDelete.splice(0, 200);
        const ids = this.toDelete.splice(0, 2_000);
        await Promise.all([this.outbox!.forgetGroups(groups), this.outbox!.forgetRecords(ids)]).catch(
          (err) => {
            this.options.logger.warn(
              { err, groups: groups.length, records: ids.length },
              'deleting published outbox records failed; the sweep retries',
            );
          },
        );
      }
    })().finally(() => {
      this.deleting = undefined;
    });
  }

  /**
   * Re-applies and publishes records created before `cutoff` that this process is not handling:
   * all of them, or only those of the given change slots.
   */
  sweep(cutoff: Date, slots?: number[]): Promise<void> {
    if (!this.sweeping) {
      this.sweeping = (slots ? this.sweepSlots(cutoff, slots) : this.sweepOnce(cutoff)).finally(() => {
        this.sweeping = undefined;
      });
    }
    return this.sweeping;
  }

  private async sweepSlots(cutoff: Date, slots: number[]): Promise<void> {
    const outbox = this.outbox!;
    for (const createdSlot of slots) {
      const records = (await outbox.collection.find({ createdSlot }).toArray()).filter(
        (r) => r.createdAt < cutoff,
      );
      if (records.length > 0) await this.recover(records);
    }
  }

  private async sweepOnce(cutoff: Date): Promise<void> {
    let after = '';
    for (;;) {
      const records = await this.outbox!.collection.find({ createdAt: { $lt: cutoff }, _id: { $gt: after } })
        .sort({ _id: 1 })
        .limit(500)
        .toArray();
      if (records.length === 0) return;
      after = records.at(-1)!._id;
      await this.recover(records);
      if (records.length < 500) return;
    }
  }

  /** Publishes swept records: those published lately are only deleted, the others applied again first. */
  private async recover(records: OutboxRecord[]): Promise<void> {
    const outbox = this.outbox!;
    this.forgetOldPublished();
    const published = records.filter((r) => this.recent.has(r._id)).map((r) => r._id);
    await outbox.forgetRecords(published);
    const changes: Change[] = records
      .filter((r) => !this.known.has(r._id) && !this.recent.has(r._id))
      .map((r) => ({
        id: r._id,
        mutations: decodeMutations(r),
        events: r.events.map((e) => ({ ...e, value: toBuffer(e.value) })),
      }));
    if (changes.length === 0) return;
    const outcomes = await this.applyEach(changes);
    for (const change of changes.filter((_, i) => outcomes[i]?.status === 'rejected')) {
      this.options.metrics.outboxDiscarded.inc({ reason: 'refused-on-replay' });
      this.options.logger.warn(
        { changeId: change.id },
        'staged change refused on replay; its events are dropped',
      );
    }
    await outbox.settle(changes, outcomes);
    const applied = changes.filter((_, i) => outcomes[i]?.status === 'applied');
    this.options.logger.info({ changes: applied.length }, 'outbox sweep recovered pending changes');
    this.enqueue(applied);
    await this.drain(30_000);
  }

  /**
   * Applies swept changes together; when that fails for any reason but an outage, each on its own,
   * so one record that fails (and stays for the next sweep) does not hold back the others.
   */
  private async applyEach(changes: Change[]): Promise<Array<AppliedOutcome | undefined>> {
    const outbox = this.outbox!;
    try {
      return await outbox.apply(changes);
    } catch (err) {
      if (changes.length === 1 || classifyStoreError(err) === 'unavailable') throw err;
    }
    const outcomes: Array<AppliedOutcome | undefined> = [];
    for (const change of changes) {
      try {
        outcomes.push(...(await outbox.apply([change])));
      } catch (err) {
        if (classifyStoreError(err) === 'unavailable') throw err;
        this.options.logger.warn(
          { err, changeId: change.id },
          'outbox record not applied; kept for the next sweep',
        );
        outcomes.push(undefined);
      }
    }
    return outcomes;
  }

  private forgetOldPublished(): void {
    const cutoff = Date.now() - 10 * 60_000;
    for (const [id, at] of this.recent) {
      if (at >= cutoff && this.recent.size <= 200_000) break;
      this.recent.delete(id);
    }
  }

  /** Waits until the fast path has published everything queued, or the timeout passes. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while ((this.queue.length > 0 || this.flushing) && Date.now() < deadline) {
      if (this.paused) return false;
      await (this.flushing ?? new Promise((resolve) => setTimeout(resolve, 20)));
    }
    return this.queue.length === 0;
  }

  /** Stops the timer and, unless `flush` is false, publishes what is queued first. */
  async stop(options: { flush: boolean; timeoutMs: number }): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (options.flush) {
      const started = Date.now();
      await this.drain(options.timeoutMs);
      // Published records are deleted in the background: let the last deletes finish.
      const left = Math.max(0, options.timeoutMs - (Date.now() - started));
      await Promise.race([this.deleting, new Promise((resolve) => setTimeout(resolve, left).unref())]);
    }
    this.stopped = true;
    // A send stuck on an unreachable broker is abandoned here; its records stay in the outbox.
    const settle = (p: Promise<void> | undefined) =>
      Promise.race([p?.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    await settle(this.sweeping);
    await settle(this.flushing);
    await settle(this.deleting);
  }
}
