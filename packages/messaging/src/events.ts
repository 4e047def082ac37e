import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { type EventEnvelope, EventEnvelopeSchema } from '@employment/contracts';
import { currentTraceCarrier } from '@employment/telemetry';
import { v7 as uuidv7 } from 'uuid';

/** What a use case says happened; the kit turns it into an envelope and a Kafka record. */
export interface EventDraft<S extends DescMessage = DescMessage> {
  topic: string;
  /** The aggregate id: the Kafka key and the envelope's subject, so its events stay in order. */
  subject: string;
  communityCode: string;
  schema: S;
  payload: MessageInitShape<S>;
  occurredAt?: Date;
}

/** An event ready to publish, as the outbox stores it. */
export interface OutboxEvent {
  eventId: string;
  topic: string;
  key: string;
  type: string;
  value: Buffer;
  /** W3C trace context of the request that caused the event, so its trace continues downstream. */
  headers: Record<string, string>;
  occurredAt: Date;
}

export const SCHEMA_VERSION = 1;

/** A new record id: UUIDv7, so ids sort by creation time (cursor pagination relies on it). */
export const newId = (): string => uuidv7();

export function buildEvent(source: string, draft: EventDraft): OutboxEvent {
  const occurredAt = draft.occurredAt ?? new Date();
  const eventId = uuidv7();
  const envelope = create(EventEnvelopeSchema, {
    eventId,
    eventType: draft.schema.typeName,
    source,
    occurredAt: timestampFromDate(occurredAt),
    subject: draft.subject,
    communityCode: draft.communityCode,
    schemaVersion: SCHEMA_VERSION,
    payload: toBinary(draft.schema, create(draft.schema, draft.payload)),
  });
  return {
    eventId,
    topic: draft.topic,
    key: draft.subject,
    type: draft.schema.typeName,
    value: Buffer.from(toBinary(EventEnvelopeSchema, envelope)),
    headers: {
      ...currentTraceCarrier(),
      'event-type': draft.schema.typeName,
      'content-type': 'application/x-protobuf',
    },
    occurredAt,
  };
}

export function decodeEnvelope(value: Uint8Array): EventEnvelope {
  return fromBinary(EventEnvelopeSchema, value);
}

export function decodePayload<S extends DescMessage>(schema: S, envelope: EventEnvelope): MessageShape<S> {
  if (envelope.eventType !== schema.typeName) {
    throw new Error(`event ${envelope.eventId} is ${envelope.eventType}, not ${schema.typeName}`);
  }
  return fromBinary(schema, envelope.payload);
}

export const envelopeOccurredAt = (envelope: EventEnvelope): Date =>
  envelope.occurredAt ? timestampDate(envelope.occurredAt) : new Date(0);
