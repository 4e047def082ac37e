import { isDuplicateKeyError, type Logger } from '@employment/core';
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
}): Promise<Connection> {
  const connection = mongoose.createConnection(options.url, {
    dbName: options.database,
    serverSelectionTimeoutMS: 5_000,
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
 * instead of throwing: the caller decides what a duplicate means. Any other error is thrown.
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
    const writeErrors = (err as { writeErrors?: Array<{ index: number; code: number }> }).writeErrors;
    if (!writeErrors && isDuplicateKeyError(err))
      return documents.length === 1 ? [0] : documents.map((_, i) => i);
    if (!writeErrors || writeErrors.some((w) => w.code !== 11000)) throw err;
    return writeErrors.map((w) => w.index);
  }
}
