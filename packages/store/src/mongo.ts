import { classifyStoreError, type Logger } from '@employment/core';
import mongoose, { type Connection, Schema } from 'mongoose';

export type { Connection };

/**
 * Opens the service's own database. Locally that is FerretDB on PostgreSQL, in production a
 * MongoDB replica set; the code stays inside what both support (no multi-document transactions,
 * no change streams, a small aggregation subset), and uniqueness is always enforced by unique
 * indexes on insert.
 */
export async function connectStore(options: {
  url: string;
  database: string;
  logger: Logger;
  maxPoolSize: number;
  socketTimeoutMs: number;
  /** How long a call waits for a store it cannot reach before it fails (a 503 to an HTTP caller). */
  serverSelectionTimeoutMs?: number;
}): Promise<Connection> {
  const connection = mongoose.createConnection(options.url, {
    dbName: options.database,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5_000,
    maxPoolSize: options.maxPoolSize,
    socketTimeoutMS: options.socketTimeoutMs,
    // Indexes are created by the service's migrate step (and at start on the local stack),
    // never implicitly by mongoose on first use.
    autoIndex: false,
    autoCreate: false,
  });
  connection.on('disconnected', () => options.logger.warn('store disconnected'));
  connection.on('reconnected', () => options.logger.info('store reconnected'));
  await connection.asPromise();
  return connection;
}

/**
 * Pings the store through the driver even while the connection counts as disconnected: the
 * driver's server selection asks its monitors to check at once, so a store that is back is seen
 * within a probe, not at the next heartbeat (10 s by default).
 */
export async function pingStore(connection: Connection): Promise<void> {
  const db = connection.getClient().db(connection.name);
  await db.command({ ping: 1 });
}

/** Creates the collections and indexes of every model on the connection (idempotent). */
export async function ensureIndexes(connection: Connection): Promise<void> {
  for (const model of Object.values(connection.models)) {
    await model.createCollection().catch((err: { codeName?: string; code?: number }) => {
      if (err.codeName !== 'NamespaceExists' && err.code !== 48) throw err;
    });
    await model.createIndexes();
  }
}

/** Collections the kit itself keeps in every service's database. */
export function registerKitModels(connection: Connection): void {
  const outbox = new Schema(
    { _id: String, createdAt: Date },
    { collection: 'outbox', strict: false, versionKey: false },
  );
  outbox.index({ createdAt: 1 }, { name: 'createdAt' });
  outbox.index({ createdSlot: 1 }, { name: 'createdSlot' });
  outbox.index({ group: 1 }, { name: 'group' });
  connection.model('OutboxRecord', outbox);
  const processed = new Schema(
    { _id: String, at: Date },
    { collection: 'processed_events', strict: false, versionKey: false },
  );
  processed.index({ at: 1 }, { name: 'at' });
  connection.model('ProcessedEvent', processed);
  // Changes the store refused (see Outbox): kept with the error for an operator.
  connection.model(
    'OutboxDeadLetter',
    new Schema({ _id: String }, { collection: 'outbox_dead_letters', strict: false, versionKey: false }),
  );
  // A service may declare its own audit model (with more indexes); the kit's is the default.
  if (connection.models.AuditEntry) return;
  const audit = new Schema(
    { _id: String, subjectId: String, actor: String, at: Date },
    { collection: 'audit_log', strict: false, versionKey: false },
  );
  audit.index({ subjectId: 1, at: 1 }, { name: 'subject_at' });
  // The audit log's query: one subject's entries in id (creation) order.
  audit.index({ subjectId: 1, _id: 1 }, { name: 'subject_id' });
  audit.index({ actor: 1, at: 1 }, { name: 'actor_at' });
  connection.model('AuditEntry', audit);
}

/**
 * Inserts documents unordered and answers the positions refused by a unique index (E11000),
 * instead of throwing: the caller decides what a duplicate means. It answers only when every error
 * is a duplicate-key write error and every other document is accounted for as inserted; anything
 * else (a network error, a server selection time-out, a command error, an unconfirmed write
 * concern, a refused document) is thrown, since the caller cannot know what was written.
 */
export async function insertManyRefusingDuplicates(
  collection: { insertMany: (docs: never[], options: { ordered: false }) => Promise<unknown> },
  documents: readonly object[],
): Promise<number[]> {
  if (documents.length === 0) return [];
  try {
    await collection.insertMany(documents as never[], { ordered: false });
    return [];
  } catch (err) {
    if (classifyStoreError(err) !== 'duplicate') throw err;
    const refused = duplicatePositions(err, documents.length);
    if (!refused) throw err;
    return refused;
  }
}

/** The positions of a duplicate-key error, when they and the inserted documents add up to all of them. */
function duplicatePositions(err: unknown, count: number): number[] | undefined {
  const { writeErrors, result } = err as {
    writeErrors?: Array<{ index: number }>;
    result?: { insertedCount?: number };
  };
  if (!Array.isArray(writeErrors) || writeErrors.length === 0) return count === 1 ? [0] : undefined;
  const positions = [...new Set(writeErrors.map((w) => w.index))];
  if (positions.length + (result?.insertedCount ?? -1) !== count) return undefined;
  return positions.sort((a, b) => a - b);
}
