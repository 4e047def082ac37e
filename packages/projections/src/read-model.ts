import type { DescEnum } from '@bufbuild/protobuf';
import { type Timestamp, timestampDate } from '@bufbuild/protobuf/wkt';
import { chinaDate, type IsoDate, isDuplicateKeyError, type Page, toPage } from '@employment/core';
import { type EventContext, PoisonEventError } from '@employment/messaging';
import { insertManyRefusingDuplicates } from '@employment/store';
import { type Connection, type mongo, Schema } from 'mongoose';

/** What a read model writes through: any collection of the driver (method parameters are bivariant). */
interface Writable {
  insertOne(document: never): Promise<unknown>;
  insertMany(documents: never[], options: { ordered: false }): Promise<unknown>;
  updateOne(filter: never, update: never): Promise<unknown>;
}

/**
 * The part of a record one kind of event owns, and the guard that lets the event write it only
 * when it is newer than what the record holds (a version below the event's, a date not yet set).
 * A late, replayed or repeated event finds the guard false and changes nothing, so a record never
 * moves back, whatever order the events come in.
 */
export interface Facet {
  guard: Record<string, unknown>;
  set: Record<string, unknown>;
}

/** A record as one event would create it, and the facets it writes when the record exists. */
export interface Fact {
  id: string;
  created: Record<string, unknown>;
  facets: Facet[];
}

/**
 * Applies a fact: an insert when the record is new (the common case, and on FerretDB the only
 * write that does not scan the collection), otherwise one guarded update per facet.
 */
export async function applyFact(collection: Writable, fact: Fact): Promise<void> {
  try {
    await collection.insertOne({ _id: fact.id, ...fact.created } as never);
    return;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
  await applyFacets(collection, fact);
}

/** Applies many facts with one insert; those whose record exists take the guarded path one by one. */
export async function applyFacts(collection: Writable, facts: Fact[]): Promise<void> {
  const refused = await insertManyRefusingDuplicates(
    collection,
    facts.map((f) => ({ _id: f.id, ...f.created })),
  );
  // In order: two facts about one record in the same run (a replay) must apply as they came.
  for (const i of refused) await applyFacets(collection, facts[i]!);
}

async function applyFacets(collection: Writable, fact: Fact): Promise<void> {
  for (const facet of fact.facets) {
    await collection.updateOne({ _id: fact.id, ...facet.guard } as never, { $set: facet.set } as never);
  }
}

/** Registers a read model's collection with its indexes, once per connection. */
export function registerReadModel(
  connection: Connection,
  name: string,
  collection: string,
  indexes: Array<[Record<string, 1 | -1>, { name: string }]>,
): void {
  if (connection.models[name]) return;
  const schema = new Schema({ _id: String }, { collection, strict: false, versionKey: false });
  for (const [fields, options] of indexes) schema.index(fields, options);
  connection.model(name, schema);
}

/** Records of an area (a prefix of their community code), a page in `_id` order after `after`. */
export async function pageOfArea<R extends { _id: string }, V>(
  collection: mongo.Collection<R>,
  area: string,
  options: { after?: string | undefined; limit: number; filter?: Record<string, unknown> },
  view: (record: R) => V & { id: string },
): Promise<Page<V & { id: string }>> {
  const rows = (await collection
    .find({
      communityCode: { $gte: area, $lt: `${area}\uffff` },
      ...options.filter,
      ...(options.after ? { _id: { $gt: options.after } } : {}),
    } as mongo.Filter<R>)
    .sort({ _id: 1 })
    .limit(options.limit + 1)
    .toArray()) as R[];
  // The kit's key cursor, which `keyCursor.decode` (and `pageRequest` of @employment/http) reads back.
  const page = toPage(rows, options.limit, (last) => last._id);
  return { items: page.items.map(view), nextCursor: page.nextCursor };
}

/** Leaves out the store's bookkeeping and names the id `id`. */
export function withoutBookkeeping<T extends { _id: string }>(record: T): Omit<T, '_id'> & { id: string } {
  const { _id, _changes: _c, ...rest } = record as T & { _changes?: unknown };
  return { id: _id, ...rest } as Omit<T, '_id'> & { id: string };
}

// Reading events: the contracts' values as the platform's HTTP APIs spell them.

/** A protobuf calendar date as 'YYYY-MM-DD'; null when unset. */
export function dateOf(date: { year: number; month: number; day: number } | undefined): IsoDate | null {
  if (!date || date.year <= 0) return null;
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** A timestamp that stands for a day (00:00 China time, as jobs' events carry them) as 'YYYY-MM-DD'. */
export const chinaDayOf = (timestamp: Timestamp | undefined): IsoDate | null =>
  timestamp ? chinaDate(timestampDate(timestamp)) : null;

export const instantOf = (timestamp: Timestamp | undefined): Date | null =>
  timestamp ? timestampDate(timestamp) : null;

/**
 * An enum value by its name in kebab case without the enum's prefix (`CONTRACT_TYPE_FIXED_TERM`
 * is `fixed-term`), the way the services' APIs spell vocabularies; null for UNSPECIFIED or a
 * value this build does not know (a newer producer).
 */
export function enumName(schema: DescEnum, value: number): string | null {
  const known = schema.values.find((v) => v.number === value);
  if (!known || value === 0) return null;
  // `sharedPrefix` is the prefix in lower case (`contract_type_`): the same length.
  return known.name
    .slice(schema.sharedPrefix?.length ?? 0)
    .toLowerCase()
    .replaceAll('_', '-');
}

/** Refuses an event that breaks its contract (no id, no community): retrying cannot mend it. */
export function requireFields(ctx: EventContext, fields: Record<string, string>): void {
  for (const [name, value] of Object.entries(fields)) {
    const ok = name === 'communityCode' ? /^\d{12}$/.test(value) : value.length > 0;
    if (!ok)
      throw new PoisonEventError(`${ctx.envelope.eventType} ${ctx.envelope.eventId} has no valid ${name}`);
  }
}
