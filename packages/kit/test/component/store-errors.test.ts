import { classifyStoreError } from '@employment/core';
import { insertManyRefusingDuplicates, pingStore } from '@employment/store';
import { mongoCommand, StoreUnderTest, uniqueName } from '@employment/testing';
import mongoose from 'mongoose';

/**
 * The classification of the store's errors, from errors the real store gives: FerretDB on
 * PostgreSQL reached through proxies that cut a connection mid-write or take either part away.
 */
describe('store errors as the store gives them', () => {
  let store: StoreUnderTest;
  let connection: mongoose.Connection;
  const database = uniqueName('kit_store_errors');

  beforeAll(async () => {
    store = await StoreUnderTest.start();
    connection = await mongoose
      .createConnection(store.url, { dbName: database, serverSelectionTimeoutMS: 1_500 })
      .asPromise();
  });

  afterAll(async () => {
    await store.ferretdb.up();
    await store.postgres.up();
    await connection?.dropDatabase().catch(() => undefined);
    await connection?.close();
    await store?.stop();
  });

  const people = () => connection.collection<{ _id: string; name?: string }>(uniqueName('people'));
  const failure = async (call: () => Promise<unknown>): Promise<unknown> => {
    try {
      await call();
    } catch (err) {
      return err;
    }
    throw new Error('the call succeeded');
  };

  it('when some documents collide with a unique index, then only their positions are answered', async () => {
    const collection = people();
    await collection.insertMany([{ _id: 'a' }, { _id: 'c' }]);
    expect(
      await insertManyRefusingDuplicates(collection, [
        { _id: 'a' },
        { _id: 'b' },
        { _id: 'c' },
        { _id: 'd' },
      ]),
    ).toEqual([0, 2]);
    expect(await collection.countDocuments()).toBe(4);
  });

  it('when the connection is cut before an insertMany reaches the store, then the helper throws an unavailable error', async () => {
    const collection = people();
    const cut = store.ferretdb.cutAt(mongoCommand('insert', collection.collectionName), 'before-forwarding');
    const err = await failure(() => insertManyRefusingDuplicates(collection, [{ _id: 'x' }, { _id: 'y' }]));
    await cut;
    expect((err as { name: string }).name).toBe('MongoBulkWriteError');
    expect((err as { writeErrors: unknown[] }).writeErrors).toEqual([]);
    expect(classifyStoreError(err)).toBe('unavailable');
    expect(await collection.countDocuments()).toBe(0);
  });

  it('when the connection is cut after the store wrote but before it answered, then the helper throws too', async () => {
    const collection = people();
    const cut = store.ferretdb.cutAt(mongoCommand('insert', collection.collectionName), 'after-reply');
    const err = await failure(() => insertManyRefusingDuplicates(collection, [{ _id: 'x' }, { _id: 'y' }]));
    await cut;
    expect(classifyStoreError(err)).toBe('unavailable');
    expect(await collection.countDocuments()).toBe(2);
  });

  it('when a document holds a value the store cannot hold, then the write is refused, alone or among others', async () => {
    const collection = people();
    const one = await failure(() => collection.insertOne({ _id: 'n', name: 'a\u0000b' }));
    expect(classifyStoreError(one)).toBe('refused');
    const many = await failure(() =>
      insertManyRefusingDuplicates(collection, [{ _id: 'p' }, { _id: 'q', name: 'a\u0000b' }, { _id: 'r' }]),
    );
    expect(classifyStoreError(many)).toBe('refused');
    await collection.insertOne({ _id: 's' });
    const update = await failure(() => collection.updateOne({ _id: 's' }, { $set: { name: 'a\u0000b' } }));
    expect(classifyStoreError(update)).toBe('refused');
  });

  it('when FerretDB is away, then every call fails within the server selection time-out as unavailable, and works again once it is back', async () => {
    const collection = people();
    await collection.insertOne({ _id: 'before' });
    await store.ferretdb.down();
    try {
      for (const call of [
        () => insertManyRefusingDuplicates(collection, [{ _id: 'x' }]),
        () => collection.findOne({ _id: 'before' }),
        () => collection.updateOne({ _id: 'before' }, { $set: { name: 'x' } }),
        () => pingStore(connection),
      ]) {
        const started = Date.now();
        expect(classifyStoreError(await failure(call))).toBe('unavailable');
        expect(Date.now() - started).toBeLessThan(4_000);
      }
    } finally {
      await store.ferretdb.up();
    }
    await pingStore(connection);
    expect(await insertManyRefusingDuplicates(collection, [{ _id: 'after' }])).toEqual([]);
  });

  it('when PostgreSQL is away under FerretDB, then every call fails at once as unavailable, and works again once it is back', async () => {
    const collection = people();
    await collection.insertOne({ _id: 'before' });
    await store.postgres.down();
    try {
      for (const call of [
        () => insertManyRefusingDuplicates(collection, [{ _id: 'x' }, { _id: 'y' }]),
        () => collection.insertOne({ _id: 'z' }),
        () => collection.findOne({ _id: 'before' }),
        () => collection.updateOne({ _id: 'before' }, { $set: { name: 'x' } }),
        () => collection.bulkWrite([{ deleteOne: { filter: { _id: 'before' } } }], { ordered: false }),
        () => pingStore(connection),
      ]) {
        const started = Date.now();
        expect(classifyStoreError(await failure(call))).toBe('unavailable');
        expect(Date.now() - started).toBeLessThan(2_000);
      }
    } finally {
      await store.postgres.up();
    }
    await pingStore(connection);
    expect(await insertManyRefusingDuplicates(collection, [{ _id: 'after' }])).toEqual([]);
    expect(await collection.countDocuments()).toBe(2);
  });
});
