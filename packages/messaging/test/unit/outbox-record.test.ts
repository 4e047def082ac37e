import mongoose from 'mongoose';
import { decodeMutations, type Mutation } from '../../src/outbox.ts';

const { BSON } = mongoose.mongo;

const mutations: Mutation[] = [
  {
    op: 'insert',
    collection: 'residents',
    document: {
      _id: 'r1',
      version: 1,
      score: new BSON.Double(3),
      at: new Date('2026-12-01T08:00:00Z'),
    } as never,
  },
  {
    op: 'update',
    collection: 'households',
    filter: { _id: 'h1', version: 4 },
    update: { $set: { 'status.zeroEmployment': true }, $inc: { version: 1 } },
  },
];

describe('outbox records', () => {
  it('when mutations are stored as BSON, then they come back with their types, dates and dotted $set keys', () => {
    const stored = new BSON.Binary(BSON.serialize({ m: mutations }));
    // As the driver hands it back after a round trip through the store.
    const read = BSON.deserialize(BSON.serialize({ mutations: stored })) as {
      mutations: { buffer: Uint8Array };
    };
    const [insert, update] = decodeMutations(read) as [
      Extract<Mutation, { op: 'insert' }>,
      Extract<Mutation, { op: 'update' }>,
    ];
    const doc = insert.document as unknown as Record<string, unknown>;
    expect(doc.at).toEqual(new Date('2026-12-01T08:00:00Z'));
    expect((doc.score as { _bsontype: string })._bsontype).toBe('Double');
    expect((doc.version as { _bsontype: string })._bsontype).toBe('Int32');
    expect(update.update).toEqual({
      $set: { 'status.zeroEmployment': true },
      $inc: { version: new BSON.Int32(1) },
    });
    // Written again by the driver, the document is byte for byte what the first write stored.
    expect(Buffer.from(BSON.serialize(insert.document))).toEqual(
      Buffer.from(BSON.serialize((mutations[0] as Extract<Mutation, { op: 'insert' }>).document)),
    );
  });

  it('when a record of an older version holds canonical EJSON text, then it still decodes', () => {
    const text = BSON.EJSON.stringify(mutations, { relaxed: false });
    const [insert] = decodeMutations({ mutations: text });
    expect((insert as Extract<Mutation, { op: 'insert' }>).document._id).toBe('r1');
  });
});
