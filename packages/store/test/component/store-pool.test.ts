import { testInfra, uniqueName } from '@employment/testing';
import mongoose from 'mongoose';

const { MongoClient } = mongoose.mongo;

/**
 * The local store's connection budget (scripts/lib/infra.sh): FerretDB v1 holds one PostgreSQL
 * connection for an update's query while its write takes another, so a pool no larger than the
 * concurrent updates hangs every client. Four processes' worth of concurrent updates must finish.
 */
describe('the local store under concurrent updates', () => {
  const perProcess = Number(process.env.MONGODB_MAX_POOL_SIZE ?? 16);
  const processes = 4;
  const clients = Array.from(
    { length: processes },
    () => new MongoClient(testInfra.mongodbUrl, { maxPoolSize: perProcess, minPoolSize: perProcess }),
  );
  const database = uniqueName('store_pool');

  afterAll(async () => {
    await clients[0]!
      .db(database)
      .dropDatabase()
      .catch(() => undefined);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('when every pooled connection of several processes runs an update at once, then all of them finish', async () => {
    const collection = (i: number) =>
      clients[i % processes]!.db(database).collection<{ _id: string }>('counters');
    const updates = processes * perProcess * 2;
    // Updates of existing documents: the path that holds a connection while it takes another.
    await collection(0).insertMany(Array.from({ length: updates }, (_, i) => ({ _id: `c${i}`, n: 0 })));
    const started = Date.now();
    await Promise.all(
      Array.from({ length: updates }, (_, i) =>
        collection(i).updateOne({ _id: `c${i}` }, { $inc: { n: 1 } }),
      ),
    );
    expect(await collection(0).countDocuments({ n: 1 })).toBe(updates);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);
});
