import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { __Pascal__ApplicationFiledSchema } from '@employment/contracts';
/** What the event tells of an application (rules.ts decides the record). */
interface FiledApplication {
  _id: string;
  personId: string;
  communityCode: string;
  note: string | null;
  filedAt: Date;
  filedBy: string;
}

/**
 * What the service tells others when an application is filed: an event draft, which the outbox
 * stores with the change and publishes after it.
 */
export function applicationFiled(application: FiledApplication, topic: string) {
  return {
    topic,
    subject: application._id,
    communityCode: application.communityCode,
    schema: __Pascal__ApplicationFiledSchema,
    payload: {
      applicationId: application._id,
      personId: application.personId,
      communityCode: application.communityCode,
      note: application.note ?? '',
      filedAt: timestampFromDate(application.filedAt),
      filedBy: application.filedBy,
    },
    occurredAt: application.filedAt,
  };
}
