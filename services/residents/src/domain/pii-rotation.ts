import { forEachLimited, type Logger, type PiiProtector } from '@employment/core';
import { type AuditEntry, auditEntry } from '@employment/messaging';
import type { Collection, mongo } from 'mongoose';
import type { ResidentDocument } from '../data-access/models.ts';
import { systemActor } from './changes.ts';

export interface ReencryptionReport {
  keyVersion: string;
  examined: number;
  resealed: number;
  /** Records another writer changed meanwhile: a second run reseals them. */
  missed: number;
  /** Records still sealed with an earlier key after this run (0 before an earlier key may go). */
  remaining: number;
}

const PAGE = 500;

/**
 * Moves every stored national ID number to the current encryption key: the second half of a key
 * rotation (the first is deploying the new key as current with the old one among the previous
 * keys). Each record is updated only if its ciphertext is still the one read, so a record written
 * meanwhile is left for the next run; every resealed record gets an audit entry (written after its
 * page's updates); the run ends by counting what is still under an earlier key. Safe to run again.
 */
export async function reencryptNationalIds(deps: {
  residents: Collection<ResidentDocument>;
  audit: Collection<AuditEntry>;
  pii: PiiProtector;
  logger: Logger;
  now?: () => Date;
}): Promise<ReencryptionReport> {
  const { residents, pii, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const actor = systemActor('residents:pii-rotation');
  const report: ReencryptionReport = {
    keyVersion: pii.keyVersion,
    examined: 0,
    resealed: 0,
    missed: 0,
    remaining: 0,
  };
  type Row = Pick<ResidentDocument, '_id' | 'idCipher' | 'communityCode'>;
  const reseal = async (page: Row[]) => {
    const done: AuditEntry[] = [];
    await forEachLimited(page, 8, async (row) => {
      const idCipher = pii.reseal(row.idCipher);
      const result = await residents.updateOne(
        { _id: row._id, idCipher: row.idCipher } as mongo.Filter<ResidentDocument>,
        { $set: { idCipher } },
      );
      if (result.matchedCount !== 1) {
        report.missed++;
        return;
      }
      report.resealed++;
      done.push(
        auditEntry(
          actor,
          'resident.id-resealed',
          { type: 'resident', id: row._id, communityCode: row.communityCode },
          { idKeyVersion: row.idCipher.split(':')[0] },
          { idKeyVersion: pii.keyVersion },
          now(),
        ),
      );
    });
    if (done.length > 0) await deps.audit.insertMany(done, { ordered: false });
  };

  let page: Row[] = [];
  const cursor = residents
    .find({}, { projection: { _id: 1, idCipher: 1, communityCode: 1 } })
    .batchSize(PAGE) as unknown as AsyncIterable<Row>;
  for await (const row of cursor) {
    report.examined++;
    if (pii.isCurrent(row.idCipher)) continue;
    page.push(row);
    if (page.length === PAGE) {
      await reseal(page);
      page = [];
      logger.info({ ...report }, 'resealing national ID numbers');
    }
  }
  await reseal(page);

  const check = residents
    .find({}, { projection: { idCipher: 1 } })
    .batchSize(1000) as unknown as AsyncIterable<Pick<ResidentDocument, 'idCipher'>>;
  for await (const row of check) if (!pii.isCurrent(row.idCipher)) report.remaining++;
  logger.info({ ...report }, 'national ID numbers resealed');
  return report;
}
